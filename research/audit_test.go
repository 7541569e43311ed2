package research_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/research"
)

func readAll(t *testing.T, a *research.Audit) ([]research.AuditEntry, error) {
	t.Helper()
	var got []research.AuditEntry
	err := a.Read(func(e research.AuditEntry) error { got = append(got, e); return nil })
	return got, err
}

// TestAuditBoundsFields: a huge field cannot make the log unreadable.
func TestAuditBoundsFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	a, err := research.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	huge := "bron=" + strings.Repeat("ü", 95000) // 190,000 bytes
	if err := a.Log(strings.Repeat("w", 5000), strings.Repeat("x", 500), huge, 1); err != nil {
		t.Fatal(err)
	}
	if err := a.Log("next", "report", "", 2); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, a)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(got) != 2 || got[1].Who != "next" {
		t.Fatalf("read %d entries, want 2", len(got))
	}
	e := got[0]
	if len(e.Who) > research.MaxAuditWho || len(e.Action) > research.MaxAuditAction || len(e.Detail) > research.MaxAuditDetail {
		t.Fatalf("fields of %d, %d, %d bytes, want at most %d, %d, %d", len(e.Who), len(e.Action), len(e.Detail), research.MaxAuditWho, research.MaxAuditAction, research.MaxAuditDetail)
	}
	if !strings.HasSuffix(e.Detail, "…") || !strings.HasPrefix(e.Detail, "bron=ü") {
		t.Fatalf("detail %q… not cut visibly", e.Detail[:20])
	}
}

// TestAuditSkipsBadLines: a line too long or not JSON (from an older
// program, a crash or a hand edit) is skipped and reported; the rest is
// read.
func TestAuditSkipsBadLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	a, err := research.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Log("eerste", "export", "", 1)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "{\"time\":\"2026-12-05T10:00:00Z\",\"who\":\"a\",\"action\":\"export\",\"detail\":\"%s\",\"n\":1}\n", strings.Repeat("x", 1100000))
	fmt.Fprintf(f, "{\"half\n")
	f.Close()
	a.Log("laatste", "report", "", 2)
	got, err := readAll(t, a)
	var bad *research.BadLines
	if !errors.As(err, &bad) || len(bad.Lines) != 2 || bad.Lines[0] != 2 || bad.Lines[1] != 3 {
		t.Fatalf("Read: err=%v, want BadLines of lines 2 and 3", err)
	}
	if len(got) != 2 || got[0].Who != "eerste" || got[1].Who != "laatste" {
		t.Fatalf("entries %+v, want eerste and laatste", got)
	}
}

// TestAuditForget: after an erasure the log keeps who did what and when,
// but not whose conversation it was; writers of other handles lose
// nothing while it is rewritten.
func TestAuditForget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	a, err := research.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	other, err := research.OpenAudit(path) // another process, in effect
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	gone, kept := "r-0123456789abcdef01234567", "r-fedcba9876543210fedcba98"
	a.Log("onderzoeker1", "view", gone, 1)
	a.Log("onderzoeker1", "review", gone, 1)
	a.Log("onderzoeker2", "view", kept, 1)

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := other.Log("parallel", "view", fmt.Sprint(i), 1); err != nil {
				t.Error(err)
			}
		}()
	}
	if err := a.Forget(gone); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	bottest.FileLacks(t, path, gone)
	got, err := readAll(t, a)
	if err != nil {
		t.Fatal(err)
	}
	var parallel, erased, erasure int
	for _, e := range got {
		switch {
		case e.Who == "parallel":
			parallel++
		case e.Detail == research.Erased:
			erased++
			if e.Who != "onderzoeker1" || e.Time.IsZero() {
				t.Errorf("erased entry lost who or when: %+v", e)
			}
		case e.Action == "erasure":
			erasure++
			if e.N != 2 {
				t.Errorf("erasure entry n=%d, want 2", e.N)
			}
		}
	}
	if parallel != 50 || erased != 2 || erasure != 1 {
		t.Fatalf("parallel=%d erased=%d erasure=%d, want 50, 2, 1", parallel, erased, erasure)
	}
	if !strings.Contains(fmt.Sprint(got), kept) {
		t.Fatalf("the pseudonym of a kept conversation was removed")
	}

	// Retain removes every pseudonym whose records are gone.
	if err := a.Retain(func(p string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	bottest.FileLacks(t, path, gone, kept)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after rewrite, want 0600", fi.Mode().Perm())
	}
}
