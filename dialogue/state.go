package dialogue

import (
	"time"

	"github.com/proactief/proactief/segment"
)

// Tone is the style of the bot's messages.
type Tone string

// The tones. Neutral is used while the inference is unsure; the other three
// follow the study's segments without ever naming them.
const (
	Neutral  Tone = "neutral"  // not yet sure, or no preference
	Brief    Tone = "brief"    // short and fast (fits segment 1)
	Autonomy Tone = "autonomy" // explicit choices about data and contact (segment 2)
	Slow     Tone = "slow"     // calm, one step at a time, a person nearby (segment 3)
)

// Tones lists every tone, in the order content files give them.
var Tones = []Tone{Neutral, Brief, Autonomy, Slow}

// Valid reports whether t is one of the four tones.
func (t Tone) Valid() bool {
	switch t {
	case Neutral, Brief, Autonomy, Slow:
		return true
	}
	return false
}

// ToneFor returns the tone that fits segment s.
func ToneFor(s segment.Segment) Tone {
	switch s {
	case segment.Volgers:
		return Brief
	case segment.Zelfredzamen:
		return Autonomy
	case segment.Hulpzoekers:
		return Slow
	}
	return Neutral
}

// Phases (the state machine's states). They are stored as data, so their
// names never change.
const (
	PhaseWelcome         = "welcome"
	PhaseConsentKeep     = "consent_keep"
	PhaseConsentResearch = "consent_research"
	PhaseProfiling       = "profiling"
	PhaseOffer           = "offer"
	PhaseClosing         = "closing"
	PhaseConfirmErase    = "confirm_erase"
	PhaseConsentFollowup = "consent_followup" // may the bot come back later (followup.go)
)

// Decision is one recorded answer to a consent question.
type Decision struct {
	Given   bool      `json:"given"`
	Version string    `json:"version"` // version of the consent text shown
	At      time.Time `json:"at"`
	Channel string    `json:"channel"`
}

// Consent holds the person's separate consent answers; nil means not
// asked or not answered yet.
type Consent struct {
	Keep     *Decision `json:"keep,omitempty"`     // may we keep the answers to continue later
	Research *Decision `json:"research,omitempty"` // may the answers be used anonymously for research
	Share    *Decision `json:"share,omitempty"`    // may the conversation be shared with a municipal worker (handover)
	Callback *Decision `json:"callback,omitempty"` // may a phone number be kept to call back
	Followup *Decision `json:"followup,omitempty"` // may the bot send a message later (asked only with Keep)
}

// Keeps reports whether the person agreed to keep their answers.
func (c Consent) Keeps() bool { return c.Keep != nil && c.Keep.Given }

// Researchable reports whether the person agreed to research use.
func (c Consent) Researchable() bool { return c.Research != nil && c.Research.Given }

// Step is one answered statement with what the engine knew after it; it is
// what a transcript and a research record show per answer.
type Step struct {
	Statement string            `json:"statement"`
	Value     int               `json:"value"` // 1..5, 0 skipped
	Posterior segment.Posterior `json:"posterior"`
	Tone      Tone              `json:"tone"`
	At        time.Time         `json:"at"`
}

// State is everything the engine knows about one conversation. It holds
// parsed answers, never the text the person typed.
type State struct {
	Phase   string    `json:"phase"`
	Prev    string    `json:"prev,omitempty"` // phase to return to from confirm_erase
	Lang    string    `json:"lang"`           // "nl" or "en"
	Channel string    `json:"channel"`
	Source  string    `json:"source,omitempty"` // campaign from a deep link, if any
	Test    bool      `json:"test,omitempty"`   // staff test conversation
	Consent Consent   `json:"consent"`
	Steps   []Step    `json:"steps,omitempty"`
	Pending string    `json:"pending,omitempty"` // statement id awaiting an answer
	Prompt  string    `json:"prompt,omitempty"`  // id of the question whose buttons are valid now
	Retries int       `json:"retries,omitempty"` // not-understood answers to the pending question
	Style   Tone      `json:"style,omitempty"`   // the person's own choice; wins over the inference
	Forced  Tone      `json:"forced,omitempty"`  // staff preview (!segment)
	Trace   bool      `json:"trace,omitempty"`   // staff trace (!trace on)
	Shown   int       `json:"shown,omitempty"`   // last progress estimate shown by versions before Promise; no longer read
	Offer   string    `json:"offer,omitempty"`   // offer choice made
	Stopped bool      `json:"stopped,omitempty"` // the person stopped early
	Done    bool      `json:"done,omitempty"`    // profiling finished
	Turns   int       `json:"turns"`             // messages handled
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
	// Handover is the handover sub-state (Handover*), "" when no person
	// was asked for.
	Handover string `json:"handover,omitempty"`
	// Followup is the follow-up planned, if any (followup.go).
	Followup *Followup `json:"followup,omitempty"`
	// Promise is how many statements in all the questionnaire was
	// promised to ask, at least and at most (segment.Model.Plan): the
	// progress line shows it, it only ever narrows, and the model keeps
	// it. The zero value means no promise was made yet.
	Promise segment.Bounds `json:"promise,omitzero"`
}

// Answers returns the answers given so far, in the order asked.
func (s *State) Answers() []segment.Answer {
	out := make([]segment.Answer, len(s.Steps))
	for i, st := range s.Steps {
		out[i] = segment.Answer{ID: st.Statement, Value: st.Value}
	}
	return out
}

// Answered returns how many statements got a value (not skipped).
func (s *State) Answered() int {
	n := 0
	for _, st := range s.Steps {
		if st.Value != 0 {
			n++
		}
	}
	return n
}

// Input is one message from the person, already taken apart by a channel
// adapter.
type Input struct {
	Time    time.Time
	Text    string // what the person typed ("" for a button)
	Choice  string // id of the button chosen, if any
	Prompt  string // id of the question the button belonged to ("" when unknown)
	Channel string
	Lang    string // language hint from the channel ("nl", "en", "" unknown)
	Source  string // campaign from a deep link (/start PARAM)
	Staff   bool   // from a staff member: "!" commands are allowed
	NonText bool   // a sticker, photo, voice message, ...: nothing to read
}

// Choice is a button; ID is stable and what comes back in Input.Choice.
type Choice struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Reply is one channel-neutral message from the bot.
type Reply struct {
	Text    string   `json:"text"`
	Choices []Choice `json:"choices,omitempty"`
	Prompt  string   `json:"prompt,omitempty"` // the question the choices answer
	// Document, when set, is a file for channels that can send one (the
	// person's data as JSON for /gegevens).
	Document *Document `json:"document,omitempty"`
}

// Document is a file attached to a reply.
type Document struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}
