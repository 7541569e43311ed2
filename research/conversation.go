package research

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/segment"
)

// Filter selects conversations. The zero value selects every conversation
// except staff tests.
type Filter struct {
	Since, Until time.Time // by day, inclusive; zero = open
	IncludeTest  bool      // staff test conversations are excluded unless true
	Segment      int       // 0 = any
	Channel      string    // "" = any
	Source       string    // "" = any
	Completed    *bool     // nil = any
}

// Answer is one statement put to the person, in the order asked.
type Answer struct {
	Statement string     `json:"statement"`
	Value     int        `json:"value"` // 1..5; 0 = skipped
	Posterior [3]float64 `json:"posterior"`
	Tone      string     `json:"tone,omitempty"`
}

// Turn is one message of a conversation, as kept for research: citizen
// text redacted at the source, button presses as "[KNOP id]"; Input says
// which it was.
type Turn struct {
	Seq       int         `json:"seq"`
	Day       string      `json:"day"`  // YYYY-MM-DD
	From      string      `json:"from"` // "citizen" or "bot"
	Text      string      `json:"text"`
	State     string      `json:"state"`
	Tone      string      `json:"tone,omitempty"`
	Statement string      `json:"statement,omitempty"` // the statement this citizen message answered
	Value     *int        `json:"value,omitempty"`
	Posterior *[3]float64 `json:"posterior,omitempty"`
	// Asked is the statement a bot message asks, recognised by its
	// question text; "" when it asks none.
	Asked string `json:"asked,omitempty"`
	// Input is how a citizen's message was given: bot.InputButton,
	// bot.InputTyped (also a typed "2" read as choice 2) or
	// bot.InputNonText. Records from before it was kept have none; in
	// those a typed number read as a choice shows as [KNOP n].
	Input string `json:"input,omitempty"`
}

// Conversation is everything kept for research about one person's
// conversation, under their research pseudonym.
type Conversation struct {
	Pseudonym      string   `json:"pseudonym"`
	Channel        string   `json:"channel"`
	Source         string   `json:"source,omitempty"`
	ConsentVersion string   `json:"consent_version"`
	Test           bool     `json:"test,omitempty"`
	FirstDay       string   `json:"first_day"`
	LastDay        string   `json:"last_day"`
	Answers        []Answer `json:"answers"`   // in order asked
	Segment        int      `json:"segment"`   // assigned segment, 0 if not completed
	Completed      bool     `json:"completed"` // reached the offer
	Offer          string   `json:"offer,omitempty"`
	LastState      string   `json:"last_state"`
	Turns          []Turn   `json:"turns"`
	// Followups is how many follow-ups were planned; Outcome the answer to
	// the last one (OutcomeNoReply when it got none). See followup.go.
	Followups int    `json:"followups,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
}

// Posterior returns the posterior after the last answer, or the study's
// prior when nothing was answered.
func (c *Conversation) Posterior() [3]float64 {
	if n := len(c.Answers); n > 0 {
		return c.Answers[n-1].Posterior
	}
	return segment.Prior
}

// Tone returns the tone after the last answer, or "" when nothing was
// answered.
func (c *Conversation) Tone() string {
	if n := len(c.Answers); n > 0 {
		return c.Answers[n-1].Tone
	}
	return ""
}

// LastAsked returns the last statement put to the person: the one a bot
// message asked last, or else the last one answered; "" when none.
func (c *Conversation) LastAsked() string {
	for i := len(c.Turns) - 1; i >= 0; i-- {
		t := c.Turns[i]
		if t.Asked != "" {
			return t.Asked
		}
		if t.Statement != "" {
			return t.Statement
		}
	}
	return ""
}

// Load returns the conversations in s that match f, sorted by FirstDay
// then pseudonym. It returns the store's error if reading fails.
func Load(ctx context.Context, s bot.Store, f Filter) ([]Conversation, error) {
	byPseudonym := map[string][]bot.ResearchTurn{}
	err := s.Research(ctx, func(t bot.ResearchTurn) error {
		byPseudonym[t.Pseudonym] = append(byPseudonym[t.Pseudonym], t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read research records: %w", err)
	}
	var out []Conversation
	for _, turns := range byPseudonym {
		c := build(turns)
		if f.Match(c) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].FirstDay != out[j].FirstDay {
			return out[i].FirstDay < out[j].FirstDay
		}
		return out[i].Pseudonym < out[j].Pseudonym
	})
	return out, nil
}

// Match reports whether c is selected by f.
func (f Filter) Match(c Conversation) bool {
	switch {
	case c.Test && !f.IncludeTest:
		return false
	case !f.Since.IsZero() && c.FirstDay < dayOf(f.Since):
		return false
	case !f.Until.IsZero() && c.FirstDay > dayOf(f.Until):
		return false
	case f.Segment != 0 && c.Segment != f.Segment:
		return false
	case f.Channel != "" && c.Channel != f.Channel:
		return false
	case f.Source != "" && c.Source != f.Source:
		return false
	case f.Completed != nil && c.Completed != *f.Completed:
		return false
	}
	return true
}

// String describes f in a line, for the audit log and report headers.
func (f Filter) String() string {
	var parts []string
	if !f.Since.IsZero() {
		parts = append(parts, "since="+dayOf(f.Since))
	}
	if !f.Until.IsZero() {
		parts = append(parts, "until="+dayOf(f.Until))
	}
	if f.IncludeTest {
		parts = append(parts, "include-test")
	}
	if f.Segment != 0 {
		parts = append(parts, fmt.Sprintf("segment=%d", f.Segment))
	}
	if f.Channel != "" {
		parts = append(parts, "channel="+f.Channel)
	}
	if f.Source != "" {
		parts = append(parts, "source="+f.Source)
	}
	if f.Completed != nil {
		parts = append(parts, fmt.Sprintf("completed=%v", *f.Completed))
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}

// dayOf is the calendar day of t in t's own location: a filter date given
// as midnight in Amsterdam means that day, not the day before in UTC.
func dayOf(t time.Time) string { return t.Format("2006-01-02") }

// phaseOffer is dialogue.PhaseOffer: phase names are stored data and never
// change (a test keeps the two equal).
const phaseOffer = "offer"

// restartCommands are what a citizen types to start the questions again
// (dialogue's /opnieuw); they are kept verbatim by redaction.
var restartCommands = map[string]bool{"/opnieuw": true, "/restart": true, "/reset": true, "opnieuw": true}

// build assembles one conversation from its research turns.
func build(turns []bot.ResearchTurn) Conversation {
	sort.SliceStable(turns, func(i, j int) bool { return turns[i].Seq < turns[j].Seq })
	c := Conversation{Pseudonym: turns[0].Pseudonym, FirstDay: turns[0].Day}
	asked := map[string]bool{}
	restart := func() {
		c.Answers, c.Segment, c.Completed, c.Offer = nil, 0, false, ""
		clear(asked)
	}
	for _, t := range turns {
		c.Test = c.Test || t.Test
		if c.Channel == "" {
			c.Channel = t.Channel
		}
		if t.Source != "" {
			c.Source = t.Source
		}
		if t.Consent != "" {
			c.ConsentVersion = t.Consent
		}
		if t.Day < c.FirstDay {
			c.FirstDay = t.Day
		}
		if t.Day > c.LastDay {
			c.LastDay = t.Day
		}
		c.LastState = t.State
		turn := Turn{
			Seq: t.Seq, Day: t.Day, From: t.From, Text: t.Text, State: t.State, Tone: string(t.Tone),
			Statement: t.Statement, Value: t.Value, Posterior: t.Posterior, Input: t.Input,
		}
		if t.From == "bot" {
			turn.Asked = askedIn(t.Text)
		}
		c.Turns = append(c.Turns, turn)
		if t.From == "citizen" && restartCommands[strings.ToLower(strings.TrimSpace(t.Text))] {
			restart()
		}
		if t.Statement != "" && t.Value != nil {
			if asked[t.Statement] {
				restart()
			}
			asked[t.Statement] = true
			a := Answer{Statement: t.Statement, Value: *t.Value, Tone: string(t.Tone)}
			if t.Posterior != nil {
				a.Posterior = *t.Posterior
			}
			c.Answers = append(c.Answers, a)
		}
		if t.Segment != 0 {
			c.Segment = t.Segment
		}
		if t.Segment != 0 || t.State == phaseOffer {
			c.Completed = true
		}
		if t.Offer != "" {
			c.Offer = t.Offer
		}
		c.followup(t)
	}
	return c
}

// askedIn returns the statement whose question a bot message contains, or "".
func askedIn(text string) string {
	for _, s := range statements {
		if (s.AskNL != "" && strings.Contains(text, s.AskNL)) || (s.AskEN != "" && strings.Contains(text, s.AskEN)) {
			return s.ID
		}
	}
	return ""
}

// statements is the study's statements, in study order.
var statements = segment.Statements()
