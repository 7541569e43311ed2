package bolt_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/bolt"
)

// TestTalliesDurableAcrossReopen: counts from many goroutines, taken
// without waiting for their commit, are all in the file after Close and
// a new Open.
func TestTalliesDurableAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 50 {
				if err := db.Tally(ctx, map[string]int{"started": 1, "consent_keep_yes": 1}); err != nil {
					t.Errorf("Tally: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := db.DroppedTallies(); n != 0 {
		t.Fatalf("DroppedTallies=%d, want 0", n)
	}
	db, err = bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Tallies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got["started"] != 1600 || got["consent_keep_yes"] != 1600 || len(got) != 2 {
		t.Fatalf("tallies=%v, want started=1600 consent_keep_yes=1600", got)
	}
}

// TestTallyDropReported: a delta bbolt refuses (a counter without a name)
// is not lost silently: it is counted, and Close reports it; the other
// writes of its group commit.
func TestTallyDropReported(t *testing.T) {
	ctx := context.Background()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Tally(ctx, map[string]int{"started": 1}); err != nil {
		t.Fatalf("Tally: %v", err)
	}
	if err := db.Tally(ctx, map[string]int{"": 2}); err != nil {
		t.Fatalf("Tally: %v", err)
	}
	reported := 0
	if err := db.Tally(ctx, map[string]int{"started": 1}); errors.Is(err, bot.ErrTallyDropped) {
		reported++
	} else if err != nil {
		t.Fatalf("Tally: %v", err)
	}
	got, err := db.Tallies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got["started"] != 2 || len(got) != 1 {
		t.Fatalf("tallies=%v, want started=2", got)
	}
	// The drop is reported once: by a Tally after it, or else by Close.
	if err := db.Close(); errors.Is(err, bot.ErrTallyDropped) {
		reported++
	} else if err != nil {
		t.Fatalf("Close: %v", err)
	}
	if reported != 1 {
		t.Fatalf("the drop was reported %d times, want once", reported)
	}
	if n := db.DroppedTallies(); n != 2 {
		t.Fatalf("DroppedTallies=%d, want 2", n)
	}
}
