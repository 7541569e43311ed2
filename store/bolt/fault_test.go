package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// smallDisk mounts a tmpfs of size bytes in a temporary directory and
// returns its path. It skips the test when mounting is not possible (not
// root, no mount, a container without the capability).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("full-disk test needs a small tmpfs; mount -t tmpfs failed (run as root to include it): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// TestDiskFull fills a small disk through the service until commits fail:
// the failure must be bot.ErrUnavailable, nothing committed before may be
// lost, and after space is freed the same message is applied once.
func TestDiskFull(t *testing.T) {
	disk := smallDisk(t, "3m")
	filler := filepath.Join(disk, "filler")
	if err := os.WriteFile(filler, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(disk, "p.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("fault-secret-0123456789")
	svc := bot.New(db, eng, secret, bot.Options{})
	ctx := context.Background()

	type user struct {
		id      string
		seq     int
		prompt  string
		phase   string
		turns   int // Turns of the committed session, 0 while none
		pending *bot.Inbound
	}
	next := func(u *user) bot.Inbound {
		u.seq++
		in := bot.Inbound{Channel: bot.Terminal, UserID: u.id, MessageID: strconv.Itoa(u.seq)}
		switch u.phase {
		case "", dialogue.PhaseWelcome, dialogue.PhaseClosing:
			in.Text = "/opnieuw"
			if u.phase == "" {
				in.Text = "/start"
			}
		case dialogue.PhaseConsentKeep, dialogue.PhaseConsentResearch:
			in.Choice, in.Prompt = "yes", u.prompt
		case dialogue.PhaseOffer:
			in.Choice, in.Prompt = "offer_link", u.prompt
		default:
			in.Choice, in.Prompt = strconv.Itoa(1+u.seq%5), u.prompt
		}
		return in
	}
	handled := func(u *user, res bot.Result) {
		u.phase = res.Phase
		for _, r := range res.Replies {
			if r.Prompt != "" {
				u.prompt = r.Prompt
			}
		}
		if res.Stored {
			s, err := db.Get(ctx, svc.Pseudonyms().Key(bot.Terminal, u.id))
			if err != nil {
				t.Fatalf("Get after a committed message: %v", err)
			}
			u.turns = s.Conv.Turns
		}
	}

	users := make([]*user, 20)
	for i := range users {
		users[i] = &user{id: fmt.Sprintf("citizen-%d", i)}
	}
	var failed *user
	for round := 0; round < 5000 && failed == nil; round++ {
		u := users[round%len(users)]
		in := next(u)
		res, err := svc.Handle(ctx, in)
		if err != nil {
			if !errors.Is(err, bot.ErrUnavailable) {
				t.Fatalf("Handle on a full disk: err=%v, want ErrUnavailable", err)
			}
			u.pending, failed = &in, u
			break
		}
		handled(u, res)
	}
	if failed == nil {
		t.Fatal("the disk never filled up")
	}
	t.Logf("disk full after %d committed turns", func() (n int) {
		for _, u := range users {
			n += u.turns
		}
		return n
	}())

	// The store itself says why.
	err = db.Update(ctx, "s-direct", func(s *bot.Session) error {
		s.Conv.Consent.Keep = &dialogue.Decision{Given: true}
		s.Conv.Steps = make([]dialogue.Step, 2000)
		return nil
	})
	if !errors.Is(err, bot.ErrUnavailable) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Update on a full disk: err=%v, want ErrUnavailable wrapping ENOSPC", err)
	}

	// Free space: the message that failed is delivered again and applied once.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Handle(ctx, *failed.pending)
	if err != nil {
		t.Fatalf("Handle after freeing space: %v", err)
	}
	if res.Duplicate {
		t.Fatalf("the failed message counts as handled: it was not committed")
	}
	before := failed.turns
	handled(failed, res)
	if before != 0 && failed.turns != before+1 {
		t.Fatalf("turns=%d after the redelivered message, want %d", failed.turns, before+1)
	}
	if res, err = svc.Handle(ctx, *failed.pending); err != nil || !res.Duplicate {
		t.Fatalf("second delivery: duplicate=%v err=%v, want a recognised duplicate", res.Duplicate, err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Reopen: every committed conversation is there, as committed.
	db, err = bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	for _, u := range users {
		s, err := db.Get(ctx, svc.Pseudonyms().Key(bot.Terminal, u.id))
		switch {
		case u.turns == 0 && errors.Is(err, bot.ErrNotFound):
		case err != nil:
			t.Fatalf("%s: %v (committed turns %d)", u.id, err, u.turns)
		case s.Conv.Turns != u.turns:
			t.Fatalf("%s: turns=%d after reopen, want %d as committed", u.id, s.Conv.Turns, u.turns)
		}
	}
}
