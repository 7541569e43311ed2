package bot

import "time"

// Handover states.
const (
	HandoverConsent  = "consent"  // asked whether the answers may be shared with a worker
	HandoverWaiting  = "waiting"  // the card is posted, nobody took it yet
	HandoverTalking  = "talking"  // a worker took it: messages are relayed both ways
	HandoverPhone    = "phone"    // nobody there: asking for a number to call back
	HandoverCallback = "callback" // a callback is waiting for a worker
	HandoverRating   = "rating"   // closed; the person may give a rating
	HandoverClosed   = "closed"   // over
)

// Handover is a conversation's handover to a municipal worker. It holds
// what the relay needs while it lasts; the sealed address and phone number
// go as soon as they are no longer needed.
type Handover struct {
	// Number is the handover number the person and the worker see.
	Number string `json:"number"`
	// Status is one of the Handover* states.
	Status string `json:"status"`
	// Asked is when the person asked for a person.
	Asked time.Time `json:"asked"`
	// Due is when nobody having taken it turns into the callback offer.
	Due time.Time `json:"due,omitzero"`
	// Card is the envelope ID of the card; Thread the desk thread once
	// the card is posted.
	Card   string `json:"card,omitempty"`
	Thread string `json:"thread,omitempty"`
	// Posts are the desk posts the bot made for this person (the card,
	// relayed messages, files): what erasure deletes.
	Posts []string `json:"posts,omitempty"`
	// Worker is the first name of the worker who took it.
	Worker string `json:"worker,omitempty"`
	// Taken and FirstReply time the desk, for figures.
	Taken      time.Time `json:"taken,omitzero"`
	FirstReply time.Time `json:"first_reply,omitzero"`
	// Address is the person's chat address, sealed; kept only while the
	// handover or callback lasts.
	Address string `json:"address,omitempty"`
	// Phone is the number to call back, sealed; kept until the callback is
	// done, at most CallbackKeep.
	Phone string `json:"phone,omitempty"`
	// Events are the PostIDs of the latest desk events handled, so that a
	// repeated event is not applied twice.
	Events []string `json:"events,omitempty"`
	// Test marks a staff test conversation.
	Test bool `json:"test,omitempty"`
}

// Active reports whether h is in progress: consent asked, waiting,
// talking, or a callback pending.
func (h *Handover) Active() bool {
	if h == nil {
		return false
	}
	switch h.Status {
	case HandoverWaiting, HandoverTalking, HandoverPhone, HandoverCallback:
		return true
	}
	return false
}
