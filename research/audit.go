package research

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// ErrAuditClosed is returned by Audit.Log after Close.
var ErrAuditClosed = errors.New("audit log closed")

// AuditEntry is one line of the audit log: who did what, when, with how
// many records.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Who    string    `json:"who"`
	Action string    `json:"action"` // e.g. "export", "report"
	Detail string    `json:"detail,omitempty"`
	N      int       `json:"n"` // records (conversations) concerned
}

// Audit is an append-only log of what researchers took from the data: one
// JSON object per line in a file of mode 0600. It is safe for concurrent
// use within a process; each entry is one write on a file opened for
// appending, so entries of several processes do not interleave.
type Audit struct {
	path string
	mu   sync.Mutex
	f    *os.File
	now  func() time.Time
}

// OpenAudit opens the audit log at path for appending, creating it with
// mode 0600. An existing file readable by others is made 0600.
func OpenAudit(path string) (*Audit, error) {
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
	return &Audit{path: path, f: f, now: time.Now}, nil
}

// Path returns the log's file.
func (a *Audit) Path() string { return a.path }

// Log appends an entry and syncs it to disk. It returns ErrAuditClosed
// after Close.
func (a *Audit) Log(who, action, detail string, n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return ErrAuditClosed
	}
	line, err := json.Marshal(AuditEntry{Time: a.now().UTC().Truncate(time.Second), Who: who, Action: action, Detail: detail, N: n})
	if err != nil {
		return err
	}
	if _, err := a.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// Read calls fn for every entry, oldest first, until fn returns an error
// (which Read returns). A line that is not an entry is an error.
func (a *Audit) Read(fn func(AuditEntry) error) error {
	f, err := os.Open(a.path)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("audit log line %d: %w", line, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
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
