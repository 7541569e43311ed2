package redact

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	//go:embed lexicon/common.txt
	commonText string
	//go:embed lexicon/firstnames.txt
	firstNamesText string

	// common holds lower-case words that are never a name after a cue.
	common = wordSet(commonText)
	// firstNames holds lower-case first names, to accept "mijn vrouw fatima".
	firstNames = wordSet(firstNamesText)
)

// wordSet reads whitespace-separated words, skipping # comments.
func wordSet(text string) map[string]bool {
	set := make(map[string]bool)
	for _, line := range strings.Split(text, "\n") {
		if k := strings.IndexByte(line, '#'); k >= 0 {
			line = line[:k]
		}
		for _, w := range strings.Fields(line) {
			set[strings.ToLower(w)] = true
		}
	}
	return set
}

// token is a word: letters with inner apostrophes or hyphens ("m'n",
// "El-Amrani") or a leading apostrophe ("'t").
type token struct {
	start, end int
	lower      string
	cap        bool // starts with an upper-case letter
	caps       bool // no lower-case letters and more than one letter: UWV, NAAM
	tag        bool // directly after '[': part of a tag such as [NAAM]
	gap        byte // what follows: ' ' spaces, ',' comma or colon, '.' dot, 0 other or end
	stop       bool // the text before this token ends a sentence, or it is the first
}

// tokenize appends the words of s to toks[:0] and returns them.
func tokenize(s string, toks []token) []token {
	toks = toks[:0]
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		startsWord := unicode.IsLetter(r) ||
			(r == '\'' && i+1 < len(s) && isASCIILetter(s[i+1]) && (i == 0 || s[i-1] == ' '))
		if !startsWord {
			i += size
			continue
		}
		start := i
		i += size
		upper, lower, letters := unicode.IsUpper(r), unicode.IsLower(r), 1
		first := unicode.IsUpper(r)
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if unicode.IsLetter(r) {
				upper = upper || unicode.IsUpper(r)
				lower = lower || unicode.IsLower(r)
				letters++
				i += size
				continue
			}
			if (r == '\'' || r == '-' || r == '’') && i+size < len(s) {
				if r2, _ := utf8.DecodeRuneInString(s[i+size:]); unicode.IsLetter(r2) {
					i += size
					continue
				}
			}
			break
		}
		w := s[start:i]
		t := token{start: start, end: i, lower: w, cap: first, caps: upper && !lower && letters > 1}
		if upper {
			t.lower = strings.ToLower(w)
		}
		t.tag = start > 0 && s[start-1] == '['
		toks = append(toks, t)
	}
	// gaps and sentence starts
	for k := range toks {
		from := toks[k].end
		to := len(s)
		if k+1 < len(toks) {
			to = toks[k+1].start
		}
		toks[k].gap = gapKind(s[from:to])
		if k+1 < len(toks) {
			toks[k+1].stop = strings.ContainsAny(s[from:to], ".!?\n")
		}
	}
	if len(toks) > 0 {
		toks[0].stop = true
		for k := 0; k < toks[0].start; k++ {
			if isAlnum(s[k]) {
				toks[0].stop = false
			}
		}
	}
	return toks
}

// gapKind classifies the text between two words.
func gapKind(g string) byte {
	kind := byte(' ')
	for k := 0; k < len(g); k++ {
		switch c := g[k]; c {
		case ' ', '\t', '\n', '\r':
		case ',', ':', '.':
			if kind != ' ' {
				return 0
			}
			kind = c
			if c == ':' {
				kind = ','
			}
		default:
			return 0
		}
	}
	if g == "" {
		return 0
	}
	return kind
}

// cue kinds: how sure the words before a name are that one follows.
const (
	cueStrong  = iota + 1 // "ik heet", "mijn naam is", "mevrouw", "groeten": any word not common
	cueWeak               // "ik ben", "mijn vrouw": a capitalised word or a known first name
	cueMetHier            // "met": a name only if "hier" follows
	cueTitle              // "mevrouw", "dhr": like cueStrong, and a surname that is a word ("visser")
)

var (
	greetings = set("hoi", "hallo", "hey", "hi", "hee", "hej", "hello", "dag", "beste", "goedemorgen",
		"goedemiddag", "goedenavond", "goeiemorgen", "goeiemiddag", "geachte", "lieve", "yo", "hoihoi", "hai")
	signoffs = set("groeten", "groetjes", "groet", "gr", "grt", "grtz", "grtjs", "mvg", "mvgr", "liefs",
		"groetjes", "gegroet", "doei", "doeii", "doeiii", "doeg", "bye", "ciao", "laters", "thx", "thnx", "thanks",
		"merci", "kusjes", "kus", "xxx", "xx")
	titles = set("mevrouw", "meneer", "mevr", "mw", "mvr", "dhr", "hr", "mej", "mr", "mevrouwtje", "juffrouw")
	family = set("vrouw", "man", "zoon", "dochter", "moeder", "vader", "broer", "zus", "zusje", "broertje",
		"partner", "vriend", "vriendin", "ex", "oma", "opa", "schoonmoeder", "schoonvader", "schoonzus",
		"zwager", "buurman", "buurvrouw", "neef", "nicht", "tante", "oom", "dochtertje", "zoontje", "kind",
		"collega", "huisgenoot", "verloofde", "echtgenoot", "echtgenote", "stiefvader", "stiefmoeder",
		"ex-man", "ex-vrouw", "exman", "exvrouw", "mama", "papa", "mams", "paps", "vriendje", "vriendinnetje")
	possessives = set("mijn", "mn", "m'n", "onze", "ons", "zijn", "haar", "z'n", "zn")
	particles   = set("van", "de", "der", "den", "ter", "ten", "te", "'t", "het", "el", "al", "ben", "bin",
		"ibn", "abu", "da", "dos", "du", "la", "le", "op", "in", "vd", "v.d.", "d'", "von", "di", "do")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// names claims person names that follow a cue word.
func (f *finder) names(toks []token) {
	for i := 0; i < len(toks); i++ {
		kind, next := nameCue(toks, i)
		if kind == 0 || next >= len(toks) {
			continue
		}
		end, ok := parseName(toks, next, kind)
		if !ok {
			continue
		}
		if kind == cueMetHier && (end+1 >= len(toks) || toks[end+1].lower != "hier" || toks[end].gap != ' ') {
			continue
		}
		if f.add(toks[next].start, toks[end].end, TagNaam) {
			i = end
		}
	}
}

// nameCue reports whether token i ends a cue for a name, what kind, and
// the index of the first token of the name.
func nameCue(toks []token, i int) (kind, next int) {
	t := toks[i]
	g := t.gap
	prev := func(k int) string {
		if i-k < 0 || toks[i-k].gap == 0 || toks[i-k].gap == '.' && len(toks[i-k].lower) > 1 {
			return ""
		}
		return toks[i-k].lower
	}
	next = i + 1
	switch w := t.lower; {
	case (w == "heet" || w == "hete" || w == "heette") && prev(1) == "ik" && g == ' ':
		return cueStrong, next
	case w == "is" && prev(1) == "naam" && g == ' ':
		return cueStrong, next
	case w == "naam" && g == ',' && (possessives[prev(1)] || t.stop):
		return cueStrong, next
	case (w == "voornaam" || w == "achternaam" || w == "roepnaam") && (g == ',' || g == ' '):
		return cueStrong, next
	case w == "naam" && g == ' ' && (t.stop || i > 0 && toks[i-1].gap == ','):
		return cueStrong, next
	case w == "hier" && t.stop && (g == ' ' || g == ','):
		return cueStrong, next
	case w == "heet" && g == ' ' && i > 0 && family[toks[i-1].lower]:
		return cueStrong, next
	case w == "gegevens" && (g == ',' || g == ' ' && i > 0 && possessives[toks[i-1].lower]):
		return cueStrong, next
	case (w == "namens" || w == "tante" || w == "oom") && g == ' ':
		return cueStrong, next
	case (w == "ben" && g == ' ' && (prev(1) == "ik" || t.stop)):
		return cueWeak, next
	case w == "met" && g == ' ':
		if t.stop || (i > 0 && greetings[toks[i-1].lower] && toks[i-1].gap != 0) {
			return cueStrong, next
		}
		return cueMetHier, next
	case greetings[w] && t.stop && g == ' ':
		return cueStrong, next
	case signoffs[w] && (g == ' ' || g == ',' || g == '.'):
		if next < len(toks) && toks[next].lower == "van" && toks[next].gap == ' ' {
			next++
		}
		return cueStrong, next
	case titles[w] && (g == ' ' || g == '.'):
		return cueTitle, next
	case w == "heer" && prev(1) == "de" && g == ' ':
		return cueTitle, next
	case family[w] && possessives[prev(1)] && (g == ' ' || g == ','):
		if g == ',' {
			return cueStrong, next
		}
		return cueWeak, next
	case w == "tnv" && (g == ' ' || g == '.' || g == ','):
		return cueStrong, next
	case w == "v" && g == '.' && i >= 2 && toks[i-1].lower == "n" && toks[i-2].lower == "t":
		return cueStrong, next
	case w == "van" && (prev(1) == "name" && prev(2) == "ten" || prev(1) == "naam" && prev(2) == "op") && g == ' ':
		return cueStrong, next
	}
	return 0, 0
}

// nameable reports whether token t can be part of a name: not a tag, a
// common word, a place or organisation, nor a single letter.
func nameable(t token) bool {
	return !t.tag && !common[t.lower] && utf8.RuneCountInString(t.lower) >= 2 && !places[fold(t.lower)]
}

// isNameWord reports whether t can be a name after a cue of the given
// strength: a capitalised word, a known name, or (lowerMode, after a
// strong cue) any word that is not an ordinary Dutch word.
func isNameWord(t token, lowerMode, weak bool) bool {
	if !nameable(t) {
		return false
	}
	f := fold(t.lower)
	if t.caps {
		return isGiven(f) || isSurname(f)
	}
	if t.cap {
		return true
	}
	if isGiven(f) {
		return true
	}
	if weak {
		return false
	}
	return lowerMode && !isDutchWord(t.lower)
}

// parseName reads a name starting at token k and returns the index of its
// last token.
func parseName(toks []token, k int, kind int) (end int, ok bool) {
	lowerOK := kind != cueWeak
	isName := func(t token, lowerMode bool) bool {
		return isNameWord(t, lowerMode, kind == cueWeak && !lowerMode) ||
			kind == cueTitle && lowerMode && nameable(t) && isSurname(fold(t.lower))
	}
	// particles then a name word, as in "de Vries", "El Amrani"
	particleRun := func(j int, lowerMode bool) (int, bool) {
		return particleName(toks, j, lowerMode)
	}
	initial := func(t token) bool {
		return t.cap && len(t.lower) == 1 && t.gap == '.'
	}

	j := k
	t := toks[j]
	var lowerMode bool
	switch {
	case initial(t) || len(t.lower) == 1 && t.gap == '.' && (kind == cueStrong || kind == cueTitle):
		for j < len(toks) && (initial(toks[j]) || len(toks[j].lower) == 1 && toks[j].gap == '.') {
			j++
		}
		if j >= len(toks) {
			return 0, false
		}
		if e, ok := particleRun(j, true); ok {
			j = e
		} else if !isName(toks[j], true) {
			return 0, false
		}
	case particles[t.lower] && !(kind == cueWeak && !t.cap):
		e, ok := particleRun(j, lowerOK)
		if !ok {
			if !isName(t, lowerOK) || particles[t.lower] && !t.cap {
				return 0, false
			}
		} else {
			j = e
		}
		lowerMode = !toks[j].cap && lowerOK
	default:
		if !isName(t, lowerOK) {
			return 0, false
		}
		lowerMode = !t.cap && lowerOK
	}
	return extendName(toks, j, lowerMode), true
}

// particleName reads tussenvoegsels from token j and a name word after
// them ("de Vries", "van der meer", "el khattabi") and returns the index
// of that word.
func particleName(toks []token, j int, lowerMode bool) (int, bool) {
	start, n := j, 0
	for j < len(toks) && particles[toks[j].lower] && !toks[j].tag && n < 3 {
		if toks[j].gap != ' ' {
			return 0, false
		}
		j++
		n++
	}
	if n == 0 || j >= len(toks) {
		return 0, false
	}
	t := toks[j]
	f := fold(t.lower)
	if !nameable(t) && !(t.cap && !t.tag && isSurname(f)) || placeAt(toks, j) > 0 {
		return 0, false
	}
	switch {
	case t.cap || isSurname(f) || particleSurnames[phrase(toks, start, j)]:
	case lowerMode && !isDutchWord(t.lower):
	default:
		return 0, false
	}
	return j, true
}

// placeAt returns how many words from toks[j] name a place or an
// organisation ("Albert Heijn", "den haag"), or 0.
func placeAt(toks []token, j int) int {
	if j >= len(toks) || !placeFirst[fold(toks[j].lower)] {
		return 0
	}
	for n := 3; n >= 1; n-- {
		if j+n <= len(toks) && places[phrase(toks, j, j+n-1)] {
			return n
		}
	}
	return 0
}

// phrase returns the folded words of toks[i..j] joined by single spaces.
func phrase(toks []token, i, j int) string {
	if i == j {
		return fold(toks[i].lower)
	}
	var b strings.Builder
	for k := i; k <= j; k++ {
		if k > i {
			b.WriteByte(' ')
		}
		b.WriteString(fold(toks[k].lower))
	}
	return b.String()
}

// extendName returns the last token of the name whose first word ends at
// toks[end]: a surname after a first name ("jan bakker", "henk de jong",
// "sunita ramdin"), at most four words in all.
func extendName(toks []token, end int, lowerMode bool) int {
	first := end
	for words := 1; words < 4 && toks[end].gap == ' ' && end+1 < len(toks); words++ {
		n := toks[end+1]
		if e, ok := particleName(toks, end+1, lowerMode || isGiven(fold(toks[end].lower))); ok {
			end = e
			continue
		}
		if particles[n.lower] || !nameable(n) {
			break
		}
		f := fold(n.lower)
		switch {
		case n.caps:
			if !isGiven(f) && !isSurname(f) {
				return end
			}
		case n.cap, isSurname(f), isGiven(f) && !isDutchWord(n.lower):
		case (lowerMode || isGiven(fold(toks[first].lower))) && !isDutchWord(n.lower) && len(n.lower) >= 3:
		default:
			return end
		}
		end++
	}
	return end
}
