package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/bolt"
)

// snapshotEvery is how often "proactief review" takes a new copy of the
// database, so that an erasure shows within a minute.
var snapshotEvery = 30 * time.Second

// snapshotStore is the read-only store of "proactief review": a private
// copy of the database (bolt.OpenSnapshot), replaced by a fresh one every
// snapshotEvery. Writes return bot.ErrReadOnly.
type snapshotStore struct {
	path string
	mu   sync.RWMutex
	db   *bolt.DB
	// taken is called after each new copy (the review command erases
	// from reviews and audit log what the copy no longer holds).
	taken func(context.Context, bot.Store)
}

var _ bot.Store = (*snapshotStore)(nil)

// openSnapshotStore takes the first copy of the database at path.
func openSnapshotStore(path string) (*snapshotStore, error) {
	db, err := bolt.OpenSnapshot(path, "")
	if err != nil {
		return nil, boltError(path, err)
	}
	return &snapshotStore{path: path, db: db}, nil
}

// refresh takes a new copy and puts it in place of the old one.
func (s *snapshotStore) refresh(ctx context.Context) error {
	db, err := bolt.OpenSnapshot(s.path, "")
	if err != nil {
		return boltError(s.path, err)
	}
	s.mu.Lock()
	old := s.db
	s.db = db
	s.mu.Unlock()
	old.Close()
	if s.taken != nil {
		s.taken(ctx, s)
	}
	return nil
}

// run refreshes the copy every snapshotEvery until ctx ends; a failed
// refresh keeps the old copy and is logged.
func (s *snapshotStore) run(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(snapshotEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.refresh(ctx); err != nil {
			log.Error("review: new copy of the database", "err", err)
		}
	}
}

func (s *snapshotStore) Get(ctx context.Context, key string) (*bot.Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.Get(ctx, key)
}

func (s *snapshotStore) Update(context.Context, string, func(*bot.Session) error) error {
	return bot.ErrReadOnly
}

func (s *snapshotStore) Delete(context.Context, string, string) error { return bot.ErrReadOnly }

func (s *snapshotStore) Sweep(context.Context, time.Time, time.Time) (int, int, error) {
	return 0, 0, bot.ErrReadOnly
}

func (s *snapshotStore) Research(ctx context.Context, fn func(bot.ResearchTurn) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.Research(ctx, fn)
}

func (s *snapshotStore) Sessions(ctx context.Context, fn func(*bot.Session) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.Sessions(ctx, fn)
}

func (s *snapshotStore) Tally(context.Context, map[string]int) error { return bot.ErrReadOnly }

func (s *snapshotStore) Tallies(ctx context.Context) (map[string]int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.Tallies(ctx)
}

// Close closes the copy; nothing of it stays on disk.
func (s *snapshotStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Close()
}

func (s *snapshotStore) Due(ctx context.Context, queue string, now time.Time, limit int) ([]bot.Envelope, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.Due(ctx, queue, now, limit)
}

func (s *snapshotStore) Envelopes(ctx context.Context, key string, fn func(bot.Envelope) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.Envelopes(ctx, key, fn)
}

func (s *snapshotStore) Done(context.Context, string) error { return bot.ErrReadOnly }

func (s *snapshotStore) Retry(context.Context, string, time.Time) error { return bot.ErrReadOnly }

func (s *snapshotStore) Drop(context.Context, string, string) error { return bot.ErrReadOnly }
