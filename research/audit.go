package research

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ErrAuditClosed is returned by Audit.Log after Close.
var ErrAuditClosed = errors.New("audit log closed")

// Bounds of what an entry keeps, in bytes: a longer field is cut (with
// "…"), so that nobody can make a line too long to read back.
const (
	MaxAuditWho    = 100
	MaxAuditAction = 40
	MaxAuditDetail = 1000
)

// maxAuditLine is the longest line Read reads; a longer one (from a file
// written before the bounds) is skipped and reported.
const maxAuditLine = 64 << 10

// Erased is what replaces an erased person's pseudonym in the audit log.
const Erased = "[gewist]"

// AuditEntry is one line of the audit log: who did what, when, with how
// many records.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Who    string    `json:"who"`
	Action string    `json:"action"` // e.g. "export", "report"
	Detail string    `json:"detail,omitempty"`
	N      int       `json:"n"` // records (conversations) concerned
}

// BadLines is returned by Audit.Read, after every readable entry was read,
// when some lines of the file are not entries (cut off by a crash, edited
// by hand, or longer than any entry can be).
type BadLines struct {
	Lines []int // line numbers, from 1
}

func (b *BadLines) Error() string {
	var nums []string
	for i, n := range b.Lines {
		if i == 5 {
			nums = append(nums, "…")
			break
		}
		nums = append(nums, strconv.Itoa(n))
	}
	return fmt.Sprintf("audit log: %d unreadable line(s) skipped (line %s)", len(b.Lines), strings.Join(nums, ", "))
}

// Audit is an append-only log of what researchers took from the data: one
// JSON object per line in a file of mode 0600. It is safe for concurrent
// use, also by several processes: each entry is one write under an
// exclusive lock of the file, and Forget and Retain rewrite it under the
// same lock.
type Audit struct {
	path string
	mu   sync.Mutex
	f    *os.File
	now  func() time.Time
}

// OpenAudit opens the audit log at path for appending, creating it with
// mode 0600. An existing file readable by others is made 0600.
func OpenAudit(path string) (*Audit, error) {
	f, err := openAuditFile(path)
	if err != nil {
		return nil, err
	}
	return &Audit{path: path, f: f, now: time.Now}, nil
}

func openAuditFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("open audit log: %w", err)
		}
	}
	return f, nil
}

// Path returns the log's file.
func (a *Audit) Path() string { return a.path }

// cut bounds s to max bytes on a rune boundary, marking a cut with "…".
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max - len("…")
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Log appends an entry and syncs it to disk; each field is cut to its
// bound (MaxAuditWho, MaxAuditAction, MaxAuditDetail). It returns
// ErrAuditClosed after Close.
func (a *Audit) Log(who, action, detail string, n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return ErrAuditClosed
	}
	e := AuditEntry{Time: a.now().UTC().Truncate(time.Second), Who: cut(who, MaxAuditWho), Action: cut(action, MaxAuditAction), Detail: cut(detail, MaxAuditDetail), N: n}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := a.lockCurrent(); err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	defer unlockFile(a.f)
	if _, err := a.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// lockCurrent locks a.f exclusively, reopening it first when Forget or
// Retain (of this or another process) replaced the file. a.mu is held.
func (a *Audit) lockCurrent() error {
	for range 10 {
		if err := lockFile(a.f); err != nil {
			return err
		}
		if sameFile(a.f, a.path) {
			return nil
		}
		unlockFile(a.f)
		f, err := openAuditFile(a.path)
		if err != nil {
			return err
		}
		a.f.Close()
		a.f = f
	}
	return errors.New("audit log keeps being replaced")
}

func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// Read calls fn for every entry, oldest first, until fn returns an error
// (which Read returns). Lines that are not entries are skipped; when there
// were any, Read returns a *BadLines after the last entry.
func (a *Audit) Read(fn func(AuditEntry) error) error {
	f, err := os.Open(a.path)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	defer f.Close()
	var bad BadLines
	err = eachLine(f, func(n int, line []byte, tooLong bool) error {
		if len(line) == 0 && !tooLong {
			return nil
		}
		var e AuditEntry
		if tooLong || json.Unmarshal(line, &e) != nil {
			bad.Lines = append(bad.Lines, n)
			return nil
		}
		return fn(e)
	})
	if err != nil {
		return err
	}
	if len(bad.Lines) > 0 {
		return &bad
	}
	return nil
}

// eachLine calls fn for every line of r (without its newline); a line
// longer than maxAuditLine is passed empty with tooLong set, and is never
// held in memory whole.
func eachLine(r io.Reader, fn func(n int, line []byte, tooLong bool) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for n := 1; ; n++ {
		buf = buf[:0]
		tooLong := false
		for {
			part, isPrefix, err := br.ReadLine()
			if err == io.EOF {
				if len(buf) > 0 || tooLong {
					return fn(n, buf, tooLong)
				}
				return nil
			}
			if err != nil {
				return fmt.Errorf("read audit log: %w", err)
			}
			if !tooLong {
				if len(buf)+len(part) > maxAuditLine {
					tooLong, buf = true, buf[:0]
				} else {
					buf = append(buf, part...)
				}
			}
			if !isPrefix {
				break
			}
		}
		if err := fn(n, buf, tooLong); err != nil {
			return err
		}
	}
}

// pseudonymPattern is the shape of a research pseudonym (bot.Pseudonymizer).
var pseudonymPattern = regexp.MustCompile(`\br-[0-9a-f]{24}\b`)

// Forget replaces pseudonym by Erased in every entry, and appends an entry
// that says an erasure happened (who "proactief", action "erasure", with
// the number of entries changed), without saying whose. It rewrites the
// file in place of the old one (see docs/research.md for what the log
// keeps after an erasure, and why).
func (a *Audit) Forget(pseudonym string) error {
	if pseudonym == "" {
		return nil
	}
	return a.rewrite(func(e *AuditEntry) bool {
		changed := false
		for _, f := range []*string{&e.Who, &e.Detail} {
			if strings.Contains(*f, pseudonym) {
				*f = strings.ReplaceAll(*f, pseudonym, Erased)
				changed = true
			}
		}
		return changed
	})
}

// Retain replaces by Erased every research pseudonym in the log for which
// live returns false: those whose records are gone (erased, or removed by
// the retention sweep). It appends an erasure entry when it changed any.
func (a *Audit) Retain(live func(pseudonym string) bool) error {
	return a.rewrite(func(e *AuditEntry) bool {
		changed := false
		for _, f := range []*string{&e.Who, &e.Detail} {
			*f = pseudonymPattern.ReplaceAllStringFunc(*f, func(p string) string {
				if live(p) {
					return p
				}
				changed = true
				return Erased
			})
		}
		return changed
	})
}

// rewrite applies change to every entry and, when it changed any, writes
// the log anew (a temporary file renamed into place, under the lock) with
// an erasure entry at the end. Lines that are not entries are kept as
// they are unless they hold a pseudonym change would remove, which is
// judged on the raw line.
func (a *Audit) rewrite(change func(*AuditEntry) bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return ErrAuditClosed
	}
	if err := a.lockCurrent(); err != nil {
		return fmt.Errorf("rewrite audit log: %w", err)
	}
	defer unlockFile(a.f)
	in, err := os.Open(a.path)
	if err != nil {
		return fmt.Errorf("rewrite audit log: %w", err)
	}
	defer in.Close()
	var out bytes.Buffer
	changed := 0
	err = eachLine(in, func(_ int, line []byte, tooLong bool) error {
		if tooLong {
			return nil // unreadable, and of unknown content: dropped
		}
		var e AuditEntry
		if len(line) == 0 {
			return nil
		}
		if json.Unmarshal(line, &e) != nil {
			// Not an entry: judge the raw text as the detail of one.
			raw := AuditEntry{Detail: string(line)}
			if change(&raw) {
				changed++
				line = []byte(raw.Detail)
			}
			out.Write(line)
			out.WriteByte('\n')
			return nil
		}
		if change(&e) {
			changed++
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			line = b
		}
		out.Write(line)
		out.WriteByte('\n')
		return nil
	})
	if err != nil {
		return err
	}
	if changed == 0 {
		return nil
	}
	b, err := json.Marshal(AuditEntry{Time: a.now().UTC().Truncate(time.Second), Who: "proactief", Action: "erasure", Detail: "pseudonym of erased research records removed from earlier entries", N: changed})
	if err != nil {
		return err
	}
	out.Write(append(b, '\n'))
	tmp, err := os.CreateTemp(filepath.Dir(a.path), ".audit-*")
	if err != nil {
		return fmt.Errorf("rewrite audit log: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("rewrite audit log: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("rewrite audit log: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("rewrite audit log: %w", err)
	}
	if err := os.Rename(tmp.Name(), a.path); err != nil {
		return fmt.Errorf("rewrite audit log: %w", err)
	}
	if d, err := os.Open(filepath.Dir(a.path)); err == nil {
		d.Sync()
		d.Close()
	}
	// Writers of this and other processes see the new file at their next
	// entry (lockCurrent).
	return nil
}

// Close closes the log.
func (a *Audit) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return nil
	}
	err := a.f.Close()
	a.f = nil
	return err
}
