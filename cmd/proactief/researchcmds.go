package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/proactief/proactief/research"
	"github.com/proactief/proactief/store/bolt"
)

func init() {
	register(command{name: "export", summary: "export research transcripts (research consent only) as JSON lines or CSV", run: runExport})
	register(command{name: "report", summary: "print the study's table computed from research transcripts", run: runReport})
	register(command{name: "audit", summary: "print the log of research exports and reports", run: runAudit})
}

// researchFlags are the flags export and report share.
type researchFlags struct {
	db, since, until, who string
	includeTest           bool
	segment               int
	channel, source       string
}

func (r *researchFlags) add(env *Env, fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
	IntVar(*int, string, int, string)
}) {
	fs.StringVar(&r.db, "db", defaultDBPath(env), "bbolt database file (env PROACTIEF_DB)")
	fs.StringVar(&r.since, "since", "", "only conversations that started on or after this day (YYYY-MM-DD)")
	fs.StringVar(&r.until, "until", "", "only conversations that started on or before this day (YYYY-MM-DD)")
	fs.BoolVar(&r.includeTest, "include-test", false, "include staff test conversations")
	fs.IntVar(&r.segment, "segment", 0, "only conversations assigned this segment (1-3; 0 = any)")
	fs.StringVar(&r.channel, "channel", "", "only this channel (terminal, telegram, mattermost)")
	fs.StringVar(&r.source, "source", "", "only this campaign source")
	fs.StringVar(&r.who, "who", "", "who runs this, for the audit log (default $USER)")
}

// filter turns the flags into a research.Filter; bad dates are an error a
// person can act on.
func (r *researchFlags) filter() (research.Filter, error) {
	f := research.Filter{IncludeTest: r.includeTest, Segment: r.segment, Channel: r.channel, Source: r.source}
	var err error
	if f.Since, err = parseDay("--since", r.since); err != nil {
		return f, err
	}
	if f.Until, err = parseDay("--until", r.until); err != nil {
		return f, err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return f, fmt.Errorf("--until %s is before --since %s", r.until, r.since)
	}
	if f.Segment < 0 || f.Segment > 3 {
		return f, fmt.Errorf("--segment %d: use 1, 2 or 3 (0 = any)", f.Segment)
	}
	return f, nil
}

func (r *researchFlags) whoami(env *Env) string {
	for _, w := range []string{r.who, env.Getenv("USER"), env.Getenv("LOGNAME")} {
		if w = strings.TrimSpace(w); w != "" {
			return w
		}
	}
	return "unknown"
}

func parseDay(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a date; use YYYY-MM-DD, e.g. 2026-11-02", flag, s)
	}
	return t, nil
}

// auditPath is the audit log next to the database.
func auditPath(dbPath string) string { return dbPath + ".audit.log" }

// openResearch opens the database read-only (bbolt lets readers share the
// file but not with the writer, so a running serve or chat is reported as
// such) and the audit log: no research command reads data without it.
func openResearch(path string) (*bolt.DB, *research.Audit, func(), error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil, fmt.Errorf("no database at %s; give its path with --db", path)
	}
	db, err := openBolt(path, true)
	if err != nil {
		return nil, nil, nil, err
	}
	audit, err := research.OpenAudit(auditPath(path))
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, audit, func() { audit.Close(); db.Close() }, nil
}

func runExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "export", "export --db PATH [--format jsonl|csv] [--since DATE] [--until DATE] [--include-test] [--out FILE [--force]] [--who NAME]")
	var rf researchFlags
	rf.add(env, fs)
	format := fs.String("format", "jsonl", "jsonl (one conversation per line) or csv (one row per conversation)")
	out := fs.String("out", "", "write to FILE (mode 0600) instead of standard output; an existing FILE only with --force")
	force := fs.Bool("force", false, "with --out: replace an existing file")
	completed := fs.String("completed", "", "only conversations that reached the offer (yes) or not (no)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f, err := rf.filter()
	if err != nil {
		return err
	}
	switch *completed {
	case "":
	case "yes", "no":
		b := *completed == "yes"
		f.Completed = &b
	default:
		return fmt.Errorf("--completed %q: use yes or no", *completed)
	}
	write := research.WriteJSONL
	switch *format {
	case "jsonl":
	case "csv":
		write = research.WriteCSV
	default:
		return fmt.Errorf("--format %q: use jsonl or csv", *format)
	}

	if *out != "" && !*force {
		if _, err := os.Lstat(*out); err == nil {
			return fmt.Errorf("--out %s exists; choose another file, or add --force to replace it", *out)
		}
	}
	if fi, err := os.Stat(*out); *out != "" && err == nil && fi.IsDir() {
		return fmt.Errorf("--out %s is a directory; give a file name", *out)
	}

	// The audit log is opened first: no export without an entry.
	db, audit, closeFn, err := openResearch(rf.db)
	if err != nil {
		return err
	}
	defer closeFn()

	cs, err := research.Load(ctx, db, f)
	if err != nil {
		return err
	}
	who := rf.whoami(env)
	dest := "stdout"
	if *out != "" {
		dest = *out
	}
	logged := func() error {
		detail := fmt.Sprintf("format=%s filter=%s out=%s", *format, f, dest)
		if err := audit.Log(who, "export", detail, len(cs)); err != nil {
			return fmt.Errorf("export not logged, so not given out: %w", err)
		}
		return nil
	}
	// The entry is written before the data leaves: into place for --out,
	// to standard output otherwise.
	if *out != "" {
		err := writeFileAtomic(*out, func(w io.Writer) error {
			if err := write(w, cs); err != nil {
				return err
			}
			return logged()
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "exported %d conversations to %s\n", len(cs), *out)
		return nil
	}
	var buf bytes.Buffer
	if err := write(&buf, cs); err != nil {
		return err
	}
	if err := logged(); err != nil {
		return err
	}
	_, err = buf.WriteTo(env.Stdout)
	return err
}

// writeFileAtomic writes a new file of mode 0600 next to path with fn and,
// when fn succeeds, renames it into place: a failed export leaves no file.
func writeFileAtomic(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".export-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func runReport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "report", "report --db PATH [--since DATE] [--until DATE] [--include-test]")
	var rf researchFlags
	rf.add(env, fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f, err := rf.filter()
	if err != nil {
		return err
	}
	db, audit, closeFn, err := openResearch(rf.db)
	if err != nil {
		return err
	}
	defer closeFn()
	r, err := research.Compute(ctx, db, f)
	if err != nil {
		return err
	}
	if err := audit.Log(rf.whoami(env), "report", "filter="+f.String(), r.Conversations); err != nil {
		return err
	}
	return r.WriteText(env.Stdout)
}

func runAudit(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit", "audit --db PATH")
	db := fs.String("db", defaultDBPath(env), "bbolt database file whose audit log to print (env PROACTIEF_DB)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path := auditPath(*db)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(env.Stdout, "no audit log at %s: nothing was exported\n", path)
		return nil
	}
	a, err := research.OpenAudit(path)
	if err != nil {
		return err
	}
	defer a.Close()
	err = a.Read(func(e research.AuditEntry) error {
		_, err := fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%d\t%s\n", e.Time.Format(time.RFC3339), e.Who, e.Action, e.N, e.Detail)
		return err
	})
	var bad *research.BadLines
	if errors.As(err, &bad) {
		// Every readable entry was printed; say what was not.
		fmt.Fprintf(env.Stderr, "proactief audit: %v\n", bad)
		return nil
	}
	return err
}
