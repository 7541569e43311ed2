package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
)

// envelope makes an envelope of key for queue Telegram (or the desk).
func envelope(key, kind string, at time.Time, notBefore time.Time) bot.Envelope {
	e := bot.Envelope{ID: bot.NewEnvelopeID(at), Key: key, To: bot.ToCitizen, Channel: bot.Telegram, Address: "sealed-" + key,
		Kind: kind, Body: []byte(`{"text":"hallo ` + key + `"}`), NotBefore: notBefore, Created: at}
	if kind == bot.KindHandoverCard || kind == bot.KindDeskPost || kind == bot.KindErasePosts {
		e.To, e.Address = bot.ToDesk, ""
	}
	return e
}

func enqueue(t *testing.T, s bot.Store, key string, consent bool, envs ...bot.Envelope) {
	t.Helper()
	mustUpdate(t, s, key, func(sess *bot.Session) error {
		if consent {
			sess.Conv.Consent = kept(time.Now())
		}
		sess.Outbox = append(sess.Outbox, envs...)
		return nil
	})
}

func ids(envs []bot.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.ID
	}
	return out
}

func due(t *testing.T, s bot.Store, queue string, now time.Time, limit int) []bot.Envelope {
	t.Helper()
	envs, err := s.Due(context.Background(), queue, now, limit)
	if err != nil {
		t.Fatalf("Due(%s): %v", queue, err)
	}
	return envs
}

func envelopesOf(t *testing.T, s bot.Store, key string) []bot.Envelope {
	t.Helper()
	var out []bot.Envelope
	if err := s.Envelopes(context.Background(), key, func(e bot.Envelope) error { out = append(out, e); return nil }); err != nil {
		t.Fatalf("Envelopes(%s): %v", key, err)
	}
	return out
}

// runOutbox is the outbox part of the contract.
func runOutbox(t *testing.T, open Opener, now time.Time) {
	ctx := context.Background()

	t.Run("WrittenWithTheSessionWhateverTheConsent", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		a := envelope("s-kept", bot.KindRelay, now, time.Time{})
		b := envelope("s-memory", bot.KindRelay, now, time.Time{})
		enqueue(t, s, "s-kept", true, a)
		enqueue(t, s, "s-memory", false, b)
		got := due(t, s, bot.Telegram, now, 10)
		if !slices.Equal(ids(got), []string{a.ID, b.ID}) {
			t.Fatalf("due=%v, want %v", ids(got), []string{a.ID, b.ID})
		}
		if g := got[0]; g.Key != a.Key || g.Address != a.Address || string(g.Body) != string(a.Body) || !g.Created.Equal(a.Created) || g.Kind != a.Kind || g.To != a.To || g.Channel != a.Channel {
			t.Fatalf("stored %+v, want %+v", g, a)
		}
		if _, err := s.Get(ctx, "s-memory"); !errors.Is(err, bot.ErrNotFound) {
			t.Fatalf("an envelope stored the session without consent: %v", err)
		}
	})

	t.Run("FnErrorAddsNothing", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		boom := errors.New("boom")
		err := s.Update(ctx, "s-x", func(sess *bot.Session) error {
			sess.Outbox = []bot.Envelope{envelope("s-x", bot.KindRelay, now, time.Time{})}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err=%v, want boom", err)
		}
		if got := due(t, s, bot.Telegram, now, 10); len(got) != 0 {
			t.Fatalf("a failed update left %d envelopes", len(got))
		}
	})

	t.Run("DueByQueueInOrderWithLimitAndTime", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		var want []string
		for i := range 5 {
			e := envelope(fmt.Sprintf("s-%d", i%2), bot.KindRelay, now.Add(time.Duration(i)), time.Time{})
			want = append(want, e.ID)
			enqueue(t, s, e.Key, true, e)
		}
		later := envelope("s-0", bot.KindFollowup, now, now.Add(time.Hour))
		desk := envelope("s-1", bot.KindHandoverCard, now, time.Time{})
		enqueue(t, s, "s-0", true, later)
		enqueue(t, s, "s-1", true, desk)
		if got := ids(due(t, s, bot.Telegram, now, 10)); !slices.Equal(got, want) {
			t.Fatalf("due=%v, want %v (a future follow-up or a desk card among them, or out of order)", got, want)
		}
		if got := ids(due(t, s, bot.Telegram, now, 2)); !slices.Equal(got, want[:2]) {
			t.Fatalf("due with limit 2=%v, want %v", got, want[:2])
		}
		if got := ids(due(t, s, bot.QueueDesk, now, 10)); !slices.Equal(got, []string{desk.ID}) {
			t.Fatalf("desk queue=%v, want %v", got, []string{desk.ID})
		}
		if got := ids(due(t, s, bot.Telegram, now.Add(time.Hour), 10)); !slices.Contains(got, later.ID) {
			t.Fatalf("the follow-up is not due at its time: %v", got)
		}
		if got := due(t, s, bot.Mattermost, now, 10); len(got) != 0 {
			t.Fatalf("Mattermost queue has %d envelopes, want 0", len(got))
		}
	})

	t.Run("DoneRetryDrop", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		a1 := envelope("s-a", bot.KindRelay, now, time.Time{})
		a2 := envelope("s-a", bot.KindRelay, now, time.Time{})
		b1 := envelope("s-b", bot.KindRelay, now, time.Time{})
		enqueue(t, s, "s-a", true, a1, a2)
		enqueue(t, s, "s-b", true, b1)

		if err := s.Retry(ctx, a1.ID, now.Add(time.Minute)); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		// a2 waits behind the retried a1; s-b is not held back.
		if got := ids(due(t, s, bot.Telegram, now, 10)); !slices.Equal(got, []string{b1.ID}) {
			t.Fatalf("due after a retry=%v, want only %v", got, b1.ID)
		}
		got := due(t, s, bot.Telegram, now.Add(time.Minute), 10)
		if !slices.Equal(ids(got), []string{a1.ID, a2.ID, b1.ID}) {
			t.Fatalf("due when the retry is due=%v", ids(got))
		}
		if got[0].Attempts != 1 || !got[0].NotBefore.Equal(now.Add(time.Minute)) {
			t.Fatalf("retried envelope: attempts=%d not_before=%v, want 1, %v", got[0].Attempts, got[0].NotBefore, now.Add(time.Minute))
		}

		for _, id := range []string{a1.ID, a1.ID} { // twice: idempotent
			if err := s.Done(ctx, id); err != nil {
				t.Fatalf("Done: %v", err)
			}
		}
		if err := s.Retry(ctx, a1.ID, now); !errors.Is(err, bot.ErrNoEnvelope) {
			t.Fatalf("Retry of a delivered envelope: err=%v, want ErrNoEnvelope", err)
		}
		if err := s.Drop(ctx, b1.ID, "blocked"); err != nil {
			t.Fatalf("Drop: %v", err)
		}
		if err := s.Drop(ctx, b1.ID, "blocked"); err != nil {
			t.Fatalf("Drop again: %v", err)
		}
		if got := ids(due(t, s, bot.Telegram, now.Add(time.Hour), 10)); !slices.Equal(got, []string{a2.ID}) {
			t.Fatalf("due after Done and Drop=%v, want %v", got, a2.ID)
		}
		tallies, err := s.Tallies(ctx)
		if err != nil {
			t.Fatalf("Tallies: %v", err)
		}
		if tallies["outbox_dropped:blocked"] != 1 {
			t.Fatalf("outbox_dropped:blocked=%d, want 1", tallies["outbox_dropped:blocked"])
		}
		if got := ids(envelopesOf(t, s, "s-a")); !slices.Equal(got, []string{a2.ID}) {
			t.Fatalf("Envelopes(s-a)=%v, want %v", got, a2.ID)
		}
	})

	t.Run("CancelByKindIDAndAll", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		f1 := envelope("s-c", bot.KindFollowup, now, now.Add(48*time.Hour))
		f2 := envelope("s-c", bot.KindFollowup, now, now.Add(96*time.Hour))
		r1 := envelope("s-c", bot.KindRelay, now, time.Time{})
		r2 := envelope("s-c", bot.KindRelay, now, time.Time{})
		other := envelope("s-d", bot.KindFollowup, now, now.Add(48*time.Hour))
		enqueue(t, s, "s-c", true, f1, f2, r1, r2)
		enqueue(t, s, "s-d", true, other)

		mustUpdate(t, s, "s-c", func(sess *bot.Session) error {
			sess.Cancel = bot.Cancel{Kinds: []string{bot.KindFollowup}, IDs: []string{r1.ID}}
			return nil
		})
		if got := ids(envelopesOf(t, s, "s-c")); !slices.Equal(got, []string{r2.ID}) {
			t.Fatalf("after cancel by kind and id: %v, want %v", got, r2.ID)
		}
		if got := ids(envelopesOf(t, s, "s-d")); !slices.Equal(got, []string{other.ID}) {
			t.Fatalf("cancel of s-c touched s-d: %v", got)
		}
		// Cancel everything and add a new one in the same write: the new
		// one stays, and an erase order without a key too.
		fresh := envelope("s-c", bot.KindRelay, now, time.Time{})
		erase := envelope("", bot.KindErasePosts, now, time.Time{})
		mustUpdate(t, s, "s-c", func(sess *bot.Session) error {
			sess.Cancel = bot.CancelAll
			sess.Outbox = []bot.Envelope{fresh, erase}
			return nil
		})
		if got := ids(envelopesOf(t, s, "s-c")); !slices.Equal(got, []string{fresh.ID}) {
			t.Fatalf("after cancel all and add: %v, want %v", got, fresh.ID)
		}
		if got := ids(due(t, s, bot.QueueDesk, now, 10)); !slices.Equal(got, []string{erase.ID}) {
			t.Fatalf("desk queue=%v, want the erase order %v", got, erase.ID)
		}
	})

	t.Run("DeleteErasesEveryEnvelopeOfTheKey", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		enqueue(t, s, "s-e", true, envelope("s-e", bot.KindRelay, now, time.Time{}), envelope("s-e", bot.KindFollowup, now, now.Add(time.Hour)))
		keep := envelope("s-f", bot.KindRelay, now, time.Time{})
		enqueue(t, s, "s-f", false, keep)
		if err := s.Delete(ctx, "s-e", ""); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if got := envelopesOf(t, s, "s-e"); len(got) != 0 {
			t.Fatalf("Delete left %d envelopes", len(got))
		}
		if got := ids(due(t, s, bot.Telegram, now.Add(2*time.Hour), 10)); !slices.Equal(got, []string{keep.ID}) {
			t.Fatalf("due after Delete=%v, want only %v", got, keep.ID)
		}
	})
}
