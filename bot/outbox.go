package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// The outbox holds every message nobody asked for yet: a worker's reply
// relayed to a citizen, a citizen's message relayed to the desk, a
// handover card, a follow-up. An envelope is written in the same store
// transaction as the state change that caused it (Session.Outbox), and
// drained by the adapter that owns its queue, with the limits it keeps.
//
// Delivery is exactly once where the channel allows it (the desk: posts
// carry the envelope ID, so a drainer that crashed between the post and
// Done finds it before posting again) and at least once where it cannot
// (Telegram has no idempotency key: after a crash between a send and Done
// the citizen may see that message twice).

// Recipients of an envelope.
const (
	ToCitizen = "citizen" // the person, in their own chat (Envelope.Channel)
	ToDesk    = "desk"    // municipal staff, in the handover channel
)

// QueueDesk is the queue of every envelope to the desk, QueueBot of the
// bot's own timers; an envelope to a citizen is in the queue named after
// its channel (Telegram, Mattermost, Terminal).
const QueueDesk = "desk"

// Kinds of envelopes. Kind says what Body holds.
const (
	KindRelay        = "relay"         // to a citizen: Body is a Relay
	KindFollowup     = "followup"      // to a citizen: a scheduled message (issue 17)
	KindHandoverCard = "handover_card" // to the desk: Body is a Card
	KindCallbackCard = "callback_card" // to the desk: Body is a Card
	KindDeskPost     = "desk_post"     // to the desk: Body is a DeskPost for the conversation's thread
	KindErasePosts   = "erase_posts"   // to the desk: Body is an EraseOrder; Key is "" (no pseudonym stays)
)

// Errors of the outbox.
var (
	// ErrNoEnvelope is returned by Outbox.Retry when the envelope is gone:
	// delivered, cancelled or erased meanwhile.
	ErrNoEnvelope = errors.New("envelope not in the outbox")
	// ErrUndeliverable is returned (wrapped) by a courier for an envelope
	// that can never be delivered (the person blocked the bot, the chat is
	// gone); the drainer drops it instead of retrying.
	ErrUndeliverable = errors.New("envelope cannot be delivered")
)

// Envelope is one message waiting in the outbox.
type Envelope struct {
	// ID is unique and sorts in the order envelopes were made (see
	// NewEnvelopeID); it is the idempotency key of the delivery.
	ID string `json:"id"`
	// Key is the session key (pseudonym) the envelope belongs to: it is
	// cancelled and erased with it. "" for an envelope that outlives the
	// session on purpose (KindErasePosts).
	Key string `json:"key,omitempty"`
	// To is ToCitizen or ToDesk.
	To string `json:"to"`
	// Channel is the citizen's channel (Telegram, Mattermost, Terminal);
	// for ToDesk it is the channel the conversation came from.
	Channel string `json:"channel"`
	// Address is where to deliver to a citizen, sealed (see Sealer): never
	// a raw id in clear. "" for the desk.
	Address string `json:"address,omitempty"`
	// Kind says what Body holds.
	Kind string `json:"kind"`
	// Body is the kind's payload (JSON).
	Body []byte `json:"body,omitempty"`
	// NotBefore is the earliest time to deliver; zero means at once.
	NotBefore time.Time `json:"not_before,omitzero"`
	// Created is when the envelope was made.
	Created time.Time `json:"created"`
	// Attempts counts failed deliveries (Outbox.Retry).
	Attempts int `json:"attempts,omitempty"`
}

// Queue returns the queue the envelope waits in: QueueDesk for the desk,
// the channel for a citizen.
func (e *Envelope) Queue() string {
	switch e.To {
	case ToDesk:
		return QueueDesk
	case ToBot:
		return QueueBot
	}
	return e.Channel
}

// Due reports whether e may be delivered at now.
func (e *Envelope) Due(now time.Time) bool { return !e.NotBefore.After(now) }

// Outbox is the part of a Store that keeps envelopes. Envelopes are added
// and cancelled only in Store.Update (Session.Outbox, Session.Cancel), in
// the transaction of the state change that caused them; the methods below
// are for the drainers.
type Outbox interface {
	// Due returns up to limit envelopes of queue whose NotBefore is not
	// after now, in ID order. It holds back every envelope of a key that
	// comes after a retried envelope (Attempts > 0) of that key in the same
	// queue which is not due yet, so that a conversation's messages keep
	// their order; an envelope never attempted does not hold others back
	// (a follow-up due next week does not delay a relay).
	Due(ctx context.Context, queue string, now time.Time, limit int) ([]Envelope, error)

	// Done removes a delivered envelope. Removing one that is gone is not
	// an error.
	Done(ctx context.Context, id string) error

	// Retry records a failed delivery: Attempts goes up by one and
	// NotBefore becomes at. Returns ErrNoEnvelope when the envelope is gone.
	Retry(ctx context.Context, id string, at time.Time) error

	// Drop removes an envelope that can never be delivered and adds one to
	// the counter "outbox_dropped:<reason>" (reason: a short word such as
	// "blocked", never personal data). Dropping one that is gone is not an
	// error and counts nothing.
	Drop(ctx context.Context, id, reason string) error

	// Envelopes calls fn for every envelope of key, in ID order, until fn
	// returns an error (which Envelopes returns).
	Envelopes(ctx context.Context, key string, fn func(Envelope) error) error
}

// Cancel names envelopes of the session's key to remove in an Update,
// before Session.Outbox is added: every envelope of one of Kinds, and the
// envelopes with one of IDs. Kinds holding "*" cancels every envelope of
// the key.
type Cancel struct {
	Kinds []string
	IDs   []string
}

// Empty reports whether c cancels nothing.
func (c Cancel) Empty() bool { return len(c.Kinds) == 0 && len(c.IDs) == 0 }

// Matches reports whether c cancels e.
func (c Cancel) Matches(e *Envelope) bool {
	return slices.Contains(c.Kinds, "*") || slices.Contains(c.Kinds, e.Kind) || slices.Contains(c.IDs, e.ID)
}

// CancelAll cancels every envelope of a key.
var CancelAll = Cancel{Kinds: []string{"*"}}

// idClock keeps envelope IDs increasing within this process even when the
// wall clock steps back or two envelopes are made in one nanosecond.
var idClock struct {
	sync.Mutex
	last int64
}

// NewEnvelopeID returns a new envelope ID: 16 hex digits of the time in
// nanoseconds (strictly increasing within this process), a dash and 8
// random hex digits. IDs sort in the order they were made; across
// instances, in the order of their clocks.
func NewEnvelopeID(now time.Time) string {
	n := now.UnixNano()
	idClock.Lock()
	if n <= idClock.last {
		n = idClock.last + 1
	}
	idClock.last = n
	idClock.Unlock()
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%016x-%s", uint64(n), hex.EncodeToString(r[:]))
}
