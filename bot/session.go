package bot

import (
	"time"

	"github.com/proactief/proactief/dialogue"
)

// Channel types.
const (
	Terminal   = "terminal"
	Telegram   = "telegram"
	Mattermost = "mattermost"
)

// Session is what is kept of one conversation.
type Session struct {
	// Key is the conversation's pseudonym (see Pseudonymizer); never a raw id.
	Key string `json:"key"`
	// Version counts committed writes; a store may make a write conditional
	// on it. Zero means the session has never been stored.
	Version uint64 `json:"version"`
	// Conv is the dialogue engine's state.
	Conv dialogue.State `json:"conv"`
	// Seen remembers the last messages handled, with the replies they got,
	// so that a redelivered message is answered again, not applied twice.
	Seen []Seen `json:"seen,omitempty"`
	// Research is the research pseudonym: set only with research consent.
	Research string `json:"research,omitempty"`
	// Handover is the conversation's handover to a person, nil when none
	// was asked (see handover.go).
	Handover *Handover `json:"handover,omitempty"`
	// Signals are what the understanding step heard that a worker must
	// know (dialogue.IntentCrisis, dialogue.IntentUrgent), once each, for
	// a handover card.
	Signals []string `json:"signals,omitempty"`

	// The fields below are instructions for the store in this write; they
	// are not kept with the session.

	// ResearchOut are research turns to append in the same transaction.
	ResearchOut []ResearchTurn `json:"-"`
	// EraseResearch asks the store to erase every research record of
	// Research (withdrawn consent, /vergeet).
	EraseResearch string `json:"-"`
	// Outbox are envelopes to add in the same transaction, after Cancel.
	// They are written whatever the consent: an envelope's own contents
	// are what the person agreed to send.
	Outbox []Envelope `json:"-"`
	// Cancel removes envelopes of this session's key in the same
	// transaction.
	Cancel Cancel `json:"-"`
}

// Seen is one handled message.
type Seen struct {
	ID      string           `json:"id"`
	Replies []dialogue.Reply `json:"replies,omitempty"`
}

// MaxSeen is how many handled message ids a session remembers.
const MaxSeen = 32

// Persistent reports whether the session may be written to disk: when
// the person agreed to keep their answers.
// A conversation with a handover is kept as well: the person agreed to
// share it with a worker; it must survive a restart, and after the
// handover the ids of the desk posts must stay so that /vergeet can
// delete them.
func (s *Session) Persistent() bool { return s.Conv.Consent.Keeps() || s.Handover != nil }

// seen returns the replies of an already handled message id.
func (s *Session) seen(id string) ([]dialogue.Reply, bool) {
	if id == "" {
		return nil, false
	}
	for _, m := range s.Seen {
		if m.ID == id {
			return m.Replies, true
		}
	}
	return nil, false
}

func (s *Session) markSeen(id string, replies []dialogue.Reply) {
	if id == "" {
		return
	}
	s.Seen = append(s.Seen, Seen{ID: id, Replies: replies})
	if len(s.Seen) > MaxSeen {
		s.Seen = append(s.Seen[:0:0], s.Seen[len(s.Seen)-MaxSeen:]...)
	}
}

// ResearchTurn is one anonymised turn kept for research: what was said,
// redacted at the source, and what the engine knew then. Times are coarsened
// to the day.
type ResearchTurn struct {
	Pseudonym string        `json:"pseudonym"`
	Seq       int           `json:"seq"`
	Day       string        `json:"day"` // YYYY-MM-DD
	Channel   string        `json:"channel"`
	Source    string        `json:"source,omitempty"`
	Test      bool          `json:"test,omitempty"`
	Consent   string        `json:"consent_version"`
	From      string        `json:"from"` // "citizen" or "bot"
	Text      string        `json:"text"` // redacted
	State     string        `json:"state"`
	Statement string        `json:"statement,omitempty"`
	Value     *int          `json:"value,omitempty"`
	Posterior *[3]float64   `json:"posterior,omitempty"`
	Tone      dialogue.Tone `json:"tone,omitempty"`
	Segment   int           `json:"segment,omitempty"`
	Offer     string        `json:"offer,omitempty"`
	// Followup is FollowupPlanned on the bot's turn that planned a
	// follow-up (its text is the message to be sent), and the answer
	// (dialogue.ResultGelukt, ...) on the citizen's turn that gave one.
	Followup string `json:"followup,omitempty"`
	// Input is how a citizen's message was given: InputButton,
	// InputTyped or InputNonText; "" on bot turns and on records from
	// before it was kept.
	Input string `json:"input,omitempty"`
}

// How a citizen's message was given (ResearchTurn.Input).
const (
	InputButton  = "button"  // a button pressed; Text is "[KNOP id]"
	InputTyped   = "typed"   // typed text, redacted, also when read as a choice (a typed "2")
	InputNonText = "nontext" // a sticker, photo, ...; Text is "[GEEN TEKST]"
)

// FollowupPlanned marks the research turn of a planned follow-up.
const FollowupPlanned = "planned"

// Day coarsens t to the day, as research records keep it.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }
