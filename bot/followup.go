package bot

import (
	"context"
	"time"

	"github.com/proactief/proactief/dialogue"
)

// Follow-ups (issue 17). The engine plans one when the person agrees
// (dialogue.Outcome.Schedule); apply turns it into a KindFollowup envelope
// in the same transaction, with the person's chat address sealed: the
// address is kept only in that envelope, only with follow-up consent, and
// goes with it (sent, cancelled, /vergeet). Drain sends it through the
// channel's Courier when it is due, outside quiet hours (FollowupOptions),
// and skips one that is more than MaxLate late (after downtime), counted
// as "outbox_dropped:late".
//
// Delivery is at least once on Telegram (no idempotency key: when the
// process dies between the send and Done, the follow-up is sent again
// after the restart; it is never lost) and exactly once in Mattermost (the
// adapter is an OnceCourier: its posts carry the envelope ID). Tests:
// TestFollowupAtLeastOnceOnTelegram, TestFollowupOnceCourier, and
// adapters/mattermost TestDeliverOnce.

// DefaultFollowupLate is how late a follow-up may still be sent.
const DefaultFollowupLate = 48 * time.Hour

// FollowupOptions configure follow-ups. The zero value sends them at any
// time and skips those more than DefaultFollowupLate late.
type FollowupOptions struct {
	// Quiet are the hours in which no follow-up is sent.
	Quiet QuietHours
	// MaxLate skips a follow-up that is this much past its time (a backlog
	// after downtime); 0 means DefaultFollowupLate.
	MaxLate time.Duration
}

func (o FollowupOptions) maxLate() time.Duration {
	if o.MaxLate <= 0 {
		return DefaultFollowupLate
	}
	return o.MaxLate
}

// Allowed is dialogue.Options.Allowed for these options: the first moment
// at or after t outside the quiet hours.
func (o FollowupOptions) Allowed(t time.Time) time.Time { return o.Quiet.Next(t) }

// followupHold decides about a due follow-up at now: hold it until the
// quiet hours end (at), or skip it because it is too late (skip).
func (s *Service) followupHold(e Envelope, now time.Time) (at time.Time, skip bool) {
	o := s.opts.Followup
	if !e.NotBefore.IsZero() && now.Sub(e.NotBefore) > o.maxLate() {
		return time.Time{}, true
	}
	if next := o.Quiet.Next(now); next.After(now) {
		return next, false
	}
	return time.Time{}, false
}

// followupOutbox turns the engine's follow-up plans into outbox changes in
// sess: a new plan replaces what is pending, a cancellation or an erasure
// removes it.
func (s *Service) followupOutbox(sess *Session, in Inbound, out dialogue.Outcome) {
	if out.Erase {
		sess.Cancel.Kinds = append(sess.Cancel.Kinds, "*")
	}
	if out.CancelFollowups || out.Schedule != nil {
		sess.Cancel.Kinds = append(sess.Cancel.Kinds, KindFollowup)
	}
	sc := out.Schedule
	if sc == nil || out.Erase {
		return
	}
	addr := in.Address
	if addr == "" {
		addr = in.UserID
	}
	e := s.envelope(sess, ToCitizen, KindFollowup, Relay{Replies: sc.Replies}, in.Time)
	e.Channel = in.Channel
	e.Address = s.seal.Seal(addr)
	e.NotBefore = sc.Due
	sess.Outbox = append(sess.Outbox, e)
}

// deferFollowup moves a follow-up that came due in the quiet hours to at,
// as a new envelope in place of e in one transaction (a retry would count
// as a failed delivery and hold back the conversation's other messages).
// Nothing happens when the conversation is gone.
func (s *Service) deferFollowup(ctx context.Context, e Envelope, at time.Time) error {
	return s.change(ctx, e.Key, func(sess *Session) error {
		sess.Cancel, sess.Outbox = Cancel{}, nil
		if sess.Version == 0 {
			return nil
		}
		n := e
		n.ID = NewEnvelopeID(s.opts.Now())
		n.NotBefore = at
		sess.Cancel = Cancel{IDs: []string{e.ID}}
		sess.Outbox = []Envelope{n}
		return nil
	})
}

// deliverFollowup is Drain's step for a follow-up: skipped when too late,
// moved past the quiet hours, else delivered.
func (s *Service) deliverFollowup(ctx context.Context, e Envelope, deliver func() error) error {
	at, skip := s.followupHold(e, s.opts.Now())
	switch {
	case skip:
		return Undeliverable("late")
	case !at.IsZero():
		return s.deferFollowup(ctx, e, at)
	}
	return deliver()
}

// markFollowup adds the follow-up marks to the research turns of this
// step: the answer on the person's turn, and the planned message as a bot
// turn of its own.
func markFollowup(sess *Session, out dialogue.Outcome) {
	if len(sess.ResearchOut) == 0 {
		return
	}
	if out.FollowupResult != "" {
		for i := range sess.ResearchOut {
			if sess.ResearchOut[i].From == "citizen" {
				sess.ResearchOut[i].Followup = out.FollowupResult
			}
		}
	}
	if sc := out.Schedule; sc != nil {
		t := sess.ResearchOut[len(sess.ResearchOut)-1]
		t.From, t.Followup, t.Statement, t.Value, t.Posterior = "bot", FollowupPlanned, "", nil, nil
		t.Text = ""
		for _, r := range sc.Replies {
			t.Text += r.Text
		}
		sess.ResearchOut = append(sess.ResearchOut, t)
	}
}

// followupResearch records the answer to a follow-up when the rest of the
// step is not research data (it started a handover).
func (s *Service) followupResearch(sess *Session, in Inbound, out dialogue.Outcome) {
	st := out.State
	sess.ResearchOut = append(sess.ResearchOut, ResearchTurn{
		Pseudonym: sess.Research, Seq: researchSeq(sess), Day: Day(in.Time), Channel: st.Channel, Source: st.Source, Test: st.Test,
		Consent: st.Consent.Research.Version, From: "citizen", Text: "[KNOP " + out.FollowupResult + "]", State: st.Phase,
		Segment: int(SegmentOf(st)), Offer: st.Offer, Followup: out.FollowupResult,
	})
}
