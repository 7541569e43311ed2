package dialogue

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestContentLoads(t *testing.T) {
	c, err := LoadContent()
	if err != nil {
		t.Fatalf("LoadContent: %v", err)
	}
	for _, lang := range Languages {
		for _, key := range c.Keys() {
			if _, ok := c.msgs[lang][key]; !ok {
				t.Errorf("%s: key %q not loaded", lang, key)
			}
		}
	}
	got := c.Text("nl", "consent_keep_q", Brief, "days", "30")
	if !strings.Contains(got, "30") || strings.Contains(got, "{days}") {
		t.Errorf("placeholder not filled in: %q", got)
	}
}

// testContent builds a valid content file from messageSpec, with every
// required placeholder, leaving out the keys in skip and using the raw
// entries in override (the text after the [key] line) where given.
func testContent(skip string, override map[string]string) string {
	keys := make([]string, 0, len(messageSpec))
	for k := range messageSpec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# test content\n")
	for _, key := range keys {
		if key == skip {
			continue
		}
		b.WriteString("[" + key + "]\n")
		if o, ok := override[key]; ok {
			b.WriteString(o + "\n\n")
			continue
		}
		text := "Tekst"
		for _, p := range messageSpec[key] {
			if !strings.HasPrefix(p, "?") {
				text += " {" + p + "}"
			}
		}
		b.WriteString("all: " + text + "\n\n")
	}
	return b.String()
}

func TestParseContentValid(t *testing.T) {
	if _, err := parseContent("content/test.txt", testContent("", nil)); err != nil {
		t.Fatalf("valid test content rejected: %v", err)
	}
}

func TestParseContentRejects(t *testing.T) {
	const file = "content/test.txt"
	cases := []struct {
		name string
		data string
		want []string // every one must appear in the error
	}{
		{
			name: "missing key",
			data: testContent("restart", nil),
			want: []string{file, `"restart"`, "missing"},
		},
		{
			name: "missing tone variant",
			data: testContent("", map[string]string{
				"ack": "neutral: Dank je.\nbrief: -\nautonomy: Dank je.",
			}),
			want: []string{file, `"ack"`, `"slow"`},
		},
		{
			name: "unknown placeholder",
			data: testContent("", map[string]string{
				"ack": "all: Dank je, {name}.",
			}),
			want: []string{file, `"ack"`, "{name}"},
		},
		{
			name: "missing required placeholder",
			data: testContent("", map[string]string{
				"consent_keep_q": "neutral: Ik bewaar je antwoorden {days} dagen.\nbrief: Bewaren?\nautonomy: {days} dagen.\nslow: {days} dagen.",
			}),
			want: []string{file, `"consent_keep_q"`, "{days}", "brief"},
		},
		{
			name: "unknown key",
			data: testContent("", nil) + "[no_such_key]\nall: Hallo.\n",
			want: []string{file, `"no_such_key"`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseContent(file, tc.data)
			if err == nil {
				t.Fatal("parseContent accepted bad content")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

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

func TestSyllables(t *testing.T) {
	for word, want := range map[string]int{
		"gemeente": 3, "huis": 1, "vrij": 1, "antwoorden": 3, "toeslagen": 3,
		"eeuw": 1, "één": 1, "geïnteresseerd": 5, "rustig": 2, "ja": 1,
	} {
		if got := syllables(word); got != want {
			t.Errorf("syllables(%q) = %d, want %d", word, got, want)
		}
	}
	if w, s, _ := textStats("Typ /gegevens op toeslagen.nl. Dank je {days} keer!\nJa"); w != 6 || s != 3 {
		t.Errorf("textStats: %d words, %d sentences, want 6 and 3", w, s)
	}
}

func TestReadability(t *testing.T) {
	data, err := contentFS.ReadFile("content/nl.txt")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := parseContent("content/nl.txt", string(data))
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(msgs))
	for key, v := range msgs {
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
	if len(keys) == 0 {
		t.Fatal("no messages with tone variants")
	}

	sum := map[Tone]float64{}
	count := map[Tone]int{}
	length := map[Tone]int{}
	for _, key := range keys {
		line := key + ":"
		for _, tone := range Tones {
			text := msgs[key][tone]
			length[tone] += utf8.RuneCountInString(text)
			score, ok := fleschDouma(text)
			if !ok {
				line += " " + string(tone) + "=-"
				continue
			}
			sum[tone] += score
			count[tone]++
			line += fmt.Sprintf(" %s=%.1f", tone, score)
			if tone == Slow && score < 50 {
				t.Errorf("%s (slow) scores %.1f, want at least 50: %q", key, score, text)
			}
		}
		t.Log(line)
		if b, n := utf8.RuneCountInString(msgs[key][Brief]), utf8.RuneCountInString(msgs[key][Neutral]); b > n {
			t.Errorf("%s: brief variant (%d chars) is longer than neutral (%d chars)", key, b, n)
		}
	}
	mean := map[Tone]float64{}
	for _, tone := range Tones {
		mean[tone] = sum[tone] / float64(count[tone])
		t.Logf("tone %-8s mean Flesch-Douma %.1f over %d messages, %d characters in all", tone, mean[tone], count[tone], length[tone])
	}
	if mean[Slow] < 60 {
		t.Errorf("mean Flesch-Douma of slow variants is %.1f, want at least 60", mean[Slow])
	}
	if mean[Slow] <= mean[Brief] {
		t.Errorf("mean Flesch-Douma of slow variants (%.1f) is not above brief (%.1f)", mean[Slow], mean[Brief])
	}
	for _, tone := range Tones {
		if tone != Brief && length[tone] <= length[Brief] {
			t.Errorf("brief variants total %d characters, not fewer than %s (%d)", length[Brief], tone, length[tone])
		}
	}
}
