package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/research"
	"github.com/proactief/proactief/store/bolt"
)

// researchEnv is an Env with captured output and a fixed environment.
func researchEnv(vars map[string]string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}, &out, &errb
}

// researchSeed writes conversations into a new database through the real
// service: one with research consent full of identifiers, one that
// declined research, one staff test. It returns the database path.
func researchSeed(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "proactief.db")
	env, _, _ := researchEnv(nil)
	svc, _, _, closeFn, err := openService(context.Background(), env, path)
	if err != nil {
		t.Fatalf("openService: %v", err)
	}
	defer closeFn()
	conv := func(user string, staff, research bool, typed ...string) {
		c := &bottest.Citizen{H: svc, Channel: bot.Telegram, User: user, Staff: staff}
		msgs := append([]string{"/start", "#yes", map[bool]string{true: "#yes", false: "#no"}[research]}, typed...)
		for i := 0; i < 30; i++ {
			msgs = append(msgs, "#4")
		}
		for _, m := range append(msgs, "#offer_self") {
			if _, err := c.Say(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
	}
	conv("987654321", false, true, "ik heet Jan de Vries, bsn 111222333", "IBAN NL91ABNA0417164300", "bel 06-12345678 of jan@devries.nl", "Kerkstraat 12, 3511 AB")
	conv("555000111", false, false, "ik heet Piet Pietersma")
	conv("staff-42", true, true, "test test")
	return path
}

func TestExportCommand(t *testing.T) {
	db := researchSeed(t)
	ctx := context.Background()
	env, out, _ := researchEnv(map[string]string{"USER": "onderzoeker1"})
	if err := run(ctx, env, []string{"export", "--db", db}); err != nil {
		t.Fatalf("export: %v", err)
	}
	jsonl := out.String()
	if n := strings.Count(strings.TrimSpace(jsonl), "\n") + 1; n != 1 || !strings.Contains(jsonl, "[BSN]") {
		t.Fatalf("export has %d lines, want 1 conversation with redacted text:\n%s", n, jsonl)
	}

	file := filepath.Join(t.TempDir(), "export.csv")
	env, _, _ = researchEnv(nil)
	if err := run(ctx, env, []string{"export", "--db", db, "--format", "csv", "--include-test", "--out", file, "--who", "onderzoeker2"}); err != nil {
		t.Fatalf("export csv: %v", err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("export file mode=%v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(file)
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("CSV: %d records, err %v; want header + 2 (with the staff test)", len(recs), err)
	}

	for _, leak := range []string{"987654321", "555000111", "staff-42", "111222333", "NL91ABNA0417164300", "12345678", "devries", "Vries", "Pietersma", "Kerkstraat", "3511 AB"} {
		for name, s := range map[string]string{"jsonl": jsonl, "csv": string(data)} {
			if strings.Contains(s, leak) {
				t.Errorf("%s export contains %q", name, leak)
			}
		}
	}
	dbBytes, _ := os.ReadFile(db)
	for _, leak := range []string{"987654321", "555000111", "111222333", "NL91ABNA0417164300", "Pietersma", "Kerkstraat"} {
		if bytes.Contains(dbBytes, []byte(leak)) {
			t.Errorf("database file contains %q", leak)
		}
	}

	a, err := research.OpenAudit(db + ".audit.log")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var entries []research.AuditEntry
	if err := a.Read(func(e research.AuditEntry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d audit entries, want 2: %+v", len(entries), entries)
	}
	if e := entries[0]; e.Who != "onderzoeker1" || e.Action != "export" || e.N != 1 {
		t.Fatalf("first entry %+v", e)
	}
	if e := entries[1]; e.Who != "onderzoeker2" || e.N != 2 || !strings.Contains(e.Detail, "csv") || !strings.Contains(e.Detail, file) {
		t.Fatalf("second entry %+v", e)
	}
	if fi, err := os.Stat(db + ".audit.log"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode %v, err %v; want 0600", fi.Mode().Perm(), err)
	}

	env, out, _ = researchEnv(nil)
	if err := run(ctx, env, []string{"audit", "--db", db}); err != nil || strings.Count(out.String(), "\texport\t") != 2 {
		t.Fatalf("audit command: err %v\n%s", err, out.String())
	}
}

func TestReportCommand(t *testing.T) {
	db := researchSeed(t)
	env, out, _ := researchEnv(map[string]string{"USER": "onderzoeker1"})
	if err := run(context.Background(), env, []string{"report", "--db", db, "--include-test"}); err != nil {
		t.Fatalf("report: %v", err)
	}
	text := out.String()
	if !strings.Contains(text, "Segment sizes") || !strings.Contains(text, "<10") || strings.Contains(text, "(n=") {
		t.Fatalf("report with 2 conversations must show only suppressed cells:\n%s", text)
	}
}

func TestResearchCommandErrors(t *testing.T) {
	db := researchSeed(t)
	ctx := context.Background()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"export", "--db", db, "--since", "2026-13-01"}, "not a date"},
		{[]string{"export", "--db", db, "--until", "gisteren"}, "not a date"},
		{[]string{"export", "--db", db, "--since", "2026-11-05", "--until", "2026-11-01"}, "before --since"},
		{[]string{"export", "--db", db, "--format", "xlsx"}, "use jsonl or csv"},
		{[]string{"report", "--db", db, "--since", "02-11-2026"}, "YYYY-MM-DD"},
		{[]string{"export", "--db", filepath.Join(t.TempDir(), "none.db")}, "no database"},
	}
	for _, tt := range tests {
		env, out, errb := researchEnv(nil)
		err := run(ctx, env, tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err=%v, want %q", tt.args, err, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("%v: wrote output on error: %s", tt.args, out.String())
		}
		if !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: stderr %q lacks %q", tt.args, errb.String(), tt.want)
		}
	}
	if _, err := os.Stat(db + ".audit.log"); err == nil {
		t.Errorf("a failed command wrote the audit log")
	}
}

func TestExportWhileServing(t *testing.T) {
	db := researchSeed(t)
	writer, err := bolt.Open(db, bolt.Options{}) // as serve holds it
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	env, out, _ := researchEnv(nil)
	err = run(context.Background(), env, []string{"export", "--db", db})
	if err == nil || !strings.Contains(err.Error(), "in use by proactief") || !strings.Contains(err.Error(), "a copy made while it was stopped") {
		t.Fatalf("export while the db is in use: err=%v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("exported while in use")
	}
}

func TestExportNeedsAuditLog(t *testing.T) {
	db := researchSeed(t)
	if err := os.Mkdir(db+".audit.log", 0o700); err != nil { // cannot be opened as a file
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "out.jsonl")
	env, out, _ := researchEnv(nil)
	if err := run(context.Background(), env, []string{"export", "--db", db}); err == nil || out.Len() != 0 {
		t.Fatalf("export without audit log: err=%v, %d bytes out", err, out.Len())
	}
	if err := run(context.Background(), env, []string{"export", "--db", db, "--out", file}); err == nil {
		t.Fatalf("export to file without audit log succeeded")
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatalf("export file written without an audit entry")
	}
}
