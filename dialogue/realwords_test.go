package dialogue

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var updateRealWords = flag.Bool("update-realwords", false, "regenerate realwords.txt from the word lists in /usr/share/dict")

// dictFiles are the word lists realwords.txt is generated from: the
// Debian packages wdutch (OpenTaal) and wamerican (SCOWL).
var dictFiles = []string{"/usr/share/dict/nederlands", "/usr/share/dict/american-english"}

const realWordsHeader = `# Real words the typo rule would otherwise correct into a pattern word of
# understand.txt (dialogue/understand.go, "Typos, the rule"). Generated, do
# not edit: after a change to understand.txt, on Debian,
#   apt-get install wdutch wamerican
#   go test ./dialogue -run TestRealWords -update-realwords
# Sources: the Dutch word list of OpenTaal (Debian package wdutch), under
# the BSD licence or CC BY 3.0 at the user's choice, and the English word
# list of SCOWL (Debian package wamerican), under the SCOWL licence; both
# licence texts are in realwords_LICENSES.txt next to this file.
`

// TestRealWords checks that realwords.txt is what the word lists and the
// current patterns give, and regenerates it with -update-realwords. It is
// skipped when the word lists are not installed (.ci/run installs them).
func TestRealWords(t *testing.T) {
	seen := map[string]bool{}
	var words []string
	for _, f := range dictFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			if *updateRealWords {
				t.Fatal(err)
			}
			t.Skipf("word list not installed (%v): apt-get install wdutch wamerican", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			w := normWord(strings.TrimSpace(line))
			if seen[w] || !plainWord(w) {
				continue
			}
			seen[w] = true
			// An inflection of the pattern word keeps its correction
			// ("ondraaglijke" is "ondraaglijk"); any other real word
			// is kept as it is.
			if c := understander.correctTypo(w); c != w && !strings.HasPrefix(w, c) && !strings.HasPrefix(c, w) {
				words = append(words, w)
			}
		}
	}
	slices.Sort(words)
	want := realWordsHeader + strings.Join(words, "\n") + "\n"
	if *updateRealWords {
		if err := os.WriteFile("realwords.txt", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("realwords.txt: %d words", len(words))
		return
	}
	if realWordsData != want {
		t.Errorf("realwords.txt is not what the word lists and understand.txt give (%d words now): run go test ./dialogue -run TestRealWords -update-realwords", len(words))
	}
}

// plainWord reports whether w is a word of 6 to 30 letters a to z: the
// only words the typo rule corrects.
func plainWord(w string) bool {
	n := utf8.RuneCountInString(w)
	if n < 6 || n > 30 {
		return false
	}
	for _, r := range w {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// TestRealWordsKept checks that real words are never corrected, and that
// typos still are.
func TestRealWordsKept(t *testing.T) {
	for _, c := range []struct{ typed, want string }{
		{"verdienen", "verdienen"}, {"rather", "rather"}, {"regelen", "regelen"}, {"gedreigd", "gedreigd"},
		{"ondraaglijke", "ondraaglijk"}, {"ophangn", "ophangen"},
	} {
		if got := understander.correct(c.typed); got != c.want {
			t.Errorf("correct(%q) = %q, want %q", c.typed, got, c.want)
		}
	}
}
