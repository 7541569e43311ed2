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
//     Options.Timeout. OpenSnapshot gives a reader its own copy instead.
//   - Open checks every page of the file (bbolt's Tx.Check) before
//     anything reads or writes it, so a damaged page is ErrCorrupt at once
//     and nothing is written to a damaged file; that reads the whole file,
//     which makes Open of a large file slower (README figures). A page
//     damaged while the file is open gives ErrCorrupt from the call that
//     reads it, never a panic.
//   - Writes are grouped (group commit): while one transaction commits,
//     the writes that arrive wait for it and then commit together in the
//     next one, so many conversations share one fsync and a write never
//     waits for a timer. A write returns only after its group is durable.
//   - Sessions are stored in a binary form (package store/codec, schema 2). A file of
//     schema 1 (JSON sessions) is read as before and marked schema 2 when
//     opened for writing; from then on a proactief from before schema 2
//     refuses it (ErrSchema) instead of misreading it.
package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bbolt "go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/codec"
)

// SchemaVersion is the layout of the file this package writes: 2 stores
// sessions in the binary form of codec.go (1 stored them as JSON; Open of a
// writable schema 1 file marks it 2, since its sessions are then rewritten
// in the binary form).
const SchemaVersion = 2

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
	// remove is a snapshot's file, removed at Close (see OpenSnapshot).
	remove string
	// group is the group commit of Update and Tally.
	group struct {
		sync.Mutex
		queue []*groupWrite
		busy  bool // a goroutine is committing the queue
	}
	dropped atomic.Int64 // counts Tally took whose commit failed
	unrep   atomic.Int64 // of those, not yet reported by Tally or Close
}

// maxGroup bounds how many writes share one transaction.
const maxGroup = 1000

// groupWrite is one write waiting in the group commit.
type groupWrite struct {
	db   *bbolt.DB
	fn   func(*bbolt.Tx) error
	done chan error
}

// groupPanic carries a panic of an Update's fn back to the goroutine
// that called batch. Any other panic in a write transaction comes from
// bbolt reading a damaged page and is returned as ErrCorrupt.
type groupPanic struct{ v any }

func (p groupPanic) Error() string { return fmt.Sprint("panic in write: ", p.v) }

// batch runs fn in a write transaction shared with the other writes that
// are waiting, and returns when that transaction is durable. Like bbolt's
// Batch, fn may run more than once: when one write of a group fails, each
// runs again alone, so only its own error reaches each caller. Unlike
// bbolt's Batch no write waits for a timer, and every write that arrives
// during a commit joins the next one, so groups grow with the load.
// The caller holds d.gate (read).
func (d *DB) batch(fn func(*bbolt.Tx) error) error {
	err := <-d.enqueue(fn)
	if p, ok := err.(groupPanic); ok {
		panic(p.v)
	}
	return err
}

// enqueue queues fn for the group commit; the channel receives its result
// once the group is durable. Writes commit in the order they were queued.
func (d *DB) enqueue(fn func(*bbolt.Tx) error) <-chan error {
	w := &groupWrite{db: d.db, fn: fn, done: make(chan error, 1)}
	g := &d.group
	g.Lock()
	g.queue = append(g.queue, w)
	if !g.busy {
		g.busy = true
		go d.commitGroups()
	}
	g.Unlock()
	return w.done
}

// commitGroups commits the queued writes, group after group, until the
// queue is empty.
func (d *DB) commitGroups() {
	g := &d.group
	for {
		g.Lock()
		n := min(len(g.queue), maxGroup)
		if n == 0 {
			g.busy = false
			g.Unlock()
			return
		}
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		if len(g.queue) == 0 {
			g.queue = nil
		}
		g.Unlock()
		// Every waiting writer holds d.gate, so the handle is the same for all.
		db := group[0].db
		err := update(db, func(tx *bbolt.Tx) error {
			for _, w := range group {
				if err := runWrite(w.fn, tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil || len(group) == 1 {
			for _, w := range group {
				w.done <- err
			}
			continue
		}
		for _, w := range group {
			w.done <- update(db, func(tx *bbolt.Tx) error { return runWrite(w.fn, tx) })
		}
	}
}

func runWrite(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if p, ok := r.(groupPanic); ok {
				err = p
				return
			}
			err = corrupt(r)
		}
	}()
	return fn(tx)
}

// corrupt is the error for a panic of bbolt on a damaged page.
func corrupt(r any) error { return fmt.Errorf("%w (%v)", ErrCorrupt, r) }

// update is db.Update with a panic of bbolt (a damaged page) returned as
// ErrCorrupt; bbolt rolls the transaction back, so nothing is written.
func update(db *bbolt.DB, fn func(*bbolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if p, ok := r.(groupPanic); ok {
				err = p
				return
			}
			err = corrupt(r)
		}
	}()
	return db.Update(fn)
}

// view is db.View with a panic of bbolt (a damaged page) returned as
// ErrCorrupt.
func view(db *bbolt.DB, fn func(*bbolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = corrupt(r)
		}
	}()
	return db.View(fn)
}

var (
	_ bot.Store      = (*DB)(nil)
	_ bot.TallyDrops = (*DB)(nil)
)

// Open opens or creates the database file at path (mode 0600) and its
// buckets. It returns an error wrapping bot.ErrInUse when another process
// holds the file, ErrCorrupt for a damaged file and ErrSchema for a newer one.
func Open(path string, opts Options) (*DB, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	d := &DB{path: path, opts: opts}
	if err := d.open(true); err != nil {
		return nil, err
	}
	return d, nil
}

// open opens d.path; verify checks every page first (see verify).
func (d *DB) open(verify bool) (err error) {
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
	if verify {
		if err := checkPages(db); err != nil {
			db.Close()
			return fmt.Errorf("open %s: %w", d.path, err)
		}
	}
	if err := d.check(db); err != nil {
		db.Close()
		return fmt.Errorf("open %s: %w", d.path, err)
	}
	d.db = db
	return nil
}

// checkPages walks every page of the file (bbolt's Tx.Check) before
// anything reads or writes it: a damaged page is ErrCorrupt at Open, for
// every command alike, instead of a panic or a hang at first use, and
// nothing is written to a damaged file. It costs a read of the whole file
// (see the README's figures).
func checkPages(db *bbolt.DB) error {
	return view(db, func(tx *bbolt.Tx) error {
		var first error
		// Read the channel to its end, so that the checking goroutine ends
		// before the transaction does.
		for err := range tx.Check() {
			if first == nil {
				first = fmt.Errorf("%w (%v)", ErrCorrupt, err)
			}
		}
		return first
	})
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
		v := m.Get(keySchema)
		if v != nil {
			if err := checkSchema(v); err != nil {
				return err
			}
		}
		// A new file, or an older schema this package still reads and now
		// writes in its own layout.
		if string(v) != strconv.Itoa(SchemaVersion) {
			if err := m.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
				return storeErr(err)
			}
		}
		for _, b := range [][]byte{bucketSessions, bucketResearch, bucketTallies, bucketOutbox, bucketOutboxKeys} {
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
	err := view(d.db, func(tx *bbolt.Tx) error {
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

// decodeSession reads a stored session, binary (see EncodeSession) or JSON
// (schema 1); bytes that do not decode are an error, never a panic.
func decodeSession(v []byte) (*bot.Session, error) { return codec.Decode(v) }

// EncodeSession returns the stored form of s (see package codec).
func EncodeSession(s *bot.Session) []byte { return codec.Encode(s) }

// DecodeSession is decodeSession for fuzzing and tools.
func DecodeSession(v []byte) (*bot.Session, error) { return decodeSession(v) }

// Update implements bot.Store. Writes from many conversations share commits
// (bbolt Batch), so fn may run more than once.
//
// fn runs, and the session is decoded and encoded, outside bbolt's single
// writer: Update reads the session, runs fn, and commits only when the
// stored bytes are still the ones it read (optimistic concurrency). After
// optimisticTries lost races it runs fn inside the write transaction, so a
// hot key still makes progress.
func (d *DB) Update(ctx context.Context, key string, fn func(*bot.Session) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.opts.ReadOnly {
		return bot.ErrReadOnly
	}
	var (
		committed, erased bool
		err               error
	)
	func() {
		d.gate.RLock()
		defer d.gate.RUnlock() // also when fn panics
		for try := 0; try < optimisticTries && err == nil && !committed; try++ {
			committed, erased, err = d.updateOptimistic(key, fn)
		}
		if err == nil && !committed {
			erased, err = d.updateInTx(key, fn)
		}
	}()
	if err != nil {
		return fmt.Errorf("update session %s: %w", key, storeErr(err))
	}
	if erased {
		return d.afterErase()
	}
	return nil
}

// optimisticTries is how often Update runs fn outside the write
// transaction before it runs it inside.
const optimisticTries = 3

// updateOptimistic runs fn on the session as read, and commits the result
// in a shared batch if the stored session did not change meanwhile;
// committed is false when it did.
func (d *DB) updateOptimistic(key string, fn func(*bot.Session) error) (committed, erased bool, err error) {
	k := []byte(key)
	var old []byte
	err = view(d.db, func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketSessions).Get(k); v != nil {
			old = bytes.Clone(v)
		}
		return nil
	})
	if err != nil {
		return false, false, err
	}
	w, err := prepareWrite(key, old, fn)
	if err != nil {
		return false, false, err
	}
	if old == nil && w.empty() {
		// Nothing stored and nothing to store (no consent yet): no commit.
		return true, false, nil
	}
	err = d.batch(func(tx *bbolt.Tx) error {
		committed, erased = false, false
		if cur := tx.Bucket(bucketSessions).Get(k); !bytes.Equal(cur, old) || (cur == nil) != (old == nil) {
			return nil // changed since read: try again
		}
		var err error
		if erased, err = w.apply(tx, k); err != nil {
			return err
		}
		committed = true
		return nil
	})
	return committed, erased, err
}

// updateInTx runs fn inside the write transaction.
func (d *DB) updateInTx(key string, fn func(*bot.Session) error) (erased bool, err error) {
	k := []byte(key)
	err = d.batch(func(tx *bbolt.Tx) error {
		erased = false
		w, err := prepareWrite(key, tx.Bucket(bucketSessions).Get(k), userFn(fn))
		if err != nil {
			return err
		}
		erased, err = w.apply(tx, k)
		return err
	})
	return erased, err
}

// userFn returns fn with its panic wrapped as groupPanic, so that batch
// gives it back to the caller of Update instead of reporting a damaged
// page.
func userFn(fn func(*bot.Session) error) func(*bot.Session) error {
	return func(s *bot.Session) error {
		defer func() {
			if r := recover(); r != nil {
				panic(groupPanic{r})
			}
		}()
		return fn(s)
	}
}

// write is one Update's changes, encoded and ready to commit.
type write struct {
	existed       bool
	value         []byte // the encoded session; nil when it is not Persistent
	eraseResearch string
	research      [][2][]byte // research turns: key, value
	outbox        outboxWrite
}

// prepareWrite decodes old (nil: no session stored), runs fn and encodes
// the result.
func prepareWrite(key string, old []byte, fn func(*bot.Session) error) (*write, error) {
	s := &bot.Session{Key: key}
	if old != nil {
		var err error
		if s, err = decodeSession(old); err != nil {
			return nil, fmt.Errorf("session %s: %w", key, err)
		}
	}
	w := &write{existed: s.Version > 0}
	err := fn(s)
	if err != nil {
		return nil, err
	}
	s.Key = key
	w.eraseResearch = s.EraseResearch
	for _, t := range s.ResearchOut {
		v, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		w.research = append(w.research, [2][]byte{researchKey(t.Pseudonym, t.Seq), v})
	}
	if w.outbox, err = prepareOutbox(key, s); err != nil {
		return nil, err
	}
	if s.Persistent() {
		s.Version++
		w.value = EncodeSession(s)
	}
	return w, nil
}

// empty reports whether w writes or erases nothing.
func (w *write) empty() bool {
	return w.value == nil && !w.existed && len(w.research) == 0 && w.eraseResearch == "" && w.outbox.empty()
}

// apply writes w in tx and reports whether it erased anything.
func (w *write) apply(tx *bbolt.Tx, key []byte) (erased bool, err error) {
	rb := tx.Bucket(bucketResearch)
	if w.eraseResearch != "" {
		n, err := deletePrefix(rb, []byte(w.eraseResearch+"/"))
		if err != nil {
			return false, err
		}
		erased = n > 0
	}
	for _, kv := range w.research {
		if err := rb.Put(kv[0], kv[1]); err != nil {
			return erased, err
		}
	}
	cancelled, err := w.outbox.apply(tx, string(key))
	if err != nil {
		return erased, err
	}
	erased = erased || cancelled
	sb := tx.Bucket(bucketSessions)
	if w.value == nil {
		if w.existed {
			return true, sb.Delete(key)
		}
		return erased, nil
	}
	return erased, sb.Put(key, w.value)
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
	err := update(d.db, func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketSessions).Delete([]byte(key)); err != nil {
			return err
		}
		if research != "" {
			if _, err := deletePrefix(tx.Bucket(bucketResearch), []byte(research+"/")); err != nil {
				return err
			}
		}
		_, err := cancelEnvelopes(tx, key, bot.CancelAll)
		return err
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
	err := d.sweep(ctx, sessionsBefore, cutoffDay, &ns, &nr)
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

// sweep is Sweep's transaction; the gate is released however it ends.
func (d *DB) sweep(ctx context.Context, sessionsBefore time.Time, cutoffDay string, ns, nr *int) error {
	d.gate.RLock()
	defer d.gate.RUnlock()
	return update(d.db, func(tx *bbolt.Tx) error {
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
		*ns = len(old)
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
		*nr = len(old)
		return nil
	})
}

// Research implements bot.Store.
func (d *DB) Research(ctx context.Context, fn func(bot.ResearchTurn) error) error {
	d.gate.RLock()
	defer d.gate.RUnlock()
	return view(d.db, func(tx *bbolt.Tx) error {
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
	return view(d.db, func(tx *bbolt.Tx) error {
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

// Tally implements bot.Store. It returns when the deltas are queued, not
// when they are durable: they commit with the next group of writes, so a
// message's figures cost it no commit of its own. Counters are figures, not
// data about a person: a crash loses the deltas queued for the commit that
// was under way (at most one group, the messages of a few milliseconds).
// A failed commit of them (disk full) is counted (DroppedTallies), and the
// next Tally or Close returns an error wrapping bot.ErrTallyDropped that
// says how many. Tallies and Close see every delta queued before them.
func (d *DB) Tally(ctx context.Context, deltas map[string]int) error {
	if d.opts.ReadOnly {
		return bot.ErrReadOnly
	}
	deltas = maps.Clone(deltas)
	var n int64
	for k, v := range deltas {
		if v == 0 {
			delete(deltas, k)
		}
		n += int64(max(v, -v))
	}
	if len(deltas) == 0 {
		return d.tallyReport()
	}
	// The read lock is held until the commit, so that Compact and Close
	// wait for it.
	d.gate.RLock()
	done := d.enqueue(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTallies)
		for k, dv := range deltas {
			n, _ := strconv.Atoi(string(b.Get([]byte(k))))
			if err := b.Put([]byte(k), []byte(strconv.Itoa(n+dv))); err != nil {
				return err
			}
		}
		return nil
	})
	go func() {
		if err := <-done; err != nil {
			d.dropped.Add(n)
			d.unrep.Add(n)
		}
		d.gate.RUnlock()
	}()
	return d.tallyReport()
}

// tallyReport returns an error wrapping bot.ErrTallyDropped when counts
// were dropped since the last report.
func (d *DB) tallyReport() error {
	if n := d.unrep.Swap(0); n > 0 {
		return fmt.Errorf("tally: %w: %d counts could not be committed to %s", bot.ErrTallyDropped, n, d.path)
	}
	return nil
}

// DroppedTallies implements bot.TallyDrops.
func (d *DB) DroppedTallies() int64 { return d.dropped.Load() }

// Tallies implements bot.Store.
func (d *DB) Tallies(ctx context.Context) (map[string]int, error) {
	d.gate.RLock()
	defer d.gate.RUnlock()
	if !d.opts.ReadOnly {
		// Writes commit in order: once this one is durable, so are the
		// tallies queued before it.
		if err := d.batch(func(*bbolt.Tx) error { return nil }); err != nil {
			return nil, fmt.Errorf("tallies: %w", storeErr(err))
		}
	}
	out := map[string]int{}
	err := view(d.db, func(tx *bbolt.Tx) error {
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
	if err := d.open(false); err != nil {
		return fmt.Errorf("compact: reopen: %w", err)
	}
	if renameErr != nil {
		return fmt.Errorf("compact: %w", storeErr(renameErr))
	}
	return nil
}

// Close implements bot.Store. It returns an error wrapping
// bot.ErrTallyDropped when counts were dropped and not yet reported.
func (d *DB) Close() error {
	d.gate.Lock()
	defer d.gate.Unlock()
	if d.db == nil {
		return nil
	}
	err := d.db.Close()
	d.db = nil
	if d.remove != "" {
		os.Remove(d.remove)
	}
	return errors.Join(err, d.tallyReport())
}

// keySecret is where ClaimSecret keeps the fingerprint.
var keySecret = []byte("secret-fingerprint")

// ClaimSecret records fingerprint as the fingerprint of the secret that
// keys this database's pseudonyms, unless one is recorded already, and
// returns the one recorded now. A caller whose fingerprint differs from
// the result holds another secret and must not use the database. On a
// read-only store it records nothing and returns bot.ErrReadOnly when no
// fingerprint is recorded.
func (d *DB) ClaimSecret(ctx context.Context, fingerprint string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	d.gate.RLock()
	defer d.gate.RUnlock()
	var got string
	read := func(tx *bbolt.Tx) error {
		got = string(tx.Bucket(bucketMeta).Get(keySecret))
		return nil
	}
	if err := view(d.db, read); err != nil {
		return "", fmt.Errorf("secret fingerprint: %w", err)
	}
	if got != "" {
		return got, nil
	}
	if d.opts.ReadOnly {
		return "", bot.ErrReadOnly
	}
	err := update(d.db, func(tx *bbolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if v := m.Get(keySecret); v != nil {
			got = string(v)
			return nil
		}
		got = fingerprint
		return m.Put(keySecret, []byte(fingerprint))
	})
	if err != nil {
		return "", fmt.Errorf("secret fingerprint: %w", storeErr(err))
	}
	return got, nil
}

// Count returns the number of stored sessions and research turns.
func (d *DB) Count() (sessions, research int, err error) {
	d.gate.RLock()
	defer d.gate.RUnlock()
	err = view(d.db, func(tx *bbolt.Tx) error {
		sessions = tx.Bucket(bucketSessions).Stats().KeyN
		research = tx.Bucket(bucketResearch).Stats().KeyN
		return nil
	})
	return sessions, research, err
}
