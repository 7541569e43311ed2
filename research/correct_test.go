package research_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/research"
	"github.com/proactief/proactief/store/bolt"
	"github.com/proactief/proactief/store/etcd"
)

var (
	_ research.Corrector = (*bolt.DB)(nil)
	_ research.Corrector = (*etcd.Store)(nil)
)

// citizenTurn returns the seq and text of the first citizen turn of the
// only research conversation that contains want.
func citizenTurn(t *testing.T, s bot.Store, want string) (pseudonym string, seq int, text string) {
	t.Helper()
	cs, err := research.Load(context.Background(), s, research.Filter{IncludeTest: true})
	if err != nil {
		t.Fatalf("research.Load: %v", err)
	}
	for _, c := range cs {
		for _, tr := range c.Turns {
			if tr.From == "citizen" && strings.Contains(tr.Text, want) {
				return c.Pseudonym, tr.Seq, tr.Text
			}
		}
	}
	t.Fatalf("no citizen turn contains %q", want)
	return "", 0, ""
}

// TestRedactTurn: a researcher redacts a name that redaction at the source
// missed; every later load and export holds the corrected text, the file
// keeps no copy of the name, and the audit log records the action without
// the name.
func TestRedactTurn(t *testing.T) {
	h := newHarness(t)
	h.start("u1", true, true)
	h.say("u1", "ik zag kwabena gisteren bij de markt")
	ctx := context.Background()
	pseudonym, seq, text := citizenTurn(t, h.db, "kwabena")
	if !strings.Contains(text, "kwabena") {
		t.Fatalf("precondition: the name was already redacted: %q", text)
	}
	audit, err := research.OpenAudit(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()

	if err := research.RedactTurn(ctx, h.db, audit, "onderzoeker", pseudonym, seq, "Kwabena", "NAAM"); err != nil {
		t.Fatalf("research.RedactTurn: %v", err)
	}
	_, _, got := citizenTurn(t, h.db, "markt")
	if want := "ik zag [NAAM] gisteren bij de markt"; got != want {
		t.Errorf("turn after redaction = %q, want %q", got, want)
	}
	cs, err := research.Load(ctx, h.db, research.Filter{IncludeTest: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := research.WriteJSONL(&out, cs); err != nil {
		t.Fatal(err)
	}
	if err := research.WriteCSV(&out, cs); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ToLower(out.Bytes()), []byte("kwabena")) {
		t.Errorf("an export still holds the name")
	}
	h.close()
	raw, err := os.ReadFile(h.path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("kwabena")) {
		t.Errorf("the database file still holds the name")
	}
	var entries []research.AuditEntry
	if err := audit.Read(func(e research.AuditEntry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "redact" || entries[0].Who != "onderzoeker" || !strings.Contains(entries[0].Detail, pseudonym) {
		t.Errorf("audit entries = %+v, want one redact entry by onderzoeker for %s", entries, pseudonym)
	}
	logged, _ := os.ReadFile(audit.Path())
	if bytes.Contains(bytes.ToLower(logged), []byte("kwabena")) {
		t.Errorf("the audit log holds the name")
	}
}

func TestRedactTurnErrors(t *testing.T) {
	h := newHarness(t)
	h.start("u1", true, true)
	h.say("u1", "ik zag kwabena bij de markt")
	ctx := context.Background()
	pseudonym, seq, text := citizenTurn(t, h.db, "kwabena")
	audit, err := research.OpenAudit(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()

	tests := []struct {
		name       string
		seq        int
		piece, tag string
		want       error
	}{
		{"not in the message", seq, "marjolein", "NAAM", research.ErrPieceNotFound},
		{"empty", seq, "  ", "NAAM", research.ErrBadPiece},
		{"a tag", seq, "[NAAM]", "NAAM", research.ErrBadPiece},
		{"too long", seq, strings.Repeat("x", research.MaxPiece+1), "NAAM", research.ErrBadPiece},
		{"unknown tag", seq, "kwabena", "GEHEIM", research.ErrBadTag},
		{"no such turn", seq + 1000, "kwabena", "NAAM", bot.ErrNotFound},
	}
	for _, tt := range tests {
		if err := research.RedactTurn(ctx, h.db, audit, "r", pseudonym, tt.seq, tt.piece, tt.tag); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, _, got := citizenTurn(t, h.db, "markt"); got != text {
		t.Errorf("failed redactions changed the turn: %q, want %q", got, text)
	}

	// a read-only copy, as "proactief review" opens it, cannot be corrected
	h.close()
	ro, err := bolt.Open(h.path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := research.RedactTurn(ctx, ro, audit, "r", pseudonym, seq, "kwabena", "NAAM"); !errors.Is(err, bot.ErrReadOnly) {
		t.Errorf("read-only store: err = %v, want ErrReadOnly", err)
	}
	// a store that cannot correct at all
	if err := research.RedactTurn(ctx, struct{ bot.Store }{ro}, audit, "r", pseudonym, seq, "kwabena", "NAAM"); !errors.Is(err, research.ErrCannotCorrect) {
		t.Errorf("store without CorrectResearch: err = %v, want research.ErrCannotCorrect", err)
	}
}
