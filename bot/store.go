package bot

import (
	"context"
	"errors"
	"time"
)

// Errors a Store returns.
var (
	// ErrNotFound is returned by Store.Get when no session is stored under a key.
	ErrNotFound = errors.New("session not found")
	// ErrConflict is returned by a store when a version-conditional write lost
	// against another writer; Update retries it itself and returns it only
	// when retries are exhausted.
	ErrConflict = errors.New("session changed concurrently")
	// ErrInUse is returned by Open when another process holds the database.
	ErrInUse = errors.New("database in use by another process")
	// ErrUnavailable is returned when the store cannot write (disk full,
	// read-only, cluster unreachable); what was committed before stays.
	ErrUnavailable = errors.New("store unavailable")
	// ErrReadOnly is returned by writes on a store opened read-only.
	ErrReadOnly = errors.New("store is read-only")
	// ErrTallyDropped is returned (wrapped, with how many counts) by a
	// Tally or Close after the store failed to commit counter deltas it had
	// taken earlier, so that the loss reaches a log; see Store.Tally.
	ErrTallyDropped = errors.New("counter deltas dropped")
)

// Store keeps sessions, research records and the outbox. Implementations: store/bolt
// (one machine) and store/etcd (several instances). Every implementation
// passes the suite in store/storetest.
type Store interface {
	// Get returns the session stored under key. Returns ErrNotFound if there
	// is none.
	Get(ctx context.Context, key string) (*Session, error)

	// Update runs fn on the session stored under key, or on a new Session
	// with that Key and Version 0 when there is none, and commits the result
	// atomically: the session (with Version one higher), the research turns
	// in ResearchOut, the erasure asked by EraseResearch, the envelopes
	// of the key that Cancel names removed and those in Outbox added
	// (whatever the consent; an envelope already stored under the same ID
	// is replaced). When fn returns
	// an error nothing is written and Update returns that error. When the
	// session after fn is not Persistent (no consent to keep answers) the
	// session is not written and any stored copy is deleted, so nothing
	// about the person stays on disk; its research turns are still written
	// when the session carries a Research pseudonym.
	// fn may run more than once (a store retries on ErrConflict), so it must
	// not have side effects outside the session. Never send a message from fn.
	Update(ctx context.Context, key string, fn func(*Session) error) error

	// Delete erases the session under key, every envelope of key and every
	// research record of the given research pseudonym (which may be ""),
	// leaving no readable trace.
	// Deleting what does not exist is not an error.
	Delete(ctx context.Context, key, research string) error

	// Sweep deletes sessions last updated before sessionsBefore and research
	// turns from days before researchBefore; it returns how many sessions
	// and research turns it removed.
	Sweep(ctx context.Context, sessionsBefore, researchBefore time.Time) (sessions, research int, err error)

	// Research calls fn for every research turn, grouped by pseudonym and in
	// order within a pseudonym, until fn returns an error (which Research
	// returns).
	Research(ctx context.Context, fn func(ResearchTurn) error) error

	// Sessions calls fn for every stored session until fn returns an error.
	Sessions(ctx context.Context, fn func(*Session) error) error

	// Tally adds deltas to named aggregate counters, such as
	// "consent_keep_yes" or "started:2026-11-02". Counters hold no personal
	// data; they are written whatever the consent, for consent rates and
	// figures.
	//
	// Tally may return before the deltas are durable: a store gathers them
	// and commits many messages' deltas together, so that no message waits
	// for a shared counter key (store/bolt: with the next group commit;
	// store/etcd: at most Options.TallyInterval later). Each store
	// documents what a crash can lose. Deltas a store took but could not
	// commit are never lost silently: they are counted (TallyDrops) and
	// the next Tally, or Close, returns an error wrapping ErrTallyDropped
	// that says how many; the deltas of that Tally itself are still taken.
	// Tally does not depend on ctx once the deltas are taken.
	Tally(ctx context.Context, deltas map[string]int) error

	// Tallies returns every aggregate counter. It includes every delta
	// this Store took before the call (it commits them first); deltas of
	// other instances sharing the store are included once they committed.
	Tallies(ctx context.Context) (map[string]int, error)

	// Close releases the store.
	Close() error

	Outbox
}

// TallyDrops is implemented by a Store whose Tally commits after it
// returns (store/bolt, store/etcd), for the metric of lost counts.
type TallyDrops interface {
	// DroppedTallies returns how many counts (the sum of the deltas'
	// absolute values) Tally took but the store could not commit, since
	// the store was opened.
	DroppedTallies() int64
}
