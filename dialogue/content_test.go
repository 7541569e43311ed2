package dialogue

import (
	"fmt"
	"sort"
	"strings"
	"testing"
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
	c, err := LoadContent()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"nl", FormalLang} {
		msgs := c.msgs[lang]
		for _, key := range toneKeys(msgs) {
			line := lang + " " + key + ":"
			for _, tone := range Tones {
				if score, ok := fleschDouma(msgs[key][tone]); ok {
					line += fmt.Sprintf(" %s=%.1f", tone, score)
				} else {
					line += " " + string(tone) + "=-"
				}
			}
			t.Log(line)
		}
		rs := measureReadability(msgs)
		for _, tone := range Tones {
			t.Logf("%s tone %-8s mean Flesch-Douma %.1f over %d messages, %d characters in all", lang, tone, rs.mean[tone], rs.count[tone], rs.length[tone])
		}
		for _, err := range checkReadability(lang, msgs) {
			t.Error(err)
		}
	}
}
