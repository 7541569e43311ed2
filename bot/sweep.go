package bot

import (
	"context"
	"log/slog"
	"time"
)

// Retention says how long data is kept.
type Retention struct {
	Sessions time.Duration // idle sessions; 0 means 30 days
	Research time.Duration // research turns; 0 means 365 days
}

func (r Retention) withDefaults() Retention {
	if r.Sessions <= 0 {
		r.Sessions = 30 * 24 * time.Hour
	}
	if r.Research <= 0 {
		r.Research = 365 * 24 * time.Hour
	}
	return r
}

// SweepOnce removes what is older than the retention allows.
func SweepOnce(ctx context.Context, s Store, r Retention, now time.Time) (sessions, research int, err error) {
	r = r.withDefaults()
	return s.Sweep(ctx, now.Add(-r.Sessions), now.Add(-r.Research))
}

// Sweeper runs SweepOnce at start and then every interval until ctx ends.
// It returns nil when ctx is cancelled.
func Sweeper(ctx context.Context, s Store, r Retention, interval time.Duration, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ns, nr, err := SweepOnce(ctx, s, r, time.Now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Error("sweep failed", "err", err)
		case ns+nr > 0:
			log.Info("swept expired data", "sessions", ns, "research_turns", nr)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
