package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/etcd"
)

func init() {
	register(command{name: "migrate", summary: "copy every session, research record and counter from one store to another", run: runMigrate})
}

const migrateUsage = `migrate --from URL --to URL

Copies every session, research record and counter from one store into
another, empty one, then checks that the counts match. Stop every proactief
instance that writes to the source first.

Store URLs:
  bolt:///path/to/proactief.db     a bbolt file (bolt:relative/path.db also works)
  etcd://host:2379[,host:2379...]?prefix=/proactief/&tls=1&ca=FILE&cert=FILE&key=FILE
                                   an etcd cluster; user@ before the hosts for etcd
                                   auth, the password in PROACTIEF_ETCD_PASSWORD_FILE
                                   (or PROACTIEF_ETCD_PASSWORD), never in the URL

Sessions get Version 1 in the target (a version counts writes to one store).

Flags:`

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "migrate", migrateUsage)
	from := fs.String("from", "", "source store URL")
	to := fs.String("to", "", "target store URL (must be empty)")
	workers := fs.Int("workers", 16, "writes in flight at once")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		fmt.Fprintln(env.Stderr, "proactief migrate: --from and --to are both required")
		fs.Usage()
		return errUsage
	}
	if *from == *to {
		return fmt.Errorf("--from and --to name the same store (%s)", *from)
	}
	src, closeSrc, err := openStore(ctx, env, *from, true)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer closeSrc()
	dst, closeDst, err := openStore(ctx, env, *to, false)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer closeDst()
	n, err := migrate(ctx, src, dst, max(*workers, 1))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "migrated %d sessions, %d research turns and %d counters; the target holds exactly those\n", n.sessions, n.research, n.tallies)
	if n.skipped > 0 {
		fmt.Fprintf(env.Stdout, "skipped %d sessions without consent to keep them (they should not have been stored)\n", n.skipped)
	}
	return nil
}

// storeCounts is what a store holds, as migrate counts it.
type storeCounts struct {
	sessions, research, tallies, skipped int
}

// migrate copies src into the empty dst through bot.Store alone and
// verifies the result.
func migrate(ctx context.Context, src, dst bot.Store, workers int) (storeCounts, error) {
	var n storeCounts
	have, err := countStore(ctx, dst)
	if err != nil {
		return n, fmt.Errorf("read target: %w", err)
	}
	if have.sessions+have.research+have.tallies > 0 {
		return n, fmt.Errorf("the target is not empty (%d sessions, %d research turns, %d counters); migrate copies into an empty store only", have.sessions, have.research, have.tallies)
	}

	// Sessions.
	keys := map[string]bool{}
	err = migrateParallel(ctx, workers, func(ctx context.Context, jobs chan<- func(context.Context) error) error {
		return src.Sessions(ctx, func(s *bot.Session) error {
			if !s.Persistent() {
				n.skipped++
				return nil
			}
			keys[s.Key] = true
			jobs <- func(ctx context.Context) error { return copySession(ctx, dst, s) }
			return nil
		})
	})
	if err != nil {
		return n, fmt.Errorf("copy sessions: %w", err)
	}
	n.sessions = len(keys)

	// Research turns, per pseudonym in batches of up to 100 (a store may
	// limit one transaction).
	perPseudonym := map[string]int{}
	err = migrateParallel(ctx, workers, func(ctx context.Context, jobs chan<- func(context.Context) error) error {
		var batch []bot.ResearchTurn
		flush := func() {
			if len(batch) > 0 {
				b := batch
				jobs <- func(ctx context.Context) error { return copyResearch(ctx, dst, b) }
				batch = nil
			}
		}
		err := src.Research(ctx, func(t bot.ResearchTurn) error {
			if len(batch) > 0 && (batch[0].Pseudonym != t.Pseudonym || len(batch) == 100) {
				flush()
			}
			batch = append(batch, t)
			perPseudonym[t.Pseudonym]++
			n.research++
			return nil
		})
		flush()
		return err
	})
	if err != nil {
		return n, fmt.Errorf("copy research turns: %w", err)
	}

	// Counters.
	tallies, err := src.Tallies(ctx)
	if err != nil {
		return n, fmt.Errorf("read counters: %w", err)
	}
	names := make([]string, 0, len(tallies))
	for k := range tallies {
		names = append(names, k)
	}
	sort.Strings(names)
	for len(names) > 0 {
		chunk := names[:min(len(names), 100)]
		names = names[len(chunk):]
		deltas := make(map[string]int, len(chunk))
		for _, k := range chunk {
			deltas[k] = tallies[k]
		}
		if err := dst.Tally(ctx, deltas); err != nil {
			return n, fmt.Errorf("copy counters: %w", err)
		}
	}
	n.tallies = len(tallies)

	// Verify.
	got := storeCounts{}
	gotPer := map[string]int{}
	err = dst.Sessions(ctx, func(s *bot.Session) error {
		if !keys[s.Key] {
			return fmt.Errorf("the target holds a session the source did not")
		}
		got.sessions++
		return nil
	})
	if err == nil {
		err = dst.Research(ctx, func(t bot.ResearchTurn) error { gotPer[t.Pseudonym]++; got.research++; return nil })
	}
	var gotTallies map[string]int
	if err == nil {
		gotTallies, err = dst.Tallies(ctx)
	}
	if err != nil {
		return n, fmt.Errorf("verify: %w", err)
	}
	var bad []string
	if got.sessions != n.sessions {
		bad = append(bad, fmt.Sprintf("%d sessions in the target, %d copied", got.sessions, n.sessions))
	}
	if got.research != n.research {
		bad = append(bad, fmt.Sprintf("%d research turns in the target, %d copied", got.research, n.research))
	}
	for p, c := range perPseudonym {
		if gotPer[p] != c {
			bad = append(bad, fmt.Sprintf("a research pseudonym has %d turns in the target, %d in the source", gotPer[p], c))
			break
		}
	}
	if len(gotTallies) != len(tallies) {
		bad = append(bad, fmt.Sprintf("%d counters in the target, %d in the source", len(gotTallies), len(tallies)))
	}
	for k, v := range tallies {
		if gotTallies[k] != v {
			bad = append(bad, fmt.Sprintf("counter %s is %d in the target, %d in the source", k, gotTallies[k], v))
			break
		}
	}
	if len(bad) > 0 {
		return n, fmt.Errorf("verification failed: %s (did something write to either store during the migration?)", strings.Join(bad, "; "))
	}
	return n, nil
}

// copySession writes s under its key in dst. The target's Version counts
// the target's writes, so the copy has Version 1.
func copySession(ctx context.Context, dst bot.Store, s *bot.Session) error {
	return dst.Update(ctx, s.Key, func(t *bot.Session) error {
		if t.Version != 0 {
			return fmt.Errorf("session %s already in the target", s.Key)
		}
		*t = *s
		t.Version = 0
		t.ResearchOut, t.EraseResearch = nil, ""
		return nil
	})
}

// copyResearch appends turns of one pseudonym to dst through an Update of
// a session that does not exist and is not kept.
func copyResearch(ctx context.Context, dst bot.Store, turns []bot.ResearchTurn) error {
	key := "migrate-research:" + turns[0].Pseudonym
	return dst.Update(ctx, key, func(t *bot.Session) error {
		if t.Version != 0 {
			return fmt.Errorf("key %s is in use in the target", key)
		}
		*t = bot.Session{Key: key, ResearchOut: turns}
		return nil
	})
}

// migrateParallel runs the jobs produce sends on workers goroutines; the first
// error stops producing and is returned.
func migrateParallel(ctx context.Context, workers int, produce func(context.Context, chan<- func(context.Context) error) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan func(context.Context) error)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for job := range jobs {
				if ctx.Err() != nil {
					continue
				}
				if err := job(ctx); err != nil {
					cancel(err)
				}
			}
		})
	}
	perr := produce(ctx, jobs)
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if perr != nil {
		return perr
	}
	return ctx.Err()
}

func countStore(ctx context.Context, s bot.Store) (storeCounts, error) {
	var n storeCounts
	if err := s.Sessions(ctx, func(*bot.Session) error { n.sessions++; return nil }); err != nil {
		return n, err
	}
	if err := s.Research(ctx, func(bot.ResearchTurn) error { n.research++; return nil }); err != nil {
		return n, err
	}
	t, err := s.Tallies(ctx)
	n.tallies = len(t)
	return n, err
}

// openStoreURL opens the store a URL names (PROACTIEF_STORE):
// bolt:///path/file.db (or bolt:relative/file.db) for a bbolt file, or
// etcd://host:2379[,host:2379...]?prefix=... for an etcd cluster (see
// etcd.ParseURL), with the password from PROACTIEF_ETCD_PASSWORD_FILE or
// PROACTIEF_ETCD_PASSWORD. The returned function closes the store.
func openStoreURL(ctx context.Context, env *Env, url string) (bot.Store, func(), error) {
	return openStore(ctx, env, url, false)
}

// openStore is openStoreURL; readOnly opens a bbolt file read-only (an
// etcd store has no such mode).
func openStore(ctx context.Context, env *Env, url string, readOnly bool) (bot.Store, func(), error) {
	switch {
	case strings.HasPrefix(url, "bolt:"):
		path := strings.TrimPrefix(url, "bolt:")
		if p, ok := strings.CutPrefix(path, "//"); ok {
			if !strings.HasPrefix(p, "/") {
				return nil, nil, fmt.Errorf("store URL %q: use bolt:///absolute/path.db or bolt:relative/path.db", url)
			}
			path = p
		}
		if path == "" {
			return nil, nil, fmt.Errorf("store URL %q names no file", url)
		}
		if readOnly {
			if _, err := os.Stat(path); err != nil {
				return nil, nil, fmt.Errorf("database %s: %w", path, err)
			}
		}
		db, err := openBolt(path, readOnly)
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	case strings.HasPrefix(url, "etcd:"):
		endpoints, opts, err := etcd.ParseURL(url)
		if err != nil {
			return nil, nil, err
		}
		if f := env.Getenv("PROACTIEF_ETCD_PASSWORD_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, nil, fmt.Errorf("read etcd password: %w", err)
			}
			opts.Password = strings.TrimSpace(string(b))
		} else {
			opts.Password = env.Getenv("PROACTIEF_ETCD_PASSWORD")
		}
		if opts.Password != "" && opts.Username == "" {
			return nil, nil, fmt.Errorf("an etcd password is set but no user: put user@ before the hosts in %s", url)
		}
		opts.Logger = newLogger(env).With("component", "store")
		s, err := etcd.Open(ctx, endpoints, opts)
		switch {
		case errors.Is(err, bot.ErrUnavailable):
			return nil, nil, fmt.Errorf("etcd at %s does not answer; check the hosts, ports and TLS settings (%w)", strings.Join(endpoints, ","), err)
		case err != nil:
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	}
	return nil, nil, fmt.Errorf("store URL %q: use bolt:///path/file.db or etcd://host:2379", url)
}
