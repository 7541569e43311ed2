package redact

// Suspects returns the words of s, a text that was already redacted, that
// still look like a name: a first name or surname from the lexicons that is
// not used as a thing ("de roos"), or a capitalised word where no sentence
// starts that is no place or organisation. They are what a reviewer should look at
// twice; most are false alarms ("mijn opa was visser"). Offsets are into
// s; tags such as [NAAM] are never reported. It returns nil if there are
// none.
func Suspects(s string) []Span {
	s2 := Normalize(s)
	if len(s2) != len(s) {
		return nil // not a text Text produced; offsets would not match
	}
	var out []Span
	toks := tokenize(s, nil)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.tag || !nameable(t) || insideTag(s, t.start) {
			continue
		}
		if n := placeAt(toks, i); n > 0 {
			i += n - 1
			continue
		}
		f := fold(t.lower)
		lexical := isGiven(f) || isSurname(f)
		unknownCap := t.cap && !t.stop && !t.caps && len(t.lower) >= 3
		if !lexical && !unknownCap {
			continue
		}
		if i > 0 && articles[toks[i-1].lower] && toks[i-1].gap == ' ' && !t.cap {
			continue // "de roos", "een bakker"
		}
		out = append(out, Span{Start: t.start, End: t.end, Tag: TagNaam})
	}
	return out
}

// insideTag reports whether position i is inside a tag such as "[NAAM]".
func insideTag(s string, i int) bool {
	for k := i - 1; k >= 0 && i-k <= 12; k-- {
		switch s[k] {
		case '[':
			return true
		case ']', ' ':
			return false
		}
	}
	return false
}

// Tags returns every tag Text writes, in the order of the package
// documentation.
func Tags() []string {
	return []string{TagBSN, TagIBAN, TagTelefoon, TagEmail, TagURL, TagGebruiker, TagPostcode, TagAdres,
		TagNaam, TagDatum, TagKenteken, TagNummer}
}
