// Package bolt implements bot.Store on a bbolt file: sessions, consent (in
// the session), processed-message marks and research records, with a schema
// version in the file.
//
// # Caveats
//
//   - bbolt keeps freed pages as they were. So that erasure leaves no trace,
//     every transaction that erases a person's data is followed by a
//     compaction that rewrites the file without the freed pages (unless
//     Options.KeepFreedPages). Keys are keyed pseudonyms, never raw ids.
//   - One process at a time: a second one gets bot.ErrInUse after
//     Options.Timeout.
//   - Writes are grouped (bbolt's Batch): several conversations share one
//     fsync. A write returns only after its group is durable.
package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	bbolt "go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"

	"github.com/proactief/proactief/bot"
)

// SchemaVersion is the layout of the file this package writes.
const SchemaVersion = 1

// Errors of this package.
var (
	// ErrSchema is returned by Open for a file written by a newer proactief.
	ErrSchema = errors.New("database was written by a newer version of proactief")
	// ErrCorrupt is returned by Open when the file is not a readable
	// proactief database (truncated, corrupted or another kind of file).
	ErrCorrupt = errors.New("database file is damaged or not a proactief database")
)

var (
	bucketMeta     = []byte("meta")
	bucketSessions = []byte("sessions")
	bucketResearch = []byte("research")
	bucketTallies  = []byte("tallies")
	keySchema      = []byte("schema")
)

// Options configure Open. The zero value works.
type Options struct {
	// Timeout is how long Open waits for the file lock; 0 means 1 second.
	Timeout time.Duration
	// ReadOnly opens the file for reading only; writes return bot.ErrReadOnly.
	ReadOnly bool
	// MaxBatchDelay is how long a write waits to share a commit with others;
	// 0 means 2ms.
	MaxBatchDelay time.Duration
	// KeepFreedPages skips the compaction after erasure (faster, but erased
	// bytes may stay in free pages of the file until they are reused).
	KeepFreedPages bool
}

// DB is a bot.Store on a bbolt file.
type DB struct {
	path string
	opts Options
	gate sync.RWMutex // writers of the handle (compaction) take it exclusively
	db   *bbolt.DB
}

var _ bot.Store = (*DB)(nil)

// Open opens or creates the database file at path (mode 0600) and its
// buckets. It returns an error wrapping bot.ErrInUse when another process
// holds the file, ErrCorrupt for a damaged file and ErrSchema for a newer one.
func Open(path string, opts Options) (*DB, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.MaxBatchDelay <= 0 {
		opts.MaxBatchDelay = 2 * time.Millisecond
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	d := &DB{path: path, opts: opts}
	if err := d.open(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *DB) open() (err error) {
	defer func() {
		// bbolt may panic on some damaged files; that is a damaged file.
		if r := recover(); r != nil {
			err = fmt.Errorf("open %s: %w (%v)", d.path, ErrCorrupt, r)
		}
	}()
	if err := preflight(d.path); err != nil {
		if errors.Is(err, ErrCorrupt) {
			return fmt.Errorf("open %s: %w", d.path, err)
		}
		return fmt.Errorf("open %s: %w", d.path, err)
	}
	db, err := bbolt.Open(d.path, 0o600, &bbolt.Options{Timeout: d.opts.Timeout, ReadOnly: d.opts.ReadOnly})
	switch {
	case errors.Is(err, bberrors.ErrTimeout):
		return fmt.Errorf("open %s: %w", d.path, bot.ErrInUse)
	case errors.Is(err, bberrors.ErrInvalid), errors.Is(err, bberrors.ErrVersionMismatch), errors.Is(err, bberrors.ErrChecksum), errors.Is(err, bberrors.ErrInvalidMapping):
		return fmt.Errorf("open %s: %w (%v)", d.path, ErrCorrupt, err)
	case err != nil:
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("open %s: %w", d.path, err)
		}
		return fmt.Errorf("open %s: %w (%v)", d.path, ErrCorrupt, err)
	}
	db.MaxBatchDelay = d.opts.MaxBatchDelay
	if err := d.check(db); err != nil {
		db.Close()
		return fmt.Errorf("open %s: %w", d.path, err)
	}
	d.db = db
	return nil
}

// check verifies the schema version and creates the buckets.
func (d *DB) check(db *bbolt.DB) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w (%v)", ErrCorrupt, r)
		}
	}()
	if d.opts.ReadOnly {
		return db.View(func(tx *bbolt.Tx) error {
			m := tx.Bucket(bucketMeta)
			if m == nil {
				return fmt.Errorf("%w: no schema", ErrCorrupt)
			}
			return checkSchema(m.Get(keySchema))
		})
	}
	return db.Update(func(tx *bbolt.Tx) error {
		m, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return fmt.Errorf("%w (%v)", ErrCorrupt, err)
		}
		if v := m.Get(keySchema); v != nil {
			if err := checkSchema(v); err != nil {
				return err
			}
		} else if err := m.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return storeErr(err)
		}
		for _, b := range [][]byte{bucketSessions, bucketResearch, bucketTallies} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("%w (%v)", ErrCorrupt, err)
			}
		}
		return nil
	})
}

func checkSchema(v []byte) error {
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return fmt.Errorf("%w: schema %q", ErrCorrupt, v)
	}
	if n > SchemaVersion {
		return fmt.Errorf("%w: schema %d, this program knows %d", ErrSchema, n, SchemaVersion)
	}
	return nil
}

// storeErr marks write failures (disk full, I/O errors) as bot.ErrUnavailable.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, bberrors.ErrDatabaseReadOnly) {
		return bot.ErrReadOnly
	}
	var pe *os.PathError
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EIO) || errors.As(err, &pe) || errors.Is(err, bberrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", bot.ErrUnavailable, err)
	}
	return err
}

// Path returns the file's path.
func (d *DB) Path() string { return d.path }

// Get implements bot.Store.
func (d *DB) Get(ctx context.Context, key string) (*bot.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.gate.RLock()
	defer d.gate.RUnlock()
	var s *bot.Session
	err := d.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketSessions).Get([]byte(key))
		if v == nil {
			return bot.ErrNotFound
		}
		var err error
		s, err = decodeSession(v)
		return err
	})
	if err != nil {
		if errors.Is(err, bot.ErrNotFound) {
			return nil, fmt.Errorf("get session %s: %w", key, err)
		}
		return nil, fmt.Errorf("get session %s: %w", key, err)
	}
	return s, nil
}

// decodeSession reads a stored session; bytes that do not decode are an
// error, never a panic.
func decodeSession(v []byte) (*bot.Session, error) {
	var s bot.Session
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	return &s, nil
}

// DecodeSession is decodeSession for fuzzing and tools.
func DecodeSession(v []byte) (*bot.Session, error) { return decodeSession(v) }

// Update implements bot.Store. Writes from many conversations share commits
// (bbolt Batch), so fn may run more than once.
func (d *DB) Update(ctx context.Context, key string, fn func(*bot.Session) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.opts.ReadOnly {
		return bot.ErrReadOnly
	}
	erased := false
	d.gate.RLock()
	err := d.db.Batch(func(tx *bbolt.Tx) error {
		erased = false
		sb := tx.Bucket(bucketSessions)
		var s *bot.Session
		if v := sb.Get([]byte(key)); v != nil {
			var err error
			if s, err = decodeSession(v); err != nil {
				return fmt.Errorf("session %s: %w", key, err)
			}
		} else {
			s = &bot.Session{Key: key}
		}
		existed := s.Version > 0
		if err := fn(s); err != nil {
			return err
		}
		s.Key = key
		rb := tx.Bucket(bucketResearch)
		if s.EraseResearch != "" {
			n, err := deletePrefix(rb, []byte(s.EraseResearch+"/"))
			if err != nil {
				return err
			}
			erased = erased || n > 0
		}
		for _, t := range s.ResearchOut {
			v, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if err := rb.Put(researchKey(t.Pseudonym, t.Seq), v); err != nil {
				return err
			}
		}
		if !s.Persistent() {
			if existed {
				erased = true
				return sb.Delete([]byte(key))
			}
			return nil
		}
		s.Version++
		v, err := json.Marshal(s)
		if err != nil {
			return err
		}
		return sb.Put([]byte(key), v)
	})
	d.gate.RUnlock()
	if err != nil {
		return fmt.Errorf("update session %s: %w", key, storeErr(err))
	}
	if erased {
		return d.afterErase()
	}
	return nil
}

func researchKey(pseudonym string, seq int) []byte {
	return []byte(fmt.Sprintf("%s/%012d", pseudonym, seq))
}

func deletePrefix(b *bbolt.Bucket, prefix []byte) (int, error) {
	c := b.Cursor()
	var keys [][]byte
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// Delete implements bot.Store.
func (d *DB) Delete(ctx context.Context, key, research string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.opts.ReadOnly {
		return bot.ErrReadOnly
	}
	d.gate.RLock()
	err := d.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketSessions).Delete([]byte(key)); err != nil {
			return err
		}
		if research != "" {
			if _, err := deletePrefix(tx.Bucket(bucketResearch), []byte(research+"/")); err != nil {
				return err
			}
		}
		return nil
	})
	d.gate.RUnlock()
	if err != nil {
		return fmt.Errorf("delete session %s: %w", key, storeErr(err))
	}
	return d.afterErase()
}

// Sweep implements bot.Store.
func (d *DB) Sweep(ctx context.Context, sessionsBefore, researchBefore time.Time) (int, int, error) {
	if d.opts.ReadOnly {
		return 0, 0, bot.ErrReadOnly
	}
	var ns, nr int
	cutoffDay := bot.Day(researchBefore)
	d.gate.RLock()
	err := d.db.Update(func(tx *bbolt.Tx) error {
		sb := tx.Bucket(bucketSessions)
		var old [][]byte
		err := sb.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			s, err := decodeSession(v)
			if err != nil || s.Conv.Updated.Before(sessionsBefore) {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := sb.Delete(k); err != nil {
				return err
			}
		}
		ns = len(old)
		rb := tx.Bucket(bucketResearch)
		old = old[:0]
		err = rb.ForEach(func(k, v []byte) error {
			var t bot.ResearchTurn
			if json.Unmarshal(v, &t) != nil || t.Day < cutoffDay {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := rb.Delete(k); err != nil {
				return err
			}
		}
		nr = len(old)
		return nil
	})
	d.gate.RUnlock()
	if err != nil {
		return 0, 0, fmt.Errorf("sweep: %w", storeErr(err))
	}
	if ns+nr > 0 {
		if err := d.afterErase(); err != nil {
			return ns, nr, err
		}
	}
	return ns, nr, nil
}

// Research implements bot.Store.
func (d *DB) Research(ctx context.Context, fn func(bot.ResearchTurn) error) error {
	d.gate.RLock()
	defer d.gate.RUnlock()
	return d.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketResearch).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var t bot.ResearchTurn
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("research record %q: %w", k, err)
			}
			return fn(t)
		})
	})
}

// Sessions implements bot.Store.
func (d *DB) Sessions(ctx context.Context, fn func(*bot.Session) error) error {
	d.gate.RLock()
	defer d.gate.RUnlock()
	return d.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			s, err := decodeSession(v)
			if err != nil {
				return fmt.Errorf("session %s: %w", k, err)
			}
			return fn(s)
		})
	})
}

// Tally implements bot.Store.
func (d *DB) Tally(ctx context.Context, deltas map[string]int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.opts.ReadOnly {
		return bot.ErrReadOnly
	}
	if len(deltas) == 0 {
		return nil
	}
	d.gate.RLock()
	defer d.gate.RUnlock()
	err := d.db.Batch(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTallies)
		for k, dv := range deltas {
			n, _ := strconv.Atoi(string(b.Get([]byte(k))))
			if err := b.Put([]byte(k), []byte(strconv.Itoa(n+dv))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tally: %w", storeErr(err))
	}
	return nil
}

// Tallies implements bot.Store.
func (d *DB) Tallies(ctx context.Context) (map[string]int, error) {
	d.gate.RLock()
	defer d.gate.RUnlock()
	out := map[string]int{}
	err := d.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTallies).ForEach(func(k, v []byte) error {
			n, _ := strconv.Atoi(string(v))
			out[string(k)] = n
			return nil
		})
	})
	return out, err
}

// afterErase compacts the file so that erased bytes do not linger in free
// pages.
func (d *DB) afterErase() error {
	if d.opts.KeepFreedPages {
		return nil
	}
	return d.Compact()
}

// Compact rewrites the database into a fresh file without free pages and
// replaces the old file with it. Other calls wait while it runs.
func (d *DB) Compact() error {
	if d.opts.ReadOnly {
		return bot.ErrReadOnly
	}
	d.gate.Lock()
	defer d.gate.Unlock()
	tmp := d.path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bbolt.Open(tmp, 0o600, &bbolt.Options{Timeout: d.opts.Timeout})
	if err != nil {
		return fmt.Errorf("compact: %w", storeErr(err))
	}
	if err := bbolt.Compact(dst, d.db, 1<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("compact: %w", storeErr(err))
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact: %w", storeErr(err))
	}
	if err := d.db.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact: %w", err)
	}
	renameErr := os.Rename(tmp, d.path)
	if renameErr != nil {
		os.Remove(tmp)
	} else if dir, err := os.Open(filepath.Dir(d.path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	// Reopen whatever file is in place now: the compacted one, or the old
	// one when the rename failed.
	if err := d.open(); err != nil {
		return fmt.Errorf("compact: reopen: %w", err)
	}
	if renameErr != nil {
		return fmt.Errorf("compact: %w", storeErr(renameErr))
	}
	return nil
}

// Close implements bot.Store.
func (d *DB) Close() error {
	d.gate.Lock()
	defer d.gate.Unlock()
	if d.db == nil {
		return nil
	}
	err := d.db.Close()
	d.db = nil
	return err
}

// Count returns the number of stored sessions and research turns.
func (d *DB) Count() (sessions, research int, err error) {
	d.gate.RLock()
	defer d.gate.RUnlock()
	err = d.db.View(func(tx *bbolt.Tx) error {
		sessions = tx.Bucket(bucketSessions).Stats().KeyN
		research = tx.Bucket(bucketResearch).Stats().KeyN
		return nil
	})
	return sessions, research, err
}
