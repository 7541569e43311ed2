package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/proactief/proactief/dialogue"
)

// Courier delivers envelopes to citizens in one channel: the channel
// adapter, with the limits it keeps (Telegram: its per-chat and global
// rate). Deliver sends replies, in order, to address (the channel's own
// chat id, unsealed). It returns nil once all were sent; an error wrapping
// ErrUndeliverable when they never can be (the person blocked the bot):
// the envelope is dropped; any other error: it is tried again later.
type Courier interface {
	Deliver(ctx context.Context, address string, replies []dialogue.Reply) error
}

// Undeliverable returns an error wrapping ErrUndeliverable; reason is a
// short word for the counter "outbox_dropped:<reason>" ("blocked").
func Undeliverable(reason string) error { return &undeliverable{reason} }

type undeliverable struct{ reason string }

func (u *undeliverable) Error() string { return "undeliverable: " + u.reason }
func (u *undeliverable) Unwrap() error { return ErrUndeliverable }

// DrainOptions configure a drainer. The zero value works.
type DrainOptions struct {
	// Interval is how often the outbox is read when nothing wakes the
	// drainer (another instance may have written); 0 means 1 second.
	Interval time.Duration
	// Batch is how many envelopes are read at once; 0 means 100.
	Batch int
	// MaxAttempts drops an envelope after this many failed deliveries;
	// 0 means 60 (with backoff up to 5 minutes: about 4 hours).
	MaxAttempts int
}

// wakeChan returns the channel that wakes the drainer of queue.
func (s *Service) wakeChan(queue string) chan struct{} {
	c, _ := s.wake.LoadOrStore(queue, make(chan struct{}, 1))
	return c.(chan struct{})
}

// wakeFor wakes the drainers of the queues of envs.
func (s *Service) wakeFor(envs []Envelope) {
	for i := range envs {
		select {
		case s.wakeChan(envs[i].Queue()) <- struct{}{}:
		default:
		}
	}
}

// drain runs deliver on the due envelopes of queue, in order, until ctx
// ends (it then returns nil). Envelopes of one key are delivered one
// after the other; when one fails, the key's later ones wait for it.
func (s *Service) drain(ctx context.Context, queue string, o DrainOptions, deliver func(context.Context, Envelope) error) error {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 60
	}
	wake := s.wakeChan(queue)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-t.C:
		}
		for {
			envs, err := s.store.Due(ctx, queue, s.opts.Now(), o.Batch)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				s.log.Warn("outbox read failed", "queue", queue, "err", err)
				break
			}
			held := map[string]bool{}
			for _, e := range envs {
				if e.Key != "" && held[e.Key] {
					continue
				}
				err := deliver(ctx, e)
				if ctx.Err() != nil {
					return nil
				}
				var u *undeliverable
				switch {
				case err == nil:
					err = s.store.Done(ctx, e.ID)
				case errors.As(err, &u):
					s.log.Info("envelope dropped", "queue", queue, "kind", e.Kind, "reason", u.reason)
					err = s.store.Drop(ctx, e.ID, u.reason)
				case e.Attempts+1 >= o.MaxAttempts:
					s.log.Warn("envelope dropped after retries", "queue", queue, "kind", e.Kind, "attempts", e.Attempts+1, "err", err)
					err = s.store.Drop(ctx, e.ID, "gave_up")
				default:
					s.log.Info("delivery failed, retrying later", "queue", queue, "kind", e.Kind, "attempt", e.Attempts+1, "err", err)
					held[e.Key] = true
					err = s.store.Retry(ctx, e.ID, s.opts.Now().Add(retryDelay(e.Attempts)))
					if errors.Is(err, ErrNoEnvelope) {
						err = nil // cancelled or erased meanwhile
					}
				}
				if err != nil {
					s.log.Warn("outbox write failed", "queue", queue, "err", err)
					held[e.Key] = true
				}
			}
			if len(envs) < o.Batch {
				break
			}
		}
		t.Reset(o.Interval)
	}
}

// retryDelay is the backoff after attempts failed deliveries: 1s, 2s,
// 4s, ... up to 5 minutes, with jitter.
func retryDelay(attempts int) time.Duration {
	d := min(time.Second<<min(attempts, 9), 5*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// Drain delivers the outbox queue of channel (Telegram, Mattermost,
// Terminal) through c until ctx ends; it returns nil then. Run it on one
// instance (the elected one) per queue: envelopes of a conversation are
// delivered in order, at least once (a crash between a send and its
// record sends that message again).
func (s *Service) Drain(ctx context.Context, channel string, c Courier, o DrainOptions) error {
	return s.drain(ctx, channel, o, func(ctx context.Context, e Envelope) error {
		if e.Kind != KindRelay && e.Kind != KindFollowup {
			return Undeliverable("unknown_kind")
		}
		var r Relay
		if err := json.Unmarshal(e.Body, &r); err != nil {
			return Undeliverable("damaged")
		}
		addr, err := s.seal.Open(e.Address)
		if err != nil || addr == "" {
			return Undeliverable("no_address")
		}
		send := func() error {
			if oc, ok := c.(OnceCourier); ok {
				return oc.DeliverOnce(ctx, e, addr, r.Replies)
			}
			return c.Deliver(ctx, addr, r.Replies)
		}
		if e.Kind == KindFollowup {
			return s.deliverFollowup(ctx, e, send)
		}
		return send()
	})
}

// OnceCourier is a Courier that delivers each envelope exactly once:
// DeliverOnce sends nothing of e that an earlier call already delivered
// (the channel lets it find its own messages by e.ID), so a drainer that
// crashed between a delivery and Done does not repeat it.
type OnceCourier interface {
	Courier
	DeliverOnce(ctx context.Context, e Envelope, address string, replies []dialogue.Reply) error
}

// DrainDesk delivers the desk queue into d until ctx ends; it returns nil
// then. Every card and post is made exactly once (d is idempotent on the
// envelope ID, and the post's id is recorded with the conversation before
// the envelope is done). Run it on the elected instance.
func (s *Service) DrainDesk(ctx context.Context, d Desk, o DrainOptions) error {
	return s.drain(ctx, QueueDesk, o, func(ctx context.Context, e Envelope) error {
		switch e.Kind {
		case KindHandoverCard, KindCallbackCard:
			var card Card
			if err := json.Unmarshal(e.Body, &card); err != nil {
				return Undeliverable("damaged")
			}
			phone, err := s.seal.Open(card.Phone)
			if err != nil {
				return Undeliverable("damaged")
			}
			card.Phone = phone
			thread, err := d.Open(ctx, card)
			if err != nil {
				return err
			}
			return s.recordPost(ctx, d, e, thread, thread)
		case KindDeskPost:
			var p DeskPost
			if err := json.Unmarshal(e.Body, &p); err != nil {
				return Undeliverable("damaged")
			}
			thread, err := s.threadOf(ctx, e.Key)
			if err != nil {
				return err
			}
			if thread == "" {
				return Undeliverable("no_thread")
			}
			id, err := d.Post(ctx, thread, p)
			if errors.Is(err, ErrThreadGone) {
				return Undeliverable("thread_gone")
			}
			if err != nil {
				return err
			}
			return s.recordPost(ctx, d, e, thread, id)
		case KindErasePosts:
			var o EraseOrder
			if err := json.Unmarshal(e.Body, &o); err != nil {
				return Undeliverable("damaged")
			}
			return d.Erase(ctx, e.ID, o.Thread, o.Posts)
		}
		return Undeliverable("unknown_kind")
	})
}

// threadOf returns the desk thread of the conversation under key, "" when
// it has none (any more).
func (s *Service) threadOf(ctx context.Context, key string) (string, error) {
	sess, err := s.store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil || sess.Handover == nil {
		return "", err
	}
	return sess.Handover.Thread, nil
}

// recordPost records a desk post made for envelope e with the
// conversation. When the conversation was erased (or the handover
// replaced) meanwhile, an erase order for the post goes in its place.
func (s *Service) recordPost(ctx context.Context, d Desk, e Envelope, thread, post string) error {
	return s.change(ctx, e.Key, func(sess *Session) error {
		h := sess.Handover
		if h != nil && e.Kind == KindCallbackCard && (h.CallbackThread == "" || h.CallbackThread == thread) {
			h.CallbackThread = thread
			if !slices.Contains(h.Posts, post) {
				h.Posts = append(h.Posts, post)
			}
			return nil
		}
		if h == nil || (h.Thread != "" && h.Thread != thread) || (h.Thread == "" && h.Card != e.ID) {
			order := s.envelope(sess, ToDesk, KindErasePosts, EraseOrder{Thread: thread, Posts: []string{post}}, s.opts.Now())
			order.Key, order.Channel = "", ""
			sess.Outbox = append(sess.Outbox, order)
			return nil
		}
		h.Thread = thread
		if !slices.Contains(h.Posts, post) {
			h.Posts = append(h.Posts, post)
		}
		return nil
	})
}

// change runs fn on the session under key, as Handle does: one at a
// time per key, in memory when the person gave no consent to keep it.
// fn may run more than once.
func (s *Service) change(ctx context.Context, key string, fn func(*Session) error) error {
	mu := s.lock(key)
	mu.Lock()
	defer mu.Unlock()
	var final *Session
	apply := func(sess *Session) error {
		if err := fn(sess); err != nil {
			return err
		}
		final = sess
		return nil
	}
	if m := s.mem.get(key); m != nil {
		if err := apply(m); err != nil {
			return err
		}
		if final.Persistent() || len(final.Outbox) > 0 || !final.Cancel.Empty() {
			snapshot := *final
			err := s.store.Update(ctx, key, func(stored *Session) error {
				if stored.Version > 0 {
					return apply(stored)
				}
				*stored = snapshot
				return nil
			})
			if err != nil {
				return s.fail("commit", err)
			}
		}
	} else if err := s.store.Update(ctx, key, apply); err != nil {
		return s.fail("commit", err)
	}
	s.wakeFor(final.Outbox)
	final.ResearchOut, final.EraseResearch, final.Outbox, final.Cancel = nil, "", nil, Cancel{}
	if final.Persistent() {
		s.mem.del(key)
	} else if final.Conv.Phase != "" {
		s.mem.put(key, final)
	}
	return nil
}

// fetchFile downloads the file of in when it goes to a worker: the
// conversation has an open handover and the file is of a kind and size
// the desk takes. Anything else is left to the engine's answer.
func (s *Service) fetchFile(ctx context.Context, key string, in *Inbound) {
	f := in.File
	if f == nil || f.Fetch == nil || !relayable(f.MIME) || f.Size > s.maxFile() {
		return
	}
	sess := s.mem.get(key)
	if sess == nil {
		var err error
		if sess, err = s.store.Get(ctx, key); err != nil {
			return
		}
	}
	if h := sess.Handover; h == nil || (h.Status != HandoverWaiting && h.Status != HandoverTalking) {
		return
	}
	data, err := f.Fetch(ctx)
	if err != nil {
		s.log.Warn("file download failed", "err", err)
		return
	}
	f.data = data
}

// RunTimers handles the bot's own timers (nobody took a handover in time,
// a callback number's time is up) until ctx ends; it returns nil then.
// Run it on the elected instance.
func (s *Service) RunTimers(ctx context.Context, o DrainOptions) error {
	return s.drain(ctx, QueueBot, o, func(ctx context.Context, e Envelope) error {
		tally := map[string]int{}
		err := s.change(ctx, e.Key, func(sess *Session) error {
			clear(tally)
			h := sess.Handover
			if h == nil {
				return nil
			}
			now := s.opts.Now()
			switch e.Kind {
			case KindHandoverTimeout:
				if h.Status != HandoverWaiting {
					return nil
				}
				h.Status = HandoverPhone
				s.toDesk(sess, DeskPost{Note: true, Text: s.engine.Content().Text("nl", "desk_timeout", dialogue.Neutral, "minutes", fmt.Sprint(int(s.wait().Minutes())))}, now)
				s.toCitizen(sess, s.engine.OfferCallback(&sess.Conv, "handover_nobody", "number", h.Number), now)
				handoverTally(tally, h.Test, "timeout")
			case KindCallbackExpire:
				if h.Status != HandoverCallback {
					return nil
				}
				s.engine.SetHandover(&sess.Conv, "", "")
				s.closeHandover(sess, false)
				handoverTally(tally, h.Test, "callback_expired")
			}
			return nil
		})
		if err == nil && len(tally) > 0 {
			for k := range tally {
				s.hmetric(k[len("handover_"):])
			}
			if terr := s.store.Tally(ctx, tally); terr != nil {
				s.log.Warn("tally failed", "err", terr)
			}
		}
		return err
	})
}

// ErrUnknownRef is returned by DeskEvent for a reference this service did
// not make (another secret, or damaged).
var ErrUnknownRef = errors.New("desk reference not recognised")

// DeskEvent applies what a worker did in a thread: taking the handover,
// a reply (relayed to the person), closing it, marking a callback done.
// An event seen before (same PostID) changes nothing. An event for a
// conversation that is over or erased is ignored. Returns ErrUnknownRef
// for a reference it cannot open, and an error wrapping ErrUnavailable
// when the store could not commit (the desk should deliver it again).
func (s *Service) DeskEvent(ctx context.Context, ev DeskEvent) error {
	key, err := s.seal.Open(ev.Ref)
	if err != nil || key == "" {
		return fmt.Errorf("desk event: %w", ErrUnknownRef)
	}
	if ev.Time.IsZero() {
		ev.Time = s.opts.Now()
	}
	tally := map[string]int{}
	var events []string
	var firstReply time.Duration
	err = s.change(ctx, key, func(sess *Session) error {
		clear(tally)
		events, firstReply = nil, 0
		h := sess.Handover
		// An event can come before the drainer recorded its card's post:
		// the reference proves whose card it is.
		switch {
		case h == nil || ev.Thread == "" || h.ownsThread(ev.Thread):
		case ev.Kind == DeskCallbackDone && h.CallbackThread == "":
			h.CallbackThread = ev.Thread
			h.Posts = append(h.Posts, ev.Thread)
		case ev.Kind != DeskCallbackDone && h.Thread == "" && h.Card != "":
			h.Thread = ev.Thread
			h.Posts = append(h.Posts, ev.Thread)
		}
		if h == nil || (ev.Thread != "" && !h.ownsThread(ev.Thread)) {
			return nil
		}
		if ev.PostID != "" {
			if slices.Contains(h.Events, ev.PostID) {
				return nil
			}
			h.Events = append(h.Events, ev.PostID)
			if len(h.Events) > 64 {
				h.Events = h.Events[len(h.Events)-64:]
			}
		}
		take := func() {
			if h.Status == HandoverTalking {
				return
			}
			h.Status, h.Taken = HandoverTalking, ev.Time
			if s.opts.Handover.WorkerName && ev.Worker != "" {
				h.Worker = ev.Worker
			}
			sess.Cancel = Cancel{Kinds: []string{KindHandoverTimeout}}
			key, args := "handover_taken", []string{}
			if h.Worker != "" {
				key, args = "handover_taken_named", []string{"name", h.Worker}
			}
			s.toCitizen(sess, s.engine.SetHandover(&sess.Conv, dialogue.HandoverOpen, key, args...), ev.Time)
			handoverTally(tally, h.Test, "taken")
			events = append(events, "taken")
		}
		switch ev.Kind {
		case DeskTaken:
			if h.Status == HandoverWaiting || h.Status == HandoverPhone {
				take()
			}
		case DeskReply:
			if h.Status != HandoverWaiting && h.Status != HandoverPhone && h.Status != HandoverTalking {
				return nil
			}
			take()
			if h.FirstReply.IsZero() {
				h.FirstReply = ev.Time
				firstReply = ev.Time.Sub(h.Asked)
			}
			key, args := "handover_from_worker", []string{"text", ev.Text}
			if h.Worker != "" {
				key, args = "handover_from_worker_named", []string{"name", h.Worker, "text", ev.Text}
			}
			s.toCitizen(sess, s.engine.Say(sess.Conv, key, args...), ev.Time)
		case DeskClosed:
			if h.Status != HandoverWaiting && h.Status != HandoverPhone && h.Status != HandoverTalking {
				return nil
			}
			s.toCitizen(sess, s.engine.AskRating(&sess.Conv), ev.Time)
			s.closeHandover(sess, true)
			handoverTally(tally, h.Test, "closed")
			events = append(events, "closed")
		case DeskCallbackDone:
			if h.Status != HandoverCallback {
				return nil
			}
			s.toCitizen(sess, s.engine.SetHandover(&sess.Conv, "", "handover_callback_done"), ev.Time)
			s.closeHandover(sess, false)
			handoverTally(tally, h.Test, "callback_done")
			events = append(events, "callback_done")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("desk event: %w", err)
	}
	for _, e := range events {
		s.hmetric(e)
	}
	if firstReply > 0 && s.opts.Handover.Metrics != nil {
		s.opts.Handover.Metrics.FirstReply(firstReply)
	}
	if len(tally) > 0 {
		if err := s.store.Tally(ctx, tally); err != nil {
			s.log.Warn("tally failed", "err", err)
		}
	}
	return nil
}
