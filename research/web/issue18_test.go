package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/proactief/proactief/research"
)

// TestSuppressedBar: a suppressed figure is drawn as a marked track that
// says why, never as an empty bar beside "<10" (which reads as 0%).
func TestSuppressedBar(t *testing.T) {
	svg := string(hbars("x", "t", "d", []bar{
		{Label: "shown", Value: 40, Text: "40%", Ref: -1},
		{Label: "hidden", Value: 3, Text: research.Suppressed, Ref: -1, Hidden: true},
	}, 100, ""))
	if strings.Count(svg, `class="suppressed"`) != 1 || !strings.Contains(svg, suppressedNote) {
		t.Fatalf("suppressed bar not marked:\n%s", svg)
	}
	if strings.Count(svg, `fill="#`) != 1 {
		t.Fatalf("want one filled bar (the shown one):\n%s", svg)
	}
}

var listRowPattern = regexp.MustCompile(`<a href="/gesprekken/(r-[^"?]+)`)

// TestListNewestFirst: the transcript list is ordered by the day the
// conversations started, newest first, not by pseudonym.
func TestListNewestFirst(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	resp, body := c.get("/gesprekken?per=1000")
	wantStatus(t, resp, http.StatusOK, body)
	first := map[string]string{}
	for _, cv := range conversations(t, research.Filter{}) {
		first[cv.Pseudonym] = cv.FirstDay
	}
	answers := map[string]int{}
	for _, cv := range conversations(t, research.Filter{}) {
		answers[cv.Pseudonym] = len(cv.Answers)
	}
	var days []string
	var rows []string
	for _, m := range listRowPattern.FindAllStringSubmatch(body, -1) {
		days = append(days, first[m[1]])
		rows = append(rows, m[1])
	}
	// Within a day (records keep no times), most answers first.
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if first[a] == first[b] && answers[a] < answers[b] {
			t.Fatalf("row %d (%d answers) before row %d (%d answers) of the same day, want most answers first", i, answers[a], i+1, answers[b])
		}
	}
	if len(days) < 2 {
		t.Fatalf("only %d rows on the list", len(days))
	}
	if !slices.IsSortedFunc(days, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Fatalf("rows by first day %v, want newest first", days)
	}
	distinct := slices.Compact(slices.Clone(days))
	if len(distinct) < 2 {
		t.Logf("the seed data starts on one day only: %v", distinct)
	}
}
