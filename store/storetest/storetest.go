// Package storetest is the contract suite for bot.Store implementations: one
// suite, run unchanged over every store (store/bolt, store/etcd).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// Opener returns a fresh, empty store for one subtest. The suite closes it.
type Opener func(t *testing.T) bot.Store

func kept(at time.Time) dialogue.Consent {
	return dialogue.Consent{Keep: &dialogue.Decision{Given: true, Version: "v", At: at, Channel: "test"}}
}

// Run runs the contract suite.
func Run(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

	t.Run("GetMissing", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		if _, err := s.Get(ctx, "s-none"); !errors.Is(err, bot.ErrNotFound) {
			t.Fatalf("Get missing: err=%v, want ErrNotFound", err)
		}
	})

	t.Run("UpdateCreatesAndVersions", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		for i := 1; i <= 3; i++ {
			err := s.Update(ctx, "s-a", func(sess *bot.Session) error {
				if sess.Version != uint64(i-1) {
					return fmt.Errorf("version=%d, want %d", sess.Version, i-1)
				}
				sess.Conv.Consent = kept(now)
				sess.Conv.Turns = i
				return nil
			})
			if err != nil {
				t.Fatalf("Update %d: %v", i, err)
			}
		}
		got, err := s.Get(ctx, "s-a")
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if got.Version != 3 || got.Conv.Turns != 3 || got.Key != "s-a" {
			t.Fatalf("got version=%d turns=%d key=%q, want 3, 3, s-a", got.Version, got.Conv.Turns, got.Key)
		}
	})

	t.Run("UpdateWithoutConsentWritesNothing", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		if err := s.Update(ctx, "s-b", func(sess *bot.Session) error { sess.Conv.Turns = 1; return nil }); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if _, err := s.Get(ctx, "s-b"); !errors.Is(err, bot.ErrNotFound) {
			t.Fatalf("session without consent was stored: err=%v", err)
		}
	})

	t.Run("WithdrawDeletes", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		mustUpdate(t, s, "s-c", func(sess *bot.Session) error { sess.Conv.Consent = kept(now); return nil })
		mustUpdate(t, s, "s-c", func(sess *bot.Session) error {
			sess.Conv.Consent.Keep = &dialogue.Decision{Given: false, At: now}
			return nil
		})
		if _, err := s.Get(ctx, "s-c"); !errors.Is(err, bot.ErrNotFound) {
			t.Fatalf("withdrawn session still stored: err=%v", err)
		}
	})

	t.Run("FnErrorWritesNothing", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		boom := errors.New("boom")
		err := s.Update(ctx, "s-d", func(sess *bot.Session) error {
			sess.Conv.Consent = kept(now)
			sess.ResearchOut = []bot.ResearchTurn{{Pseudonym: "r-d", Seq: 1, Day: "2026-11-01"}}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err=%v, want boom", err)
		}
		if _, err := s.Get(ctx, "s-d"); !errors.Is(err, bot.ErrNotFound) {
			t.Fatalf("failed update stored a session: %v", err)
		}
		if n := countResearch(t, s, "r-d"); n != 0 {
			t.Fatalf("failed update stored %d research turns", n)
		}
	})

	t.Run("ResearchAppendAndErase", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		for i := 0; i < 3; i++ {
			mustUpdate(t, s, "s-e", func(sess *bot.Session) error {
				sess.Conv.Consent = kept(now)
				sess.ResearchOut = []bot.ResearchTurn{{Pseudonym: "r-e", Seq: i * 10, Day: "2026-11-01", Text: "x"}, {Pseudonym: "r-e", Seq: i*10 + 1, Day: "2026-11-01"}}
				return nil
			})
		}
		mustUpdate(t, s, "s-f", func(sess *bot.Session) error {
			sess.ResearchOut = []bot.ResearchTurn{{Pseudonym: "r-f", Seq: 1, Day: "2026-11-01"}}
			return nil
		})
		if n := countResearch(t, s, "r-e"); n != 6 {
			t.Fatalf("research turns of r-e=%d, want 6", n)
		}
		if n := countResearch(t, s, "r-f"); n != 1 {
			t.Fatalf("research turns of r-f=%d, want 1 (written without keep consent)", n)
		}
		// Order within a pseudonym.
		last := -1
		_ = s.Research(ctx, func(rt bot.ResearchTurn) error {
			if rt.Pseudonym == "r-e" {
				if rt.Seq <= last {
					t.Errorf("research turns out of order: %d after %d", rt.Seq, last)
				}
				last = rt.Seq
			}
			return nil
		})
		mustUpdate(t, s, "s-e", func(sess *bot.Session) error { sess.EraseResearch = "r-e"; return nil })
		if n := countResearch(t, s, "r-e"); n != 0 {
			t.Fatalf("research turns after erase=%d, want 0", n)
		}
		if n := countResearch(t, s, "r-f"); n != 1 {
			t.Fatalf("erasing r-e touched r-f: %d", n)
		}
		if _, err := s.Get(ctx, "s-e"); err != nil {
			t.Fatalf("erasing research removed the session: %v", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		mustUpdate(t, s, "s-g", func(sess *bot.Session) error {
			sess.Conv.Consent = kept(now)
			sess.ResearchOut = []bot.ResearchTurn{{Pseudonym: "r-g", Seq: 1, Day: "2026-11-01"}}
			return nil
		})
		if err := s.Delete(ctx, "s-g", "r-g"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Get(ctx, "s-g"); !errors.Is(err, bot.ErrNotFound) {
			t.Fatalf("deleted session still there: %v", err)
		}
		if n := countResearch(t, s, "r-g"); n != 0 {
			t.Fatalf("research after Delete=%d", n)
		}
		if err := s.Delete(ctx, "s-none", ""); err != nil {
			t.Fatalf("Delete of nothing: %v", err)
		}
	})

	t.Run("Sweep", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		old, fresh := now.Add(-40*24*time.Hour), now.Add(-time.Hour)
		mustUpdate(t, s, "s-old", func(sess *bot.Session) error { sess.Conv.Consent = kept(old); sess.Conv.Updated = old; return nil })
		mustUpdate(t, s, "s-new", func(sess *bot.Session) error {
			sess.Conv.Consent = kept(fresh)
			sess.Conv.Updated = fresh
			sess.ResearchOut = []bot.ResearchTurn{{Pseudonym: "r-x", Seq: 1, Day: "2025-01-01"}, {Pseudonym: "r-x", Seq: 2, Day: "2026-10-31"}}
			return nil
		})
		ns, nr, err := s.Sweep(ctx, now.Add(-30*24*time.Hour), now.Add(-365*24*time.Hour))
		if err != nil {
			t.Fatalf("Sweep: %v", err)
		}
		if ns != 1 || nr != 1 {
			t.Fatalf("Sweep removed %d sessions, %d research turns; want 1, 1", ns, nr)
		}
		if _, err := s.Get(ctx, "s-new"); err != nil {
			t.Fatalf("fresh session swept: %v", err)
		}
	})

	t.Run("Sessions", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		for i := 0; i < 5; i++ {
			mustUpdate(t, s, fmt.Sprintf("s-%d", i), func(sess *bot.Session) error { sess.Conv.Consent = kept(now); return nil })
		}
		n := 0
		if err := s.Sessions(ctx, func(*bot.Session) error { n++; return nil }); err != nil {
			t.Fatalf("Sessions: %v", err)
		}
		if n != 5 {
			t.Fatalf("Sessions saw %d, want 5", n)
		}
	})

	t.Run("ConcurrentUpdatesLoseNothing", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					err := s.Update(ctx, "s-shared", func(sess *bot.Session) error {
						sess.Conv.Consent = kept(now)
						sess.Conv.Turns++
						return nil
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("Update: %v", err)
		}
		got, err := s.Get(ctx, "s-shared")
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if got.Conv.Turns != workers*each || got.Version != workers*each {
			t.Fatalf("turns=%d version=%d, want %d: an update was lost", got.Conv.Turns, got.Version, workers*each)
		}
	})

	t.Run("Tallies", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		for i := 0; i < 3; i++ {
			if err := s.Tally(ctx, map[string]int{"started": 1, "consent_keep_yes": i % 2}); err != nil {
				t.Fatalf("Tally: %v", err)
			}
		}
		got, err := s.Tallies(ctx)
		if err != nil {
			t.Fatalf("Tallies: %v", err)
		}
		if got["started"] != 3 || got["consent_keep_yes"] != 1 {
			t.Fatalf("tallies=%v, want started=3 consent_keep_yes=1", got)
		}
	})

	t.Run("Outbox", func(t *testing.T) { runOutbox(t, open, now) })

	// Counters are shared by every conversation: many at once must all
	// count, exactly, and Tallies must see every delta taken before it.
	t.Run("TalliesConcurrentExact", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		const workers, each = 64, 40
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					d := map[string]int{"started": 1, "started:2026-11-02": 1, "undone": -1}
					if (w+i)%2 == 0 {
						d["consent_keep_yes"] = 1
					}
					if w%8 == 0 {
						d[fmt.Sprintf("segment_%d", 1+i%3)] = 1
					}
					if err := s.Tally(ctx, d); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("Tally: %v", err)
		}
		got, err := s.Tallies(ctx)
		if err != nil {
			t.Fatalf("Tallies: %v", err)
		}
		n := workers * each
		want := map[string]int{"started": n, "started:2026-11-02": n, "undone": -n, "consent_keep_yes": n / 2,
			"segment_1": 8 * 14, "segment_2": 8 * 13, "segment_3": 8 * 13}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("tally %s=%d, want %d", k, got[k], v)
			}
		}
		if len(got) != len(want) {
			t.Errorf("tallies=%v, want exactly %v", got, want)
		}
	})

	t.Run("TalliesManyCounters", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		deltas := map[string]int{}
		for i := range 300 {
			deltas[fmt.Sprintf("started:%04d", i)] = i + 1
		}
		for range 3 {
			if err := s.Tally(ctx, deltas); err != nil {
				t.Fatalf("Tally: %v", err)
			}
		}
		got, err := s.Tallies(ctx)
		if err != nil {
			t.Fatalf("Tallies: %v", err)
		}
		for k, d := range deltas {
			if got[k] != 3*d {
				t.Fatalf("tally %s=%d, want %d", k, got[k], 3*d)
			}
		}
		if len(got) != len(deltas) {
			t.Fatalf("%d tallies, want %d", len(got), len(deltas))
		}
	})

	t.Run("TallyIgnoresContextOnceTaken", func(t *testing.T) {
		// The message that caused the deltas is committed: its counts
		// must not depend on the caller's context ending afterwards.
		s := open(t)
		defer s.Close()
		cctx, cancel := context.WithCancel(ctx)
		if err := s.Tally(cctx, map[string]int{"completed": 1}); err != nil {
			t.Fatalf("Tally: %v", err)
		}
		cancel()
		if err := s.Tally(cctx, map[string]int{"completed": 1, "zero": 0}); err != nil {
			t.Fatalf("Tally after cancel: %v", err)
		}
		got, err := s.Tallies(ctx)
		if err != nil {
			t.Fatalf("Tallies: %v", err)
		}
		if got["completed"] != 2 {
			t.Fatalf("completed=%d, want 2", got["completed"])
		}
		if _, ok := got["zero"]; ok {
			t.Fatalf("a zero delta made a counter: %v", got)
		}
		if d, ok := s.(bot.TallyDrops); ok && d.DroppedTallies() != 0 {
			t.Fatalf("DroppedTallies=%d, want 0", d.DroppedTallies())
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Update(cctx, "s-h", func(*bot.Session) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Fatalf("Update with canceled ctx: err=%v, want context.Canceled", err)
		}
	})
}

func mustUpdate(t *testing.T, s bot.Store, key string, fn func(*bot.Session) error) {
	t.Helper()
	if err := s.Update(context.Background(), key, fn); err != nil {
		t.Fatalf("Update %s: %v", key, err)
	}
}

func countResearch(t *testing.T, s bot.Store, pseudonym string) int {
	t.Helper()
	n := 0
	err := s.Research(context.Background(), func(rt bot.ResearchTurn) error {
		if rt.Pseudonym == pseudonym {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Research: %v", err)
	}
	return n
}
