package bot

import (
	"context"
	"errors"
	"time"
)

// Desk is where municipal staff take over conversations: a channel in
// Mattermost (adapters/mattermost implements it). The bot drains the desk
// queue of the outbox into it (Service.DrainDesk); what workers do there
// comes back through Service.DeskEvent.
//
// Every method is idempotent on its ID: called again after a crash with
// the same card or post, it finds what it made the first time (the desk
// keeps the ID with the post, e.g. in its props) and returns that, so a
// message reaches the desk exactly once.
type Desk interface {
	// Open posts card as a root post in the handover channel and returns
	// the thread id (the root post's id). It keeps card.Ref with the
	// thread and returns it in every DeskEvent of that thread. When a post
	// for card.ID exists already, Open returns its thread and posts
	// nothing.
	Open(ctx context.Context, card Card) (thread string, err error)

	// Post adds msg (text, and a file when msg.File is set) to thread and
	// returns the post's id. When a post for msg.ID exists already, Post
	// returns its id and posts nothing. Returns an error wrapping
	// ErrThreadGone when the thread no longer exists.
	Post(ctx context.Context, thread string, msg DeskPost) (postID string, err error)

	// Erase deletes the given posts of thread (the card, relayed messages
	// and files; the thread's root last) and adds one short line to the
	// channel saying that a conversation was erased at the person's
	// request. Posts already gone are not an error. It is idempotent on
	// id: called again, it adds no second line.
	Erase(ctx context.Context, id, thread string, postIDs []string) error
}

// ErrThreadGone is returned (wrapped) by Desk.Post when the thread was
// deleted in the desk.
var ErrThreadGone = errors.New("desk thread is gone")

// Card is a handover or callback card: what a worker sees first. It holds
// only what the person chose to share: never a channel user id or name.
type Card struct {
	// ID is the envelope ID: the idempotency key.
	ID string `json:"id"`
	// Ref identifies the conversation, sealed (opaque to the desk): the
	// desk returns it in DeskEvent.Ref.
	Ref string `json:"ref"`
	// Kind is KindHandoverCard or KindCallbackCard.
	Kind string `json:"kind"`
	// Number is the handover number the citizen was told, e.g. "H-7K3QD".
	Number string `json:"number"`
	// Channel is where the person is (Telegram, Mattermost, Terminal).
	Channel string `json:"channel"`
	// Test marks a conversation of a staff member testing the bot.
	Test bool `json:"test,omitempty"`
	// Lang is the person's language ("nl", "en").
	Lang string `json:"lang"`
	// Flags are the understanding step's signals, in words for staff
	// (e.g. "dringend"), empty when there are none.
	Flags []string `json:"flags,omitempty"`
	// Summary says in plain words how the person likes to be helped
	// ("wil het kort", "wil zelf kiezen", "wil rustige uitleg").
	Summary string `json:"summary"`
	// Answers are the answers given so far, in the order asked.
	Answers []CardAnswer `json:"answers,omitempty"`
	// Offer is what the person chose from the offer, in words ("" none).
	Offer string `json:"offer,omitempty"`
	// Phone is the number to call back (callback cards only).
	Phone string `json:"phone,omitempty"`
	// Note is a line for staff (why a callback: outside office hours, or
	// nobody took the handover in time).
	Note string `json:"note,omitempty"`
	// Asked is when the person asked.
	Asked time.Time `json:"asked"`
}

// CardAnswer is one answered statement on a card.
type CardAnswer struct {
	Statement string `json:"statement"` // the statement as the person read it
	Answer    string `json:"answer"`    // the answer in words ("eens", "overgeslagen")
}

// DeskPost is one message into a conversation's thread.
type DeskPost struct {
	// ID is the envelope ID: the idempotency key.
	ID string `json:"id"`
	// Text is what the citizen wrote, or a line from the bot when Note.
	Text string `json:"text,omitempty"`
	// Note marks a line from the bot (the person stopped, asked for a
	// rating, ...) rather than the citizen's own words.
	Note bool `json:"note,omitempty"`
	// Crisis marks the citizen's words as a crisis (suicidal thoughts,
	// self-harm, acute danger) that the bot answered with 113 and 112.
	Crisis bool `json:"crisis,omitempty"`
	// File is a photo or document the citizen sent, when set.
	File *DeskFile `json:"file,omitempty"`
}

// DeskFile is a file for the desk.
type DeskFile struct {
	Name string `json:"name"`
	MIME string `json:"mime"`
	Data []byte `json:"data"`
}

// EraseOrder is the body of a KindErasePosts envelope: which posts of
// which thread to delete. It holds no pseudonym and no text.
type EraseOrder struct {
	Thread string   `json:"thread"`
	Posts  []string `json:"posts"`
}

// Kinds of desk events.
const (
	DeskTaken        = "taken"         // a worker took the handover (button, or first reply)
	DeskReply        = "reply"         // a worker wrote in the thread: relay Text to the citizen
	DeskClosed       = "closed"        // a worker closed the handover (!sluit or button)
	DeskCallbackDone = "callback_done" // a worker marked the callback done
)

// DeskEvent is what a worker did in a thread.
type DeskEvent struct {
	// Ref is the Card.Ref of the thread's card.
	Ref string `json:"ref"`
	// Thread is the thread id Desk.Open returned.
	Thread string `json:"thread"`
	// Kind is DeskTaken, DeskReply, DeskClosed or DeskCallbackDone.
	Kind string `json:"kind"`
	// Worker is the worker's first name ("" when unknown).
	Worker string `json:"worker,omitempty"`
	// Text is the reply (DeskReply only).
	Text string `json:"text,omitempty"`
	// PostID identifies the post or action; an event seen before (same
	// PostID) is ignored, so the desk may deliver events at least once
	// (e.g. when catching up after a reconnect).
	PostID string `json:"post_id"`
	// Time is when it happened; zero means now.
	Time time.Time `json:"time"`
}
