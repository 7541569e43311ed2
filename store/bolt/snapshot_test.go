package bolt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/store/bolt"
)

func count(t *testing.T, db *bolt.DB) (sessions, research int) {
	t.Helper()
	s, r, err := db.Count()
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s left in the snapshot folder", e.Name())
	}
}

// TestSnapshot: a snapshot holds what the file holds, with or without a
// writer on it; it sees an erasure once taken again, and no copy is ever
// visible on disk.
func TestSnapshot(t *testing.T) {
	path := populated(t, 50)
	dir := t.TempDir()

	// No writer: bbolt's Tx.WriteTo.
	snap, err := bolt.OpenSnapshot(path, dir)
	if err != nil {
		t.Fatal(err)
	}
	emptyDir(t, dir)
	if s, r := count(t, snap); s != 50 || r != 250 {
		t.Fatalf("snapshot holds %d sessions, %d research turns; want 50, 250", s, r)
	}
	if err := snap.Update(context.Background(), "s-x", func(*bot.Session) error { return nil }); !errors.Is(err, bot.ErrReadOnly) {
		t.Fatalf("write to a snapshot: err=%v, want ErrReadOnly", err)
	}
	snap.Close()

	// A writer holds the file; it erases one person meanwhile.
	w, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	snap, err = bolt.OpenSnapshot(path, dir)
	if err != nil {
		t.Fatalf("snapshot beside a writer: %v", err)
	}
	emptyDir(t, dir)
	if s, _ := count(t, snap); s != 50 {
		t.Fatalf("snapshot beside a writer holds %d sessions, want 50", s)
	}
	if err := w.Delete(context.Background(), "s-0007", "r-0007"); err != nil {
		t.Fatal(err)
	}
	snap.Close()
	snap, err = bolt.OpenSnapshot(path, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if s, r := count(t, snap); s != 49 || r != 245 {
		t.Fatalf("snapshot after an erasure holds %d sessions, %d research turns; want 49, 245", s, r)
	}
	if _, err := snap.Get(context.Background(), "s-0007"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("erased session in a new snapshot: err=%v", err)
	}
	emptyDir(t, dir)
}

func TestSnapshotOfDamagedFile(t *testing.T) {
	path := populated(t, 400)
	corruptMiddle(t, path)
	dir := t.TempDir()
	if _, err := bolt.OpenSnapshot(path, dir); !errors.Is(err, bolt.ErrCorrupt) {
		t.Fatalf("snapshot of a damaged file: err=%v, want ErrCorrupt", err)
	}
	emptyDir(t, dir)
	if _, err := bolt.OpenSnapshot(filepath.Join(dir, "none.db"), dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("snapshot of no file: err=%v, want ErrNotExist", err)
	}
}

func TestClaimSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got, err := db.ClaimSecret(ctx, "aaaa"); err != nil || got != "aaaa" {
		t.Fatalf("first claim: %q, %v", got, err)
	}
	if got, err := db.ClaimSecret(ctx, "bbbb"); err != nil || got != "aaaa" {
		t.Fatalf("second claim: %q, %v; want the first one kept", got, err)
	}
	db.Close()
	ro, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got, err := ro.ClaimSecret(ctx, "cccc"); err != nil || got != "aaaa" {
		t.Fatalf("read-only claim: %q, %v", got, err)
	}
	bottest.FileLacks(t, path, "bbbb", "cccc")
}
