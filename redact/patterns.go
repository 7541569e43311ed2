package redact

import (
	"strings"
)

// The detectors below scan by hand rather than with package regexp: a
// dozen regular expressions over a 200-byte message cost more than a
// millisecond, these scanners a few microseconds.

// emails claims e-mail addresses: local part, @, domain with a dot and a
// top-level domain of two or more letters.
func (f *finder) emails() {
	s := f.s
	for k := strings.IndexByte(s, '@'); k >= 0; {
		a := k
		for a > 0 && isLocalChar(s[a-1]) {
			a--
		}
		b := k + 1
		for b < len(s) && (isAlnum(s[b]) || s[b] == '-' || s[b] == '.') {
			b++
		}
		for b > k+1 && (s[b-1] == '.' || s[b-1] == '-') {
			b--
		}
		dot := strings.LastIndexByte(s[k+1:b], '.')
		if a < k && dot > 0 && b-(k+1+dot+1) >= 2 && allLetters(s[k+1+dot+1:b]) {
			f.add(a, b, TagEmail)
		}
		next := strings.IndexByte(s[k+1:], '@')
		if next < 0 {
			break
		}
		k += 1 + next
	}
}

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isASCIILetter(s[i]) {
			return false
		}
	}
	return s != ""
}

var topLevel = set("nl", "com", "be", "org", "net", "eu", "de", "ly", "io", "info", "nu", "me", "co",
	"uk", "fr", "tv", "app")

// urls claims web addresses: http(s)://..., www.... and domain.tld/path.
func (f *finder) urls() {
	s := f.s
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if (c == 'h' || c == 'w') && (i == 0 || !isAlnum(s[i-1])) {
			if hasPrefixFold(s[i:], "http://") || hasPrefixFold(s[i:], "https://") || hasPrefixFold(s[i:], "www.") {
				e := urlEnd(s, i)
				if f.add(i, e, TagURL) {
					i = e
				}
				continue
			}
		}
		if s[i] == '/' && i > 0 && s[i-1] != ':' && s[i-1] != '/' {
			a := i
			for a > 0 && (isAlnum(s[a-1]) || s[a-1] == '-' || s[a-1] == '.') {
				a--
			}
			if a > 0 && (s[a-1] == '@' || s[a-1] == '/' || s[a-1] == '_') {
				continue
			}
			dot := strings.LastIndexByte(s[a:i], '.')
			if dot <= 0 || !topLevel[strings.ToLower(s[a+dot+1:i])] {
				continue
			}
			e := urlEnd(s, i)
			if f.add(a, e, TagURL) {
				i = e
			}
		}
	}
}

// urlEnd returns where the address starting at i ends: at a space or a
// bracket, without punctuation that ends the sentence.
func urlEnd(s string, i int) int {
	e := i
	for e < len(s) && !strings.ContainsRune(" \t\n\r<>\"'[]", rune(s[e])) {
		e++
	}
	for e > i && strings.IndexByte(".,;:!?)", s[e-1]) >= 0 {
		e--
	}
	return e
}

// users claims @usernames of at least four characters after the @.
func (f *finder) users() {
	s := f.s
	for k := 0; k < len(s); k++ {
		if s[k] != '@' || (k > 0 && strings.IndexByte(" \t\n(,;:", s[k-1]) < 0) {
			continue
		}
		e := k + 1
		for e < len(s) && (isAlnum(s[e]) || s[e] == '_' || s[e] == '.') {
			e++
		}
		for e > k+1 && s[e-1] == '.' {
			e--
		}
		if e-k >= 5 && s[k+1] != '.' {
			f.add(k, e, TagGebruiker)
		}
	}
}

// digitRun returns the end of the run of ASCII digits starting at i.
func digitRun(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// wordEnd reports whether position i ends a word: the end of s, or a byte
// that is not a letter or digit.
func wordEnd(s string, i int) bool {
	return i >= len(s) || !(isAlnum(s[i]) || s[i] >= 0x80 || s[i] == '_')
}

// wordStart reports whether position i starts a word.
func wordStart(s string, i int) bool {
	return i == 0 || !(isAlnum(s[i-1]) || s[i-1] >= 0x80 || s[i-1] == '_')
}

var months = set("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
	"oktober", "november", "december", "jan", "febr", "feb", "mrt", "mar", "apr", "jun", "jul", "aug",
	"sept", "sep", "okt", "oct", "nov", "dec")

// dates claims calendar dates with a year (12-03-1985, 12/3/85,
// 1985-03-12, 12 maart 1985, 3 mrt '85), and day and month without a year
// after a cue like "geboren" or "jarig".
func (f *finder) dates() {
	s := f.s
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || !wordStart(s, i) {
			continue
		}
		j := digitRun(s, i)
		if e := dateAt(s, i, j); e > 0 {
			if recentYear(s[i:e]) && !birthCue(s[max(0, i-40):i]) {
				// an appointment, a deadline or the date of a letter
				// ("afspraak op 14-01-2027") is no identifier
				f.reserve(i, e)
			} else {
				f.add(i, e, TagDatum)
			}
			i = e
			continue
		}
		i = j
	}
}

// recentYear reports whether the date d ends in a year from 2020 on
// (2020-2099, or 20-39 written with two digits).
func recentYear(d string) bool {
	k := len(d)
	for k > 0 && isDigit(d[k-1]) {
		k--
	}
	y := d[k:]
	switch {
	case len(y) == 4:
		return y[:2] == "20" && y[2] >= '2'
	case len(y) == 2 && k > 0 && d[k-1] != ' ' && !strings.ContainsAny(d, "'’"):
		n := atoi(y)
		return n >= 20 && n <= 39
	}
	return false
}

// dateAt returns the end of a date that starts with the digits s[i:j], or 0.
func dateAt(s string, i, j int) int {
	n := j - i
	sep := func(k int) bool { return k < len(s) && (s[k] == '-' || s[k] == '/' || s[k] == '.') }
	if n == 4 && j < len(s) && s[j] == '-' && (s[i:i+2] == "19" || s[i:i+2] == "20") {
		m1 := j + 1
		m2 := digitRun(s, m1)
		if m2-m1 >= 1 && m2-m1 <= 2 && m2 < len(s) && s[m2] == '-' {
			d2 := digitRun(s, m2+1)
			if d2-m2-1 >= 1 && d2-m2-1 <= 2 && wordEnd(s, d2) && validDay(s[m2+1:d2], s[m1:m2]) && !joined(s, i, d2) {
				return d2
			}
		}
		return 0
	}
	if n < 1 || n > 2 {
		return 0
	}
	if sep(j) {
		m1 := j + 1
		m2 := digitRun(s, m1)
		if m2-m1 < 1 || m2-m1 > 2 || !sep(m2) {
			return 0
		}
		y2 := digitRun(s, m2+1)
		if l := y2 - m2 - 1; (l == 2 || l == 4) && wordEnd(s, y2) && validDay(s[i:j], s[m1:m2]) && !joined(s, i, y2) {
			return y2
		}
		return 0
	}
	// written month
	k := j
	if k < len(s) && s[k] == 'e' && k+1 < len(s) && s[k+1] == ' ' {
		k++
	}
	if k < len(s) && s[k] == ' ' {
		k++
	}
	m := k
	for m < len(s) && isASCIILetter(s[m]) {
		m++
	}
	if m == k || !wordEnd(s, m) || !months[strings.ToLower(s[k:m])] || !validDay(s[i:j], "1") {
		return 0
	}
	end := m
	if end < len(s) && s[end] == '.' {
		end++
	}
	y := end
	if y < len(s) && s[y] == ' ' {
		y++
	}
	if y < len(s) && isDigit(s[y]) {
		if ye := digitRun(s, y); ye-y == 4 && wordEnd(s, ye) {
			return ye
		}
	}
	if y < len(s) && isDigit(s[y]) && y > end {
		// "2 feb 74": a two-digit year, unless a time or amount follows
		if ye := digitRun(s, y); ye-y == 2 && wordEnd(s, ye) && !unitAfter(s, ye) {
			return ye
		}
	}
	if strings.HasPrefix(s[y:], "'") || strings.HasPrefix(s[y:], "’") {
		a := y + 1
		if s[y] != '\'' {
			a = y + len("’")
		}
		if ye := digitRun(s, a); ye-a == 2 && wordEnd(s, ye) {
			return ye
		}
	}
	if birthCue(s[max(0, i-40):i]) {
		return m
	}
	return 0
}

// unitAfter reports whether a unit of time or money follows position i, as
// in "3 maart 15 uur" or "12 mei 10 euro".
func unitAfter(s string, i int) bool {
	rest := trimSpaceLeft(s[i:])
	if rest != "" && (rest[0] == ':' || rest[0] == '.' && len(rest) > 1 && isDigit(rest[1]) || rest[0] == '%') {
		return true
	}
	for _, u := range []string{"uur", "u ", "min", "euro", "eur", "procent", "pct"} {
		if hasPrefixFold(rest, u) {
			return true
		}
	}
	return false
}

// joined reports whether s[i:j] is part of a longer number such as
// "06.12.34.56.78".
func joined(s string, i, j int) bool {
	if i > 0 && (s[i-1] == '-' || s[i-1] == '.' || s[i-1] == '/') {
		return true
	}
	return j+1 < len(s) && (s[j] == '-' || s[j] == '.' || s[j] == '/') && isDigit(s[j+1])
}

func validDay(day, month string) bool {
	d, mo := atoi(day), atoi(month)
	return d >= 1 && d <= 31 && mo >= 1 && mo <= 12
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 4; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func birthCue(before string) bool {
	for _, w := range []string{"geb", "jarig", "verjaardag", "ben van", "is van"} {
		if indexFold(before, w) >= 0 {
			return true
		}
	}
	return false
}

// Licence plate shapes (sidecodes 1 to 14): L a letter, D a digit.
var (
	plateDashed = set("LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL",
		"DD-LLL-D", "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL", "D-LL-DDD", "DDD-LL-D")
	// without dashes only the shapes that cannot be confused with a code
	// such as AB1234, and only in capitals
	plateBare = set("LLDDLL", "DDLLLD", "DLLLDD", "LLDDDL", "LDDDLL", "LLLDDL", "LDDLLL", "DLLDDD", "DDDLLD")
)

// plates claims Dutch licence plates.
func (f *finder) plates() {
	s := f.s
	var shape [8]byte
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) || !wordStart(s, i) || (i > 0 && s[i-1] == '-') {
			continue
		}
		j, n, letters, digits, lower := i, 0, 0, 0, false
		for j < len(s) && (isAlnum(s[j]) || s[j] == '-') {
			if n < len(shape) {
				switch c := s[j]; {
				case isDigit(c):
					shape[n] = 'D'
					digits++
				case c == '-':
					shape[n] = '-'
				default:
					shape[n] = 'L'
					letters++
					lower = lower || c >= 'a'
				}
			}
			n++
			j++
		}
		if n <= len(shape) && letters > 0 && digits > 0 && wordEnd(s, j) {
			sh := string(shape[:n])
			if plateDashed[sh] || plateBare[sh] && (!lower || !mixedCase(s[i:j])) {
				f.add(i, j, TagKenteken)
			}
		}
		i = j
	}
}

// mixedCase reports whether s has both upper- and lower-case letters.
func mixedCase(s string) bool {
	var up, low bool
	for i := 0; i < len(s); i++ {
		up = up || 'A' <= s[i] && s[i] <= 'Z'
		low = low || 'a' <= s[i] && s[i] <= 'z'
	}
	return up && low
}

// postcodes claims Dutch postcodes (1234 AB, 1234AB, 1234 ab), except when
// the letters are a short word such as "en" in "sinds 2019 en".
func (f *finder) postcodes() {
	s := f.s
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || !wordStart(s, i) {
			continue
		}
		j := digitRun(s, i)
		if j-i != 4 || s[i] == '0' || (i > 0 && strings.IndexByte(".,-", s[i-1]) >= 0) {
			i = j
			continue
		}
		k := j
		spaced := k < len(s) && s[k] == ' '
		if spaced {
			k++
		}
		if k+2 > len(s) || !isASCIILetter(s[k]) || !isASCIILetter(s[k+1]) || !wordEnd(s, k+2) {
			i = j
			continue
		}
		letters := strings.ToLower(s[k : k+2])
		upper := s[k] <= 'Z' && s[k+1] <= 'Z'
		if letters == "sa" || letters == "sd" || letters == "ss" || shortWords[letters] && (spaced || !upper) {
			i = j
			continue
		}
		f.add(i, k+2, TagPostcode)
		i = k + 2
	}
}

// shortWords are two-letter words and units that may follow a number.
var shortWords = set("en", "of", "op", "in", "is", "te", "de", "al", "nu", "er", "om", "na", "ik", "je",
	"we", "ze", "zo", "ja", "uw", "eu", "pp", "ok", "mb", "gb", "kb", "kg", "km", "cm", "mm", "ml", "cl",
	"dl", "mg", "gr", "pm", "am", "st", "ex", "tv", "pc", "hr", "an", "on", "at", "to", "or", "it", "as",
	"by", "ct", "pk", "kw", "ha", "do", "be", "bv", "nv", "vs", "eo", "he", "oh", "eh", "di", "wo", "vr",
	"za", "ma", "ps", "xl", "mr", "dr")

var streetSuffixes = []string{"straat", "laan", "weg", "plein", "gracht", "kade", "dijk", "singel", "hof",
	"pad", "steeg", "dreef", "park", "ring", "markt", "wal", "plantsoen", "boulevard", "allee", "haven",
	"hout", "rak"}

// streetWord reports whether the lower-case word w names a street by its
// suffix, and whether it is only the suffix ("steeg" in "Smalle Steeg").
func streetWord(w string, dotted bool) (street, bare bool) {
	if dotted {
		return strings.HasSuffix(w, "str") || strings.HasSuffix(w, "ln"), false
	}
	for _, x := range streetSuffixes {
		if strings.HasSuffix(w, x) {
			if w == x {
				return true, true
			}
			return !notStreet(w), false
		}
	}
	return false, false
}

// notStreet reports whether word ends like a street but is a common noun,
// as in "herinnering 2" or "onderweg 5".
func notStreet(word string) bool {
	if strings.HasSuffix(word, "ering") {
		return true
	}
	switch word {
	case "onderweg", "uitweg", "snelweg", "halfweg", "gerechtshof", "fietspad", "arbeidsmarkt",
		"woningmarkt", "vakantiepark", "brandhout", "thuishaven", "zijweg", "doorweg":
		return true
	}
	return len(word) < 5
}

// houseNumber returns the end of a house number starting with the digits
// s[i:j] and an optional addition (12a, 12 A, 3-II, 45-1, 123 bis, 6 hs),
// or 0 if s[i:j] is not one.
func houseNumber(s string, i, j int) int {
	if j-i > 5 || s[i] == '0' {
		return 0
	}
	e := j
	switch {
	case e < len(s) && isASCIILetter(s[e]) && wordEnd(s, e+1):
		e++
	case e+1 < len(s) && s[e] == ' ' && isASCIILetter(s[e+1]) && wordEnd(s, e+2):
		e += 2
	case !wordEnd(s, e):
		return 0
	}
	if e+1 < len(s) && s[e] == '-' {
		k := e + 1
		for k < len(s) && isAlnum(s[k]) && k-e <= 4 {
			k++
		}
		if k > e+1 && wordEnd(s, k) {
			return k
		}
	}
	if e+1 < len(s) && s[e] == ' ' {
		k := e + 1
		for k < len(s) && isASCIILetter(s[k]) {
			k++
		}
		switch strings.ToLower(s[e+1 : k]) {
		case "bis", "hs", "huis", "zw", "bg", "ii", "iii", "hoog", "boven":
			if wordEnd(s, k) {
				return k
			}
		}
	}
	return e
}

var streetPrefixes = set("lange", "korte", "grote", "kleine", "oude", "nieuwe", "smalle", "brede", "hoge",
	"lage", "burg", "burgemeester", "prins", "prinses", "koningin", "koning", "graaf", "sint", "st", "dr",
	"mr", "pr", "1e", "2e", "3e", "eerste", "tweede", "derde", "noorder", "zuider", "ooster", "wester",
	"binnen", "buiten", "achter", "heilige", "generaal", "president", "professor", "prof")

var streetParticles = set("van", "de", "der", "den", "'t", "ten", "ter", "het", "op")

// addresses claims a street and house number. toks are the words of s.
func (f *finder) addresses(toks []token) {
	s := f.s
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || !wordStart(s, i) {
			continue
		}
		j := digitRun(s, i)
		e := houseNumber(s, i, j)
		if e == 0 {
			i = j
			continue
		}
		if start := streetBefore(s, toks, i); start >= 0 && f.add(start, e, TagAdres) {
			i = e
			continue
		}
		if start := bareStreet(s, toks, i, e); start >= 0 && f.add(start, e, TagAdres) {
			i = e
			continue
		}
		i = j
	}
}

// tokenBefore returns the index of the last token that ends at or before p
// and the text between it and p, or -1.
func tokenBefore(s string, toks []token, p int) (int, string) {
	lo, hi := 0, len(toks)
	for lo < hi {
		m := (lo + hi) / 2
		if toks[m].end <= p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return -1, ""
	}
	return lo - 1, s[toks[lo-1].end:p]
}

// streetBefore returns where the street name before the house number at p
// starts, or -1.
func streetBefore(s string, toks []token, p int) int {
	k, gap := tokenBefore(s, toks, p)
	if k < 0 {
		return -1
	}
	dotted := strings.TrimLeft(gap, ". ") == "" && strings.HasPrefix(gap, ".")
	if strings.Trim(gap, " ") != "" && !dotted {
		return -1
	}
	t := toks[k]
	if street, bare := streetWord(t.lower, dotted); street {
		start := extendStreetLeft(toks, k)
		if bare && start == t.start {
			return -1 // "straat 5" alone is not an address
		}
		return start
	}
	if dotted || gap == "" {
		return -1
	}
	// "Laan van Meerdervoort 52"
	for n := 1; n <= 2 && k-n-1 >= 0; n++ {
		ok := true
		for m := k - n; m < k; m++ {
			ok = ok && streetParticles[toks[m].lower] && toks[m].gap == ' '
		}
		w := toks[k-n-1]
		if ok && w.gap == ' ' && (w.lower == "laan" || w.lower == "weg" || w.lower == "plein" ||
			w.lower == "kade" || w.lower == "straat" || w.lower == "dijk") {
			return extendStreetLeft(toks, k-n-1)
		}
	}
	// "ik woon op de Lange Voorhout 9": a cue, op or aan, capitalised words
	for first := k; first >= 0 && first > k-3; first-- {
		if toks[first].gap != ' ' && first != k || toks[first].tag {
			break
		}
		if !toks[first].cap || common[toks[first].lower] {
			continue
		}
		c := first - 1
		if c >= 0 && (toks[c].lower == "de" || toks[c].lower == "het") {
			c--
		}
		if c < 0 || (toks[c].lower != "op" && toks[c].lower != "aan") {
			continue
		}
		c--
		if c >= 0 && (toks[c].lower == "nu" || toks[c].lower == "al" || toks[c].lower == "kort") {
			c--
			if c >= 0 && toks[c].lower == "sinds" {
				c--
			}
		}
		if c >= 0 {
			switch toks[c].lower {
			case "woon", "wonen", "woont", "woonde", "adres":
				return toks[first].start
			case "is":
				if c > 0 && toks[c-1].lower == "adres" {
					return toks[first].start
				}
			}
		}
	}
	return -1
}

// notStreetName are words that come before a number without being a
// street: units, months, and words about time and money.
var notStreetName = set("uur", "euro", "eur", "jaar", "jaren", "maand", "maanden", "week", "weken", "dag",
	"dagen", "kinderen", "kind", "procent", "keer", "nr", "nummer", "huisnummer", "pagina", "blz", "artikel",
	"groep", "klas", "bus", "lijn", "tram", "metro", "stap", "vraag", "vragen", "bijlage", "kamer", "hoog",
	"verdieping", "versie", "sinds", "vanaf", "tot", "tussen", "om", "rond", "ongeveer", "ca", "per", "van",
	"voor", "na", "over", "nog", "al", "maar", "slechts", "minimaal", "maximaal", "totaal", "bedrag",
	"schuld", "huur", "loon", "salaris", "uitkering", "toeslag", "covid", "corona", "windows", "iphone")

// bareStreet returns where a street name without a street word starts,
// before the house number s[p:e] ("spui 10 in den haag", "Rokin 75
// amsterdam", "ik woon op amstel 45"), or -1. One word is taken as a
// street when a place follows the number or an address cue comes before.
func bareStreet(s string, toks []token, p, e int) int {
	k, gap := tokenBefore(s, toks, p)
	if k < 0 || strings.Trim(gap, " ") != "" || gap == "" {
		return -1
	}
	t := toks[k]
	if t.tag || common[t.lower] || months[t.lower] || notStreetName[t.lower] || particles[t.lower] ||
		len(t.lower) < 3 || places[fold(t.lower)] || isGiven(fold(t.lower)) && !t.cap && !isDutchWord(t.lower) {
		return -1
	}
	if placeAfter(s, toks, e) || addressCue(toks, k) {
		return extendStreetLeft(toks, k)
	}
	return -1
}

// placeAfter reports whether a place follows position e: "in den haag",
// "te rotterdam", ", amsterdam", " - delft".
func placeAfter(s string, toks []token, e int) bool {
	lo, hi := 0, len(toks)
	for lo < hi {
		m := (lo + hi) / 2
		if toks[m].start < e {
			lo = m + 1
		} else {
			hi = m
		}
	}
	j := lo
	if j >= len(toks) || strings.Trim(s[e:toks[j].start], " ,-/") != "" {
		return false
	}
	if (toks[j].lower == "in" || toks[j].lower == "te") && toks[j].gap == ' ' {
		j++
	}
	for n := 3; n >= 1; n-- {
		if j+n <= len(toks) && places[phrase(toks, j, j+n-1)] {
			return true
		}
	}
	return j < len(toks) && j > lo && toks[j].cap && isProperNoun(toks[j].lower)
}

// addressCue reports whether the words before the street toks[k] announce
// an address: "ik woon (op)", "mijn adres is", "stuur het naar", "post
// gaat naar".
func addressCue(toks []token, k int) bool {
	for m := k - 1; m >= 0 && m >= k-4; m-- {
		switch w := toks[m].lower; w {
		case "woon", "woont", "wonen", "woonde", "adres", "verhuisd", "verhuizen":
			return true
		case "naar":
			for n := m - 1; n >= 0 && n >= m-3; n-- {
				switch toks[n].lower {
				case "stuur", "stuurt", "stuurde", "gestuurd", "gaat", "post", "brief", "brieven", "verhuisd", "opsturen", "sturen":
					return true
				}
			}
		}
		if toks[m].gap != ' ' && m != k {
			return false
		}
	}
	return false
}

// extendStreetLeft returns where the street whose last word is toks[k]
// starts, taking in words such as "Lange", "burg. de" or "Van".
func extendStreetLeft(toks []token, k int) int {
	best := toks[k].start
	for m := k - 1; m >= 0 && m >= k-4; m-- {
		t := toks[m]
		if t.gap != ' ' && t.gap != '.' {
			break
		}
		switch {
		case streetPrefixes[t.lower]:
			best = t.start
		case streetParticles[t.lower] && t.gap == ' ':
			if t.cap && t.lower != "het" && t.lower != "op" {
				best = t.start
			}
		default:
			return best
		}
	}
	return best
}

// cueNumbers claims reference numbers after a word ending in "nummer",
// "nr" or "kenmerk", including short ones (four or more digits) and ones
// with letters and slashes like "Z/23/456789". toks are the words of s.
func (f *finder) cueNumbers(toks []token) {
	s := f.s
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			continue
		}
		start := i
		// a letter prefix such as "Z/" or "C/"
		if i >= 2 && (s[i-1] == '/' || s[i-1] == '-') {
			a := i - 1
			for a > 0 && isASCIILetter(s[a-1]) && i-1-a < 3 {
				a--
			}
			if a < i-1 && wordStart(s, a) {
				start = a
			}
		}
		if start == i && !wordStart(s, i) {
			continue
		}
		// the number: digit groups joined by single separators
		e, n := i, 0
		for e < len(s) {
			if isDigit(s[e]) {
				n++
				e++
				continue
			}
			if strings.IndexByte(" ./-", s[e]) >= 0 && e+1 < len(s) && isDigit(s[e+1]) {
				e++
				continue
			}
			break
		}
		if n < 4 || !wordEnd(s, e) || isAmount(s, start, e) {
			i = e
			continue
		}
		k, gap := tokenBefore(s, toks, start)
		if k >= 0 && toks[k].lower == "is" && strings.Trim(gap, " ") == "" {
			k--
		}
		if k < 0 {
			i = e
			continue
		}
		if g := strings.Trim(s[toks[k].end:start], " :.="); g != "" && g != "is" {
			i = e
			continue
		}
		w := toks[k].lower
		if (strings.HasSuffix(w, "nummer") || strings.HasSuffix(w, "nr") || strings.HasSuffix(w, "kenmerk")) &&
			lastCue(s[max(0, toks[k].start-40):toks[k].end]) != cueBSN {
			f.add(start, e, TagNummer)
		}
		i = e
	}
}
