package research_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/research"
	"github.com/proactief/proactief/store/bolt"
)

// addFollowup stores the research turns of one finished conversation with
// a planned follow-up and its answer ("" for none).
func addFollowup(t *testing.T, db *bolt.DB, n, seg int, source, result string) {
	t.Helper()
	p := fmt.Sprintf("r-%06d", n)
	base := bot.ResearchTurn{Pseudonym: p, Day: "2026-12-01", Channel: bot.Telegram, Source: source, Consent: "v1", State: "closing", Segment: seg, Offer: "link"}
	turns := []bot.ResearchTurn{base, base}
	turns[0].From, turns[0].Seq, turns[0].Text = "citizen", 1, "[KNOP yes]"
	turns[1].From, turns[1].Seq, turns[1].Text, turns[1].Followup = "bot", 2, "Is het gelukt?", bot.FollowupPlanned
	if result != "" {
		r := base
		r.From, r.Seq, r.Text, r.Followup, r.Day = "citizen", 3, "[KNOP "+result+"]", result, "2026-12-08"
		turns = append(turns, r)
	}
	err := db.Update(context.Background(), "s-"+p, func(s *bot.Session) error {
		s.Research, s.ResearchOut = p, turns
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReportFollowupOutcomes(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	add := func(count, seg int, source, result string) {
		for range count {
			n++
			addFollowup(t, db, n, seg, source, result)
		}
	}
	add(12, 1, "brief-huur", "gelukt")
	add(11, 1, "brief-huur", "nog_niet")
	add(5, 1, "brief-huur", "")
	add(3, 2, "", "hulp")

	r, err := research.Compute(context.Background(), db, research.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	s1 := r.OutcomesBySegment[0]
	if s1.Followups != 28 || s1.Outcome["gelukt"] != 12 || s1.Outcome["nog_niet"] != 11 || s1.Outcome[research.OutcomeNoReply] != 5 {
		t.Fatalf("segment 1: %+v", s1)
	}
	if g := s1.Gelukt(); g.Of != 12 || g.N != 23 {
		t.Fatalf("gelukt of answered: %+v", g)
	}
	if s2 := r.OutcomesBySegment[1]; s2.Followups != 3 || s2.Outcome["hulp"] != 3 {
		t.Fatalf("segment 2: %+v", s2)
	}
	if len(r.OutcomesByCampaign) != 2 || r.OutcomesByCampaign[0].Group != "(no campaign)" || r.OutcomesByCampaign[1].Group != "brief-huur" || r.OutcomesByCampaign[1].Conversations != 28 {
		t.Fatalf("campaigns: %+v", r.OutcomesByCampaign)
	}

	var out bytes.Buffer
	if err := r.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	row := func(prefix string) string {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
		t.Fatalf("no line %q in:\n%s", prefix, text)
		return ""
	}
	// Segment 1: 28 follow-ups, 12 gelukt, 11 nog niet shown; the four
	// small cells hidden (their sum, 5, does not say which is which).
	if l := strings.Fields(row("segment 1")); l[4] != "28" || l[5] != "12" || l[6] != "11" || l[10] != "<10" || l[11] != "52%" {
		t.Fatalf("segment 1 row: %q", l)
	}
	if l := row("segment 2"); strings.Contains(l, " 3 ") {
		t.Fatalf("a count under 10 is shown: %q", l)
	}
	// One small cell beside a shown total would give it away: the total goes.
	n = 100
	add(10, 3, "sms", "gelukt")
	add(2, 3, "sms", "")
	add(10, 3, "sms", "nog_niet")
	add(10, 3, "sms", "hulp")
	add(10, 3, "sms", "verder")
	add(10, 3, "sms", "stop")
	r, _ = research.Compute(context.Background(), db, research.Filter{})
	out.Reset()
	r.WriteText(&out)
	text = out.String()
	if l := strings.Fields(row("segment 3")); l[4] != "<10" {
		t.Fatalf("segment 3 row shows the total beside one hidden cell: %q", l)
	}
	if !strings.Contains(text, "91% of those who used one") || !strings.Contains(text, "brief-huur") {
		t.Fatalf("study figures or campaign missing:\n%s", text)
	}
}
