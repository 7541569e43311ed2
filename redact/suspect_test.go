package redact

import (
	"strings"
	"testing"
)

func TestSuspects(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"[NAAM] hier, ik sprak Marjolein gisteren", []string{"Marjolein"}},
		{"ik heb het aan said gevraagd", []string{"said"}},
		{"de roos op mijn arm en de bakker", nil},
		{"ik werk bij de Albert Heijn in Den Haag", nil},
		{"ik heet [NAAM] en mijn bsn is [BSN]", nil},
		{"mijn opa was visser", []string{"visser"}},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, sp := range Suspects(tt.in) {
			got = append(got, tt.in[sp.Start:sp.End])
		}
		if len(got) != len(tt.want) {
			t.Errorf("Suspects(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for k := range got {
			if got[k] != tt.want[k] {
				t.Errorf("Suspects(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}

func TestTagsComplete(t *testing.T) {
	if n := len(Tags()); n != 12 {
		t.Errorf("Tags() has %d tags, want 12", n)
	}
}

func TestWordLists(t *testing.T) {
	for _, w := range []string{"spoed", "bakker", "roos", "aaiden", "zwaluw"} {
		if !isDutchWord(w) {
			t.Errorf("isDutchWord(%q) = false", w)
		}
	}
	for _, w := range []string{"kwabena", "ramdin", "yilmaz", ""} {
		if w != "" && isDutchWord(w) {
			t.Errorf("isDutchWord(%q) = true", w)
		}
	}
	// the lists must be sorted bytewise for the search
	for _, l := range []*sortedList{dutchWords, properNouns} {
		l.once.Do(l.load)
		for k := 1; k < len(l.start); k++ {
			if l.entry(k-1) >= l.entry(k) {
				t.Fatalf("word list not sorted at %q, %q", l.entry(k-1), l.entry(k))
			}
		}
		last := l.entry(len(l.start) - 1)
		if !l.has(last) || strings.Contains(last, "\n") {
			t.Errorf("last entry %q not found", last)
		}
	}
}
