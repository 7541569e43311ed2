package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/segment"
)

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
	// CallbackThread is the thread of the callback card, once posted.
	CallbackThread string `json:"callback_thread,omitempty"`
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
	// Earlier are the desk posts of earlier handovers of this
	// conversation, so that /vergeet deletes those too.
	Earlier []EraseOrder `json:"earlier,omitempty"`
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

// Kinds of envelopes the bot sends itself (queue QueueBot): timers.
const (
	KindHandoverTimeout = "handover_timeout" // nobody took the handover in time
	KindCallbackExpire  = "callback_expire"  // the phone number's time is up
)

// ToBot is the recipient of timer envelopes; QueueBot their queue.
const (
	ToBot    = "bot"
	QueueBot = "bot"
)

// Defaults of HandoverOptions.
const (
	DefaultHandoverWait = 10 * time.Minute
	CallbackKeep        = 14 * 24 * time.Hour
	DefaultMaxFile      = 1 << 20
)

// HandoverOptions configure handovers to municipal staff. The zero value
// has no desk: a request for a person gets the contact route.
type HandoverOptions struct {
	// Desk reports that a desk is configured (the engine must then be made
	// with dialogue.Options.Handover).
	Desk bool
	// Hours are the office hours; the zero value is always open.
	Hours OfficeHours
	// Wait is how long a handover waits for a worker before the callback
	// is offered; 0 means DefaultHandoverWait.
	Wait time.Duration
	// WorkerName shows the worker's first name to the person.
	WorkerName bool
	// MaxFile is the largest file passed to the desk, in bytes; 0 means
	// DefaultMaxFile (1 MiB: an etcd request holds at most 1.5 MiB).
	MaxFile int
	// Metrics receives handover events; nil discards them.
	Metrics HandoverMetrics
}

// HandoverMetrics observes handovers (cmd exports them to Prometheus).
type HandoverMetrics interface {
	// Handover counts an event: requested, taken, closed, stopped,
	// timeout, callback, callback_done, erased, rating.
	Handover(event string)
	// FirstReply observes the time from the request to the first reply
	// of a worker.
	FirstReply(d time.Duration)
}

// Relay is the body of a KindRelay envelope: replies for the person.
type Relay struct {
	Replies []dialogue.Reply `json:"replies"`
}

// InboundFile is a photo or document a person sent. The adapter fills in
// what it knows without downloading; the service fetches the bytes only
// when they go to a worker.
type InboundFile struct {
	Name string
	MIME string
	Size int // bytes, 0 when unknown
	// Caption is the text sent with the file; it goes to the worker with
	// the file and is otherwise not read.
	Caption string
	Fetch   func(ctx context.Context) ([]byte, error)
	data    []byte
}

// handoverNumber is a short code for a handover, the same for the person
// and the worker: "H-" and five letters or digits.
func (s *Service) handoverNumber(key string, at time.Time) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	m := s.pseud.mac("handover", key, at.UTC().Format(time.RFC3339Nano))
	var b strings.Builder
	b.WriteString("H-")
	for i := 0; i < 5; i++ {
		v, _ := strconv.ParseUint(m[i*2:i*2+2], 16, 8)
		b.WriteByte(alphabet[v%uint64(len(alphabet))])
	}
	return b.String()
}

func (s *Service) hmetric(event string) {
	if s.opts.Handover.Metrics != nil {
		s.opts.Handover.Metrics.Handover(event)
	}
}

// handoverTally counts an event in the store's counters (no pseudonym).
func handoverTally(t map[string]int, test bool, event string) {
	if test {
		event = "test:" + event
	}
	t["handover_"+event]++
}

// envelope makes an envelope of sess.
func (s *Service) envelope(sess *Session, to, kind string, body any, at time.Time) Envelope {
	b, err := json.Marshal(body)
	if err != nil {
		panic(fmt.Sprintf("encode %s: %v", kind, err)) // plain data: cannot fail
	}
	e := Envelope{ID: NewEnvelopeID(at), Key: sess.Key, To: to, Channel: sess.Conv.Channel, Kind: kind, Body: b, Created: at}
	if to == ToCitizen && sess.Handover != nil {
		e.Address = sess.Handover.Address
	}
	return e
}

// toCitizen queues replies for the person (a relay).
func (s *Service) toCitizen(sess *Session, replies []dialogue.Reply, at time.Time) {
	if len(replies) == 0 || sess.Handover == nil || sess.Handover.Address == "" {
		return
	}
	sess.Outbox = append(sess.Outbox, s.envelope(sess, ToCitizen, KindRelay, Relay{Replies: replies}, at))
}

// toDesk queues a post into the conversation's thread.
func (s *Service) toDesk(sess *Session, p DeskPost, at time.Time) {
	e := s.envelope(sess, ToDesk, KindDeskPost, nil, at)
	p.ID = e.ID
	e.Body, _ = json.Marshal(p)
	sess.Outbox = append(sess.Outbox, e)
}

// timer queues a timer of the bot for sess at due.
func (s *Service) timer(sess *Session, kind string, due, at time.Time) {
	e := s.envelope(sess, ToBot, kind, nil, at)
	e.Channel, e.NotBefore = "", due
	sess.Outbox = append(sess.Outbox, e)
}

// card builds the card of sess.
func (s *Service) card(sess *Session, kind string, at time.Time) Card {
	st := sess.Conv
	c := Card{
		Ref: s.seal.Seal(sess.Key), Kind: kind, Number: sess.Handover.Number, Channel: st.Channel, Test: st.Test, Lang: st.Lang,
		Summary: s.engine.Summary(st, "nl"), Asked: sess.Handover.Asked,
	}
	for _, sig := range sess.Signals {
		c.Flags = append(c.Flags, s.engine.Content().Text("nl", "desk_flag_"+sig, dialogue.Neutral))
	}
	content := s.engine.Content()
	for _, step := range st.Steps {
		stmt, ok := segment.Find(step.Statement)
		if !ok {
			continue
		}
		a := CardAnswer{Statement: stmt.AskNL}
		if a.Statement == "" {
			a.Statement = stmt.Text
		}
		if step.Value == 0 {
			a.Answer = content.Text("nl", "btn_skip", dialogue.Neutral)
		} else {
			scale := "btn_agree_"
			if stmt.Kind == segment.Importance {
				scale = "btn_imp_"
			}
			a.Answer = strconv.Itoa(step.Value) + " (" + content.Text("nl", scale+strconv.Itoa(step.Value), dialogue.Neutral) + ")"
		}
		c.Answers = append(c.Answers, a)
	}
	if st.Offer != "" {
		c.Offer = content.Text("nl", "btn_offer_"+st.Offer, dialogue.Neutral)
	}
	return c
}

// handoverStep applies what a message did to the handover (out.Handover,
// out.Erase) to sess: envelopes for the desk, timers, replies. It returns
// replies to add and counters to tally.
func (s *Service) handoverStep(sess *Session, in Inbound, out dialogue.Outcome, tally map[string]int) []dialogue.Reply {
	hs := out.Handover
	at := in.Time
	h := sess.Handover
	test := sess.Conv.Test
	if out.Erase {
		if h != nil {
			sess.Cancel = CancelAll
			for _, o := range h.eraseOrders() {
				e := s.envelope(sess, ToDesk, KindErasePosts, o, at)
				e.Key, e.Channel = "", ""
				sess.Outbox = append(sess.Outbox, e)
			}
			sess.Handover = nil
			handoverTally(tally, test, "erased")
			s.hmetric("erased")
		}
		return nil
	}
	var replies []dialogue.Reply
	switch {
	case hs.Start:
		h = &Handover{Status: HandoverWaiting, Asked: at, Address: s.seal.Seal(in.Address), Test: test}
		if old := sess.Handover; old != nil {
			// A new request after an earlier handover: its posts stay
			// erasable. (Its timers were cancelled when it ended.)
			h.Earlier = append(old.Earlier, old.eraseOrders()...)
			sess.Cancel = Cancel{Kinds: []string{KindHandoverTimeout, KindCallbackExpire}}
		}
		h.Number = s.handoverNumber(sess.Key, at)
		sess.Handover = h
		handoverTally(tally, test, "requested")
		s.hmetric("requested")
		hours := s.opts.Handover.Hours
		if !hours.Open(at) {
			h.Status = HandoverPhone
			replies = s.engine.OfferCallback(&sess.Conv, "handover_closed_hours", "number", h.Number, "hours", hours.Describe(sess.Conv.Lang))
			return replies
		}
		card := s.card(sess, KindHandoverCard, at)
		e := s.envelope(sess, ToDesk, KindHandoverCard, nil, at)
		card.ID = e.ID
		e.Body, _ = json.Marshal(card)
		h.Card = e.ID
		sess.Outbox = append(sess.Outbox, e)
		s.timer(sess, KindHandoverTimeout, at.Add(s.wait()), at)
		return s.engine.Say(sess.Conv, "handover_waiting", "number", h.Number, "minutes", strconv.Itoa(int(s.wait().Minutes())))
	case h == nil:
		return nil
	case hs.Relay != "":
		if h.Status == HandoverWaiting || h.Status == HandoverTalking {
			s.toDesk(sess, DeskPost{Text: hs.Relay, Crisis: hs.Crisis}, at)
		}
	case hs.File:
		if h.Status != HandoverWaiting && h.Status != HandoverTalking {
			return nil
		}
		f := in.File
		switch {
		case f == nil || !relayable(f.MIME):
			return s.engine.Say(sess.Conv, "handover_file_kind")
		case f.data == nil || len(f.data) > s.maxFile():
			return s.engine.Say(sess.Conv, "handover_file_too_big", "mb", strconv.Itoa(max(1, s.maxFile()>>20)))
		}
		s.toDesk(sess, DeskPost{Text: cutText(f.Caption), File: &DeskFile{Name: f.Name, MIME: f.MIME, Data: f.data}}, at)
	case hs.End:
		if h.Thread != "" || h.Card != "" {
			s.toDesk(sess, DeskPost{Note: true, Text: s.engine.Content().Text("nl", "desk_stopped", dialogue.Neutral)}, at)
		}
		s.closeHandover(sess, false)
		handoverTally(tally, test, "stopped")
		s.hmetric("stopped")
	case hs.Phone != "":
		h.Status = HandoverCallback
		h.Phone = s.seal.Seal(hs.Phone)
		card := s.card(sess, KindCallbackCard, at)
		card.Phone = h.Phone // sealed in the outbox; opened by the drainer
		card.Note = s.engine.Content().Text("nl", "desk_callback", dialogue.Neutral)
		e := s.envelope(sess, ToDesk, KindCallbackCard, nil, at)
		card.ID = e.ID
		e.Body, _ = json.Marshal(card)
		sess.Outbox = append(sess.Outbox, e)
		sess.Cancel = Cancel{Kinds: []string{KindHandoverTimeout}}
		s.timer(sess, KindCallbackExpire, at.Add(CallbackKeep), at)
		handoverTally(tally, test, "callback")
		s.hmetric("callback")
		return s.engine.Say(sess.Conv, "handover_callback_noted", "number", h.Number, "hours", s.opts.Handover.Hours.Describe(sess.Conv.Lang))
	case hs.Declined:
		s.closeHandover(sess, false)
	case hs.Rating > 0:
		tally[fmt.Sprintf("handover_rating_%d", hs.Rating)]++
		s.hmetric("rating")
	}
	return replies
}

// closeHandover ends the handover: what only the relay needed goes (the
// address, the phone number, the timers). keepForRating keeps the record
// until the person rated.
func (s *Service) closeHandover(sess *Session, keepForRating bool) {
	h := sess.Handover
	if h == nil {
		return
	}
	h.Address, h.Phone = "", ""
	h.Status = HandoverClosed
	if sess.Cancel.Empty() {
		sess.Cancel = Cancel{Kinds: []string{KindHandoverTimeout, KindCallbackExpire}}
	} else {
		sess.Cancel.Kinds = append(sess.Cancel.Kinds, KindHandoverTimeout, KindCallbackExpire)
	}
	if !keepForRating && len(h.Posts) == 0 && len(h.Earlier) == 0 {
		sess.Handover = nil
	}
}

// eraseOrders returns what deletes the bot's posts of h: one order per
// thread.
func (h *Handover) eraseOrders() []EraseOrder {
	out := append([]EraseOrder(nil), h.Earlier...)
	for _, th := range []string{h.Thread, h.CallbackThread} {
		if th == "" {
			continue
		}
		o := EraseOrder{Thread: th}
		for _, p := range h.Posts {
			if postThread(h, p) == th {
				o.Posts = append(o.Posts, p)
			}
		}
		out = append(out, o)
	}
	return out
}

// postThread tells which thread of h post p belongs to: the callback card
// is its own thread, everything else is in the handover thread.
func postThread(h *Handover, p string) string {
	if p == h.CallbackThread {
		return h.CallbackThread
	}
	return h.Thread
}

// ownsThread reports whether thread is one of h's.
func (h *Handover) ownsThread(thread string) bool {
	return thread != "" && (thread == h.Thread || thread == h.CallbackThread)
}

func relayable(mime string) bool {
	return strings.HasPrefix(mime, "image/") || mime == "application/pdf"
}

func (s *Service) wait() time.Duration {
	if s.opts.Handover.Wait > 0 {
		return s.opts.Handover.Wait
	}
	return DefaultHandoverWait
}

func (s *Service) maxFile() int {
	if s.opts.Handover.MaxFile > 0 {
		return s.opts.Handover.MaxFile
	}
	return DefaultMaxFile
}
