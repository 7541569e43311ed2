package redact

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// example is one labelled sentence of testdata/corpus.tsv.
type example struct {
	id, input, want string
	spans           []Span
}

var reMark = regexp.MustCompile(`\{\{([A-Z]+)\|(.*?)\}\}`)

// loadCorpus reads testdata/corpus.tsv: id, tab, sentence with personal data
// marked {{TAG|text}}.
func loadCorpus(t testing.TB) []example { return loadTSV(t, "testdata/corpus.tsv") }

// loadTSV reads a labelled file in the format of corpus.tsv. A literal
// "\n" in a sentence stands for a line break.
func loadTSV(t testing.TB, path string) []example {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var out []example
	sc := bufio.NewScanner(file)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s:%d: no tab", path, n)
		}
		text = strings.ReplaceAll(text, `\n`, "\n")
		ex := example{id: id}
		var in, want strings.Builder
		last := 0
		for _, m := range reMark.FindAllStringSubmatchIndex(text, -1) {
			in.WriteString(text[last:m[0]])
			want.WriteString(text[last:m[0]])
			tag, val := text[m[2]:m[3]], text[m[4]:m[5]]
			ex.spans = append(ex.spans, Span{Start: in.Len(), End: in.Len() + len(val), Tag: tag})
			in.WriteString(val)
			want.WriteString("[" + tag + "]")
			last = m[1]
		}
		in.WriteString(text[last:])
		want.WriteString(text[last:])
		ex.input, ex.want = in.String(), want.String()
		if strings.Contains(ex.input, "{{") {
			t.Fatalf("%s:%d: bad markup", path, n)
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tally counts, for one tag, gold spans found and predicted spans right.
type tally struct{ gold, found, pred, right int }

// TestCorpus measures recall and precision per tag on the labelled corpus.
// A gold span counts as found if predicted spans cover all of it and one
// of them, overlapping it, has its tag. A predicted span is right if it
// overlaps a gold span with the same tag.
func TestCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	tallies := map[string]*tally{}
	get := func(tag string) *tally {
		if tallies[tag] == nil {
			tallies[tag] = &tally{}
		}
		return tallies[tag]
	}
	var clean, cleanKept, exact int
	for _, ex := range corpus {
		got := Find(ex.input)
		if Text(ex.input) == ex.want {
			exact++
		}
		if len(ex.spans) == 0 {
			clean++
			if Text(ex.input) == ex.input {
				cleanKept++
			} else {
				t.Logf("changed %s: %q -> %q", ex.id, ex.input, Text(ex.input))
			}
		}
		for _, g := range ex.spans {
			tl := get(g.Tag)
			tl.gold++
			covered, tagged := 0, false
			for _, p := range got {
				lo, hi := max(p.Start, g.Start), min(p.End, g.End)
				if lo < hi {
					covered += hi - lo
					tagged = tagged || p.Tag == g.Tag
				}
			}
			if covered == g.End-g.Start && tagged {
				tl.found++
			} else {
				t.Logf("missed %s %s %q: got %q", ex.id, g.Tag, ex.input[g.Start:g.End], Text(ex.input))
			}
		}
		for _, p := range got {
			tl := get(p.Tag)
			tl.pred++
			right := false
			for _, g := range ex.spans {
				if max(p.Start, g.Start) < min(p.End, g.End) && p.Tag == g.Tag {
					right = true
				}
			}
			if right {
				tl.right++
			} else {
				t.Logf("wrong %s %s %q: want %q", ex.id, p.Tag, ex.input[p.Start:p.End], ex.want)
			}
		}
	}

	tags := make([]string, 0, len(tallies))
	for tag := range tallies {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-10s %5s %5s %8s %5s %5s %9s\n", "tag", "gold", "found", "recall", "pred", "right", "precision")
	ratio := func(a, n int) float64 {
		if n == 0 {
			return 1
		}
		return float64(a) / float64(n)
	}
	for _, tag := range tags {
		tl := tallies[tag]
		fmt.Fprintf(&b, "%-10s %5d %5d %7.1f%% %5d %5d %8.1f%%\n", tag, tl.gold, tl.found,
			100*ratio(tl.found, tl.gold), tl.pred, tl.right, 100*ratio(tl.right, tl.pred))
	}
	fmt.Fprintf(&b, "sentences %d, exactly as labelled %d (%.1f%%); without personal data %d, untouched %d (%.1f%%)\n",
		len(corpus), exact, 100*ratio(exact, len(corpus)), clean, cleanKept, 100*ratio(cleanKept, clean))
	t.Log(b.String())

	if len(corpus) < 300 || clean < 100 {
		t.Errorf("corpus has %d sentences, %d without personal data; want >= 300 and >= 100", len(corpus), clean)
	}
	targets := map[string]float64{
		TagBSN: 0.99, TagIBAN: 0.99, TagTelefoon: 0.99, TagEmail: 0.99, TagPostcode: 0.99,
		TagNaam: 0.90, TagAdres: 0.90,
	}
	for tag, want := range targets {
		tl := get(tag)
		if got := ratio(tl.found, tl.gold); got < want {
			t.Errorf("recall %s = %.3f, want >= %.2f", tag, got, want)
		}
	}
	if got := ratio(cleanKept, clean); got < 0.95 {
		t.Errorf("sentences without personal data untouched = %.3f, want >= 0.95", got)
	}
}

// TestCorpusChecksums keeps the corpus honest: every BSN passes the 11-proof
// and every IBAN passes mod-97, except the ones the corpus marks as typos.
func TestCorpusChecksums(t *testing.T) {
	for _, ex := range loadCorpus(t) {
		for _, g := range ex.spans {
			v := ex.input[g.Start:g.End]
			switch g.Tag {
			case TagBSN:
				d := digitsOf(v)
				if !validBSN(d) && !strings.Contains(ex.id, "typo") {
					t.Errorf("%s: BSN %q fails the 11-proof", ex.id, v)
				}
			case TagIBAN:
				if !validIBAN(v) && !strings.Contains(ex.id, "typo") {
					t.Errorf("%s: IBAN %q fails mod-97", ex.id, v)
				}
			}
		}
	}
}

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// TestHoldout reports recall on testdata/holdout.tsv, sentences written after
// the code and never used to tune it. It asserts nothing: it keeps the
// figures on corpus.tsv honest.
func TestHoldout(t *testing.T) {
	file, err := os.ReadFile("testdata/holdout.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var gold, found, clean, kept int
	for _, line := range strings.Split(string(file), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, text, _ := strings.Cut(line, "\t")
		in := reMark.ReplaceAllString(text, "$2")
		want := reMark.ReplaceAllString(text, "[$1]")
		got := Text(in)
		n := len(reMark.FindAllString(text, -1))
		if n == 0 {
			clean++
			if got == in {
				kept++
			} else {
				t.Logf("changed %s: %q", id, got)
			}
			continue
		}
		gold += n
		// count the gold tags that appear in the output in their place
		if got == want {
			found += n
			continue
		}
		t.Logf("differs %s: got %q, want %q", id, got, want)
		for _, m := range reMark.FindAllStringSubmatch(text, -1) {
			if !strings.Contains(got, m[2]) && strings.Contains(got, "["+m[1]+"]") {
				found++
			}
		}
	}
	t.Logf("holdout: %d of %d labelled spans redacted with their tag (%.0f%%); %d of %d clean sentences untouched",
		found, gold, 100*float64(found)/float64(max(gold, 1)), kept, clean)
}
