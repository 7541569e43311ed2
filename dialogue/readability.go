package dialogue

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Readability (Flesch-Douma, the Dutch adaptation of Flesch reading ease):
//
//	206.84 - 77 * (syllables / words) - 0.93 * (words / sentences)
//
// Higher is easier; 60-70 is plain language, above 80 is easy.

var (
	placeholderStrip = regexp.MustCompile(`\{[a-z_]+\}`)
	urlStrip         = regexp.MustCompile(`(?i)\bhttps?://\S+|\b[\w.-]+\.(nl|com|org|eu)\b(/\S*)?`)
	commandStrip     = regexp.MustCompile(`(^|\s)/[a-z]+`)
	sentenceSplit    = regexp.MustCompile(`[.!?:\n]+`)
)

// isVowel reports whether r is a Dutch vowel letter. A diaeresis (ë, ï)
// marks the start of a new syllable, so those letters are reported
// separately as breaking.
func isVowel(r rune) (vowel, breaks bool) {
	switch unicode.ToLower(r) {
	case 'a', 'e', 'i', 'o', 'u', 'y', 'á', 'é', 'í', 'ó', 'ú', 'è', 'à', 'ò', 'ù', 'â', 'ê', 'î', 'ô', 'û':
		return true, false
	case 'ë', 'ï', 'ö', 'ü', 'ä':
		return true, true
	}
	return false, false
}

// syllables counts a Dutch word's syllables as its groups of vowels, so
// diphthongs and long vowels (ij, ei, ui, ou, au, oe, ie, eu, aa, ee, oo,
// uu) count once. Every word has at least one syllable.
func syllables(word string) int {
	n := 0
	in := false
	for _, r := range word {
		v, breaks := isVowel(r)
		switch {
		case v && (!in || breaks):
			n++
			in = true
		case !v:
			in = false
		}
	}
	if n == 0 {
		n = 1
	}
	return n
}

// textStats returns the words, sentences and syllables of text after
// placeholders, commands and web addresses are taken out.
func textStats(text string) (words, sentences, syl int) {
	text = placeholderStrip.ReplaceAllString(text, " ")
	text = urlStrip.ReplaceAllString(text, " ")
	text = commandStrip.ReplaceAllString(text, " ")
	for _, s := range sentenceSplit.Split(text, -1) {
		ws := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
		if len(ws) == 0 {
			continue
		}
		sentences++
		words += len(ws)
		for _, w := range ws {
			syl += syllables(w)
		}
	}
	return words, sentences, syl
}

// fleschDouma scores text; ok is false when it has no words.
func fleschDouma(text string) (score float64, ok bool) {
	w, s, syl := textStats(text)
	if w == 0 {
		return 0, false
	}
	return 206.84 - 77*float64(syl)/float64(w) - 0.93*float64(w)/float64(s), true
}

// toneKeys returns the keys of m whose tones differ (buttons and one-text
// messages are left out), sorted.
func toneKeys(m map[string]map[Tone]string) []string {
	keys := make([]string, 0, len(m))
	for key, v := range m {
		if strings.HasPrefix(key, "btn_") {
			continue
		}
		same := true
		for _, tone := range Tones {
			if v[tone] != v[Neutral] {
				same = false
			}
		}
		if !same {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}

// readabilityStats are the mean Flesch-Douma score and total length per tone.
type readabilityStats struct {
	mean   map[Tone]float64
	count  map[Tone]int
	length map[Tone]int
}

func measureReadability(m map[string]map[Tone]string) readabilityStats {
	sum := map[Tone]float64{}
	rs := readabilityStats{mean: map[Tone]float64{}, count: map[Tone]int{}, length: map[Tone]int{}}
	for _, key := range toneKeys(m) {
		for _, tone := range Tones {
			text := m[key][tone]
			rs.length[tone] += utf8.RuneCountInString(text)
			if score, ok := fleschDouma(text); ok {
				sum[tone] += score
				rs.count[tone]++
			}
		}
	}
	for _, tone := range Tones {
		if rs.count[tone] > 0 {
			rs.mean[tone] = sum[tone] / float64(rs.count[tone])
		}
	}
	return rs
}

// checkReadability applies the plain-language rules to Dutch messages: each
// calm (slow) text scores at least 50, the calm texts at least 60 on
// average and easier than the short ones, and a short (brief) text is never
// longer than the neutral one.
func checkReadability(file string, m map[string]map[Tone]string) []error {
	var problems []error
	keys := toneKeys(m)
	if len(keys) == 0 {
		return []error{fmt.Errorf("content %s: no messages with tone variants", file)}
	}
	for _, key := range keys {
		if score, ok := fleschDouma(m[key][Slow]); ok && score < 50 {
			problems = append(problems, fmt.Errorf("content %s: message %q (slow) reads too hard: Flesch-Douma %.1f, want at least 50 (shorter sentences, shorter words)", file, key, score))
		}
		if b, n := utf8.RuneCountInString(m[key][Brief]), utf8.RuneCountInString(m[key][Neutral]); b > n {
			problems = append(problems, fmt.Errorf("content %s: message %q: brief variant (%d characters) is longer than neutral (%d)", file, key, b, n))
		}
	}
	rs := measureReadability(m)
	if rs.mean[Slow] < 60 {
		problems = append(problems, fmt.Errorf("content %s: the slow variants read too hard: mean Flesch-Douma %.1f, want at least 60", file, rs.mean[Slow]))
	}
	if rs.mean[Slow] <= rs.mean[Brief] {
		problems = append(problems, fmt.Errorf("content %s: the slow variants (mean Flesch-Douma %.1f) do not read easier than the brief ones (%.1f)", file, rs.mean[Slow], rs.mean[Brief]))
	}
	for _, tone := range Tones {
		if tone != Brief && rs.length[tone] <= rs.length[Brief] {
			problems = append(problems, fmt.Errorf("content %s: the brief variants total %d characters, not fewer than the %s ones (%d)", file, rs.length[Brief], tone, rs.length[tone]))
		}
	}
	return problems
}

// informalRE finds the words of the "je" form of address.
var informalRE = regexp.MustCompile(`(?i)(^|[^\p{L}])(je|jij|jou|jouw|jezelf|jullie)([^\p{L}]|$)`)

// checkFormal reports Dutch "u" texts that still address the person with
// "je".
func checkFormal(file string, m map[string]map[Tone]string) []error {
	var problems []error
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		for _, tone := range Tones {
			if mm := informalRE.FindStringSubmatch(m[key][tone]); mm != nil {
				problems = append(problems, fmt.Errorf("content %s: message %q (%s) says %q: the \"u\" form needs its own text in nl-u.txt", file, key, tone, mm[2]))
				break
			}
		}
	}
	return problems
}

// Informal returns the first word of the "je" form of address in text
// ("je", "jij", "jou", "jouw", ...), or "" when there is none. A deployment
// that writes "u" uses it to check its own texts.
func Informal(text string) string {
	if m := informalRE.FindStringSubmatch(text); m != nil {
		return m[2]
	}
	return ""
}
