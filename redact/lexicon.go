package redact

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// The lexicons are described, with their sources and licences, in
// lexicon/README.md.
var (
	//go:embed lexicon/surnames.txt
	surnamesText string
	//go:embed lexicon/faker-firstnames.txt
	fakerFirstText string
	//go:embed lexicon/faker-surnames.txt
	fakerSurText string
	//go:embed lexicon/namewords.txt
	nameWordsText string
	//go:embed lexicon/places.txt
	placesText string
	//go:embed lexicon/words.txt.gz
	wordsGz []byte
	//go:embed lexicon/propernouns.txt.gz
	properGz []byte
)

var (
	// givenNames holds first names, folded (see fold).
	givenNames = foldSet(firstNamesText, fakerFirstText)
	// surnames holds surnames of one word and the last word of surnames
	// with tussenvoegsels, folded.
	surnames = foldSet(lastWords(surnamesText))
	// fakerSurnames are counted only when they are not a Dutch word: the
	// list holds Turkish and Polish surnames such as "Kunt" and "Baran".
	fakerSurnames = foldSet(fakerSurText)
	// particleSurnames holds whole surnames with tussenvoegsels ("de jong").
	particleSurnames = phraseSet(surnamesText)
	// nameWords are names that are more often an everyday word.
	nameWords = foldSet(nameWordsText)
	// places holds places, organisations and brands, one word or a phrase.
	places = phraseSet(placesText)
	// placeFirst holds the first word of every entry of places.
	placeFirst = firstWords(places)
)

// firstWords returns the first word of every phrase in set.
func firstWords(set map[string]bool) map[string]bool {
	out := make(map[string]bool, len(set))
	for p := range set {
		w, _, _ := strings.Cut(p, " ")
		out[w] = true
	}
	return out
}

// lastWords returns the text with each line reduced to its last word.
func lastWords(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if k := strings.IndexByte(line, '#'); k >= 0 {
			line = line[:k]
		}
		if f := strings.Fields(line); len(f) > 0 {
			b.WriteString(f[len(f)-1])
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// foldSet reads whitespace-separated words from texts into a set of folded
// words.
func foldSet(texts ...string) map[string]bool {
	set := make(map[string]bool)
	for _, text := range texts {
		for w := range wordSet(text) {
			set[fold(w)] = true
		}
	}
	return set
}

// phraseSet reads one entry a line into a set of folded phrases with
// single spaces.
func phraseSet(text string) map[string]bool {
	set := make(map[string]bool)
	for _, line := range strings.Split(text, "\n") {
		if k := strings.IndexByte(line, '#'); k >= 0 {
			line = line[:k]
		}
		if f := strings.Fields(line); len(f) > 0 {
			set[fold(strings.Join(f, " "))] = true
		}
	}
	return set
}

// fold returns w in lower case with the diacritics of names common in the
// Netherlands removed: "Yıldız" and "yildiz" fold alike.
func fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 || 'A' <= w[i] && w[i] <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range strings.ToLower(w) {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		if a, ok := foldMap[r]; ok {
			b.WriteByte(a)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var foldMap = map[rune]byte{
	'á': 'a', 'à': 'a', 'â': 'a', 'ä': 'a', 'ã': 'a', 'å': 'a', 'ą': 'a', 'ă': 'a',
	'ç': 'c', 'ć': 'c', 'č': 'c',
	'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e', 'ę': 'e', 'ě': 'e',
	'í': 'i', 'ì': 'i', 'î': 'i', 'ï': 'i', 'ı': 'i', 'İ': 'i',
	'ł': 'l', 'ñ': 'n', 'ń': 'n', 'ň': 'n',
	'ó': 'o', 'ò': 'o', 'ô': 'o', 'ö': 'o', 'õ': 'o', 'ø': 'o', 'ő': 'o',
	'ś': 's', 'ş': 's', 'š': 's', 'ș': 's', 'ğ': 'g',
	'ú': 'u', 'ù': 'u', 'û': 'u', 'ü': 'u', 'ű': 'u', 'ů': 'u',
	'ý': 'y', 'ÿ': 'y', 'ź': 'z', 'ż': 'z', 'ž': 'z', 'ţ': 't', 'ț': 't', 'đ': 'd',
}

// sortedList is a newline-separated list sorted bytewise, searched by
// halving: a third of the memory of a map for a list of 185,000 words.
type sortedList struct {
	once  sync.Once
	gz    []byte
	text  string
	start []uint32 // offset of each entry in text
}

var (
	dutchWords  = &sortedList{gz: wordsGz}
	properNouns = &sortedList{gz: properGz}
)

func (l *sortedList) load() {
	r, err := gzip.NewReader(bytes.NewReader(l.gz))
	if err != nil {
		panic("redact: embedded word list: " + err.Error())
	}
	data, err := io.ReadAll(r)
	if err != nil {
		panic("redact: embedded word list: " + err.Error())
	}
	l.text = string(data)
	n := bytes.Count(data, []byte{'\n'})
	l.start = make([]uint32, 0, n+1)
	for i := 0; i < len(data); {
		l.start = append(l.start, uint32(i))
		k := bytes.IndexByte(data[i:], '\n')
		if k < 0 {
			break
		}
		i += k + 1
	}
}

func (l *sortedList) entry(k int) string {
	end := len(l.text)
	if k+1 < len(l.start) {
		end = int(l.start[k+1])
	}
	return strings.TrimSuffix(l.text[l.start[k]:end], "\n")
}

// has reports whether w is in the list.
func (l *sortedList) has(w string) bool {
	l.once.Do(l.load)
	k := sort.Search(len(l.start), func(k int) bool { return l.entry(k) >= w })
	return k < len(l.start) && l.entry(k) == w
}

// isDutchWord reports whether the lower-case word w is an ordinary Dutch
// word: in the OpenTaal list, in common.txt, or longer than the list keeps
// (11 bytes; such words are almost never names).
func isDutchWord(w string) bool {
	if common[w] {
		return true
	}
	if len(w) > 11 {
		return utf8.RuneCountInString(w) > 11 || dutchWords.has(w)
	}
	return dutchWords.has(w)
}

// isProperNoun reports whether the capitalised word w ("Almere") is a
// place, brand or other proper noun of the OpenTaal list.
func isProperNoun(w string) bool {
	if w == "" {
		return false
	}
	r, size := utf8.DecodeRuneInString(w)
	return properNouns.has(strings.ToUpper(string(r)) + w[size:])
}

// isGiven and isSurname report whether the folded word is a known first
// name or surname.
func isGiven(f string) bool { return givenNames[f] }
func isSurname(f string) bool {
	return surnames[f] || fakerSurnames[f] && !isDutchWord(f)
}
