package bolt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// populated writes n stored sessions, each with research turns, into a
// new file and returns its path.
func populated(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range n {
		err := db.Update(ctx, fmt.Sprintf("s-%04d", i), func(s *bot.Session) error {
			s.Conv.Consent.Keep = &dialogue.Decision{Given: true}
			s.Conv.Updated = time.Now()
			s.Conv.Steps = make([]dialogue.Step, 20)
			s.Research = fmt.Sprintf("r-%04d", i)
			for j := range 5 {
				s.ResearchOut = append(s.ResearchOut, bot.ResearchTurn{Pseudonym: s.Research, Seq: j, Day: bot.Day(time.Now()), From: "citizen", Text: "some research text that takes room"})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// corruptMiddle overwrites the page in the middle of the file with junk.
func corruptMiddle(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	off := fi.Size() / 2 / 4096 * 4096
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte{0xA5, 0x5A, 0xFF, 0x13}, 1024)
	if _, err := f.WriteAt(junk, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCorruptPage: a file with one damaged page in the middle is
// ErrCorrupt at Open, writable or read-only, and nothing is written to it.
func TestCorruptPage(t *testing.T) {
	path := populated(t, 400)
	corruptMiddle(t, path)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		db, err := bolt.Open(path, bolt.Options{ReadOnly: ro, Timeout: 100 * time.Millisecond})
		if err == nil {
			db.Close()
			t.Fatalf("Open(read-only=%v) of a file with a damaged page succeeded", ro)
		}
		if !errors.Is(err, bolt.ErrCorrupt) {
			t.Fatalf("Open(read-only=%v): err=%v, want ErrCorrupt", ro, err)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("Open of a damaged file wrote to it")
	}
}

// TestCorruptedWhileOpen: a page damaged under an open store makes every
// call return ErrCorrupt instead of panicking, and Close does not hang.
func TestCorruptedWhileOpen(t *testing.T) {
	path := populated(t, 400)
	db, err := bolt.Open(path, bolt.Options{KeepFreedPages: true})
	if err != nil {
		t.Fatal(err)
	}
	corruptMiddle(t, path)
	ctx := context.Background()
	_, _, err = db.Sweep(ctx, time.Now().Add(time.Hour), time.Now().Add(48*time.Hour))
	if !errors.Is(err, bolt.ErrCorrupt) {
		t.Errorf("Sweep: err=%v, want ErrCorrupt", err)
	}
	// The damaged page holds sessions or research records: reading them
	// all gives ErrCorrupt, never a panic.
	errR := db.Research(ctx, func(bot.ResearchTurn) error { return nil })
	errS := db.Sessions(ctx, func(*bot.Session) error { return nil })
	if !errors.Is(errR, bolt.ErrCorrupt) && !errors.Is(errS, bolt.ErrCorrupt) {
		t.Errorf("Research: err=%v, Sessions: err=%v, want ErrCorrupt from one", errR, errS)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	if err := <-closed; err != nil {
		t.Logf("Close: %v", err)
	}
}
