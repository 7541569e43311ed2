package bot

import (
	"time"
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
// Delivery is at least once on Telegram (no idempotency key: a crash
// between the send and its record sends the follow-up again) and exactly
// once per envelope in the sense that Done removes it after a confirmed
// send; see Drain.

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
