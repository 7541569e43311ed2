package research

import (
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/segment"
)

func TestPhaseOfferIsDialogues(t *testing.T) {
	if phaseOffer != dialogue.PhaseOffer {
		t.Fatalf("phaseOffer=%q, want %q", phaseOffer, dialogue.PhaseOffer)
	}
}

func intp(v int) *int { return &v }

func TestBuild(t *testing.T) {
	st := segment.Statements()
	a, b := st[0].ID, st[1].ID
	turn := func(seq int, day, from, text, state, stmt string, v *int, seg int) bot.ResearchTurn {
		return bot.ResearchTurn{Pseudonym: "r-x", Seq: seq, Day: day, Channel: "telegram", Consent: "v1",
			From: from, Text: text, State: state, Statement: stmt, Value: v, Segment: seg}
	}
	tests := []struct {
		name      string
		turns     []bot.ResearchTurn
		answers   []string
		completed bool
		segment   int
		lastAsked string
	}{
		{
			name: "answers and pending question",
			turns: []bot.ResearchTurn{
				turn(1000, "2026-11-02", "citizen", "[KNOP yes]", "profiling", "", nil, 0),
				turn(1001, "2026-11-02", "bot", "Vraag: "+st[0].AskNL, "profiling", "", nil, 0),
				turn(2000, "2026-11-03", "citizen", "[KNOP 4]", "profiling", a, intp(4), 0),
				turn(2001, "2026-11-03", "bot", st[1].AskNL+" (nog 3 vragen)", "profiling", "", nil, 0),
			},
			answers: []string{a}, lastAsked: b,
		},
		{
			name: "restart by command",
			turns: []bot.ResearchTurn{
				turn(1000, "2026-11-02", "citizen", "[KNOP 4]", "profiling", a, intp(4), 0),
				turn(2000, "2026-11-02", "citizen", "/opnieuw", "profiling", "", nil, 0),
				turn(3000, "2026-11-02", "citizen", "[KNOP 2]", "profiling", b, intp(2), 0),
			},
			answers: []string{b}, lastAsked: b,
		},
		{
			name: "restart seen by a repeated statement, then the offer",
			turns: []bot.ResearchTurn{
				turn(1000, "2026-11-02", "citizen", "[KNOP 4]", "offer", a, intp(4), 2),
				turn(2000, "2026-11-02", "citizen", "[KNOP 1]", "profiling", a, intp(1), 0),
				turn(3000, "2026-11-02", "citizen", "[KNOP 0]", "offer", b, intp(0), 3),
			},
			answers: []string{a, b}, completed: true, segment: 3, lastAsked: b,
		},
		{
			name: "stopped early reaches the offer without a segment",
			turns: []bot.ResearchTurn{
				turn(1000, "2026-11-02", "citizen", "/stop", "offer", "", nil, 0),
			},
			completed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := build(tt.turns)
			var got []string
			for _, x := range c.Answers {
				got = append(got, x.Statement)
			}
			if len(got) != len(tt.answers) || (len(got) > 0 && got[len(got)-1] != tt.answers[len(tt.answers)-1]) {
				t.Fatalf("answers=%v, want %v", got, tt.answers)
			}
			if c.Completed != tt.completed || c.Segment != tt.segment {
				t.Fatalf("completed=%v segment=%d, want %v, %d", c.Completed, c.Segment, tt.completed, tt.segment)
			}
			if c.LastAsked() != tt.lastAsked {
				t.Fatalf("LastAsked=%q, want %q", c.LastAsked(), tt.lastAsked)
			}
			if c.FirstDay != tt.turns[0].Day || c.ConsentVersion != "v1" || c.Channel != "telegram" {
				t.Fatalf("first=%s consent=%s channel=%s", c.FirstDay, c.ConsentVersion, c.Channel)
			}
		})
	}
}

func TestFilterMatch(t *testing.T) {
	yes, no := true, false
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	if ams == nil {
		ams = time.UTC
	}
	c := Conversation{FirstDay: "2026-11-02", Segment: 2, Channel: "telegram", Source: "flyer", Completed: true}
	test := c
	test.Test = true
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, ams) }
	tests := []struct {
		f    Filter
		c    Conversation
		want bool
	}{
		{Filter{}, c, true},
		{Filter{}, test, false},
		{Filter{IncludeTest: true}, test, true},
		{Filter{Since: day(2), Until: day(2)}, c, true},
		{Filter{Since: day(3)}, c, false},
		{Filter{Until: day(1)}, c, false},
		{Filter{Segment: 2}, c, true},
		{Filter{Segment: 1}, c, false},
		{Filter{Channel: "mattermost"}, c, false},
		{Filter{Source: "flyer"}, c, true},
		{Filter{Source: "poster"}, c, false},
		{Filter{Completed: &yes}, c, true},
		{Filter{Completed: &no}, c, false},
	}
	for i, tt := range tests {
		if got := tt.f.Match(tt.c); got != tt.want {
			t.Errorf("%d: %s Match=%v, want %v", i, tt.f, got, tt.want)
		}
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"": "", "=1+1": "'=1+1", "@SUM": "'@SUM", "r-abc": "r-abc", "-x": "'-x"} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q)=%q, want %q", in, got, want)
		}
	}
}

func TestCountAndCell(t *testing.T) {
	if Count(9) != "<10" || Count(10) != "10" {
		t.Fatalf("Count(9)=%s Count(10)=%s", Count(9), Count(10))
	}
	if s := (Cell{Of: 3, N: 9}).String(); s != "<10" {
		t.Fatalf("Cell n=9: %s", s)
	}
	if s := (Cell{Of: 5, N: 10}).String(); s != "50% (n=10)" {
		t.Fatalf("Cell n=10: %s", s)
	}
}
