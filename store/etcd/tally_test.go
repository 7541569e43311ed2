package etcd

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/etcd/etcdtest"
)

// tallyMany has workers goroutines call Tally each times on s with
// {"started": 1, "started:2026-11-02": 1}.
func tallyMany(t *testing.T, s *Store, workers, each int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				if err := s.Tally(context.Background(), map[string]int{"started": 1, "started:2026-11-02": 1}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Tally: %v", err)
	}
}

func wantTallies(t *testing.T, s *Store, want map[string]int) {
	t.Helper()
	got, err := s.Tallies(context.Background())
	if err != nil {
		t.Fatalf("Tallies: %v", err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("tallies=%v, want %v", got, want)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("tallies=%v, want exactly %v", got, want)
	}
}

// TestTalliesTwoInstances: two instances on one prefix commit their
// counters often, so that their commits conflict; every count arrives
// once, and Close leaves no marker key behind.
func TestTalliesTwoInstances(t *testing.T) {
	p := uniquePrefix(t)
	a := openShared(t, Options{Prefix: p, TallyInterval: -1})
	b := openShared(t, Options{Prefix: p, TallyInterval: time.Millisecond})
	var wg sync.WaitGroup
	wg.Go(func() { tallyMany(t, a, 32, 50) })
	wg.Go(func() { tallyMany(t, b, 32, 50) })
	wg.Wait()
	if err := errors.Join(a.Close(), b.Close()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	c := openShared(t, Options{Prefix: p})
	defer c.Close()
	wantTallies(t, c, map[string]int{"started": 3200, "started:2026-11-02": 3200})
	resp, err := rawClient(t, shared.Endpoints()).Get(context.Background(), p+flushMarkers, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 0 {
		t.Fatalf("%d marker keys left after Close, want 0", len(resp.Kvs))
	}
	for _, s := range []*Store{a, b, c} {
		if n := s.DroppedTallies(); n != 0 {
			t.Fatalf("DroppedTallies=%d, want 0", n)
		}
	}
}

// TestTallyCommittedOnClose: counts gathered but not yet due are
// committed by Close, and another Store on the prefix reads them.
func TestTallyCommittedOnClose(t *testing.T) {
	p := uniquePrefix(t)
	a := openShared(t, Options{Prefix: p, TallyInterval: time.Hour})
	tallyMany(t, a, 4, 25)
	b := openShared(t, Options{Prefix: p})
	defer b.Close()
	wantTallies(t, b, map[string]int{}) // not due yet: nothing committed
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wantTallies(t, b, map[string]int{"started": 100, "started:2026-11-02": 100})
}

// TestTallyCommitExactlyOnce: a batch tried again after an attempt whose
// outcome was unknown (here: known to have gone through) is not counted
// twice; the marker key tells.
func TestTallyCommitExactlyOnce(t *testing.T) {
	ctx := context.Background()
	s := openShared(t, Options{TallyInterval: time.Hour})
	defer s.Close()
	b := &tallyBatch{seq: 7, names: []string{"completed", "started"}, deltas: map[string]int{"completed": 2, "started": 5}}
	for range 3 {
		if err := s.commitTallies(ctx, b); err != nil {
			t.Fatalf("commitTallies: %v", err)
		}
	}
	wantTallies(t, s, map[string]int{"completed": 2, "started": 5})
	// The next batch counts again.
	b2 := &tallyBatch{seq: 8, names: []string{"started"}, deltas: map[string]int{"started": 1}}
	if err := s.commitTallies(ctx, b2); err != nil {
		t.Fatalf("commitTallies: %v", err)
	}
	wantTallies(t, s, map[string]int{"completed": 2, "started": 6})
}

// TestTallyDroppedAtClose: when the cluster is gone at Close, the counts
// not committed are dropped, and that is counted, logged and returned.
func TestTallyDroppedAtClose(t *testing.T) {
	c := etcdtest.Start(t, 1)
	var events counter
	s, err := Open(context.Background(), c.Endpoints(), Options{
		Prefix: uniquePrefix(t), TallyInterval: time.Hour, RequestTimeout: 300 * time.Millisecond,
		Logger: slog.New(&events), CompactAfterErase: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Tally(context.Background(), map[string]int{"started": 3, "undone": -2}); err != nil {
		t.Fatalf("Tally: %v", err)
	}
	c.Close()
	err = s.Close()
	if !errors.Is(err, bot.ErrTallyDropped) || !strings.Contains(err.Error(), "5 counts") {
		t.Fatalf("Close: err=%v, want ErrTallyDropped for 5 counts", err)
	}
	if n := s.DroppedTallies(); n != 5 {
		t.Fatalf("DroppedTallies=%d, want 5", n)
	}
	if n := events.counts()["etcd counters dropped at close: the cluster did not take them"]; n != 1 {
		t.Fatalf("log lines about the drop: %d, want 1 (log: %v)", n, events.counts())
	}
	// After Close nothing is taken, and that is counted too.
	if err := s.Tally(context.Background(), map[string]int{"started": 1}); !errors.Is(err, bot.ErrUnavailable) {
		t.Fatalf("Tally after Close: err=%v, want ErrUnavailable", err)
	}
	if n := s.DroppedTallies(); n != 6 {
		t.Fatalf("DroppedTallies=%d, want 6", n)
	}
}

// TestTallyKeptWhileClusterAway: counts taken while the cluster cannot
// commit them stay in memory, to be committed when it can again; they are
// not dropped.
func TestTallyKeptWhileClusterAway(t *testing.T) {
	if testing.Short() {
		t.Skip("3-member cluster")
	}
	c := etcdtest.Start(t, 3)
	s, err := Open(context.Background(), []string{c.Members[0].Endpoint}, Options{
		Prefix: uniquePrefix(t), TallyInterval: -1, RequestTimeout: 300 * time.Millisecond, CompactAfterErase: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tallyMany(t, s, 4, 10)
	// Without a quorum nothing can be committed.
	c.Members[1].Stop()
	c.Members[2].Stop()
	tallyMany(t, s, 4, 10)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_, err = s.Tallies(ctx)
	cancel()
	if err == nil {
		t.Fatal("Tallies without a quorum succeeded")
	}
	if n := s.DroppedTallies(); n != 0 {
		t.Fatalf("DroppedTallies=%d while the cluster is away, want 0 (kept)", n)
	}
	if n := s.pendingCounts(); n == 0 {
		t.Fatal("no counts kept in memory while the cluster is away")
	}
}

// TestClusterTalliesExactWhenLeaderStops: two instances on a 3-member
// cluster commit counters continuously while the leader is stopped; every
// count arrives exactly once (commits with an unknown outcome are
// resolved through the marker, not repeated blindly).
func TestClusterTalliesExactWhenLeaderStops(t *testing.T) {
	if testing.Short() {
		t.Skip("3-member cluster")
	}
	ctx := context.Background()
	c := etcdtest.Start(t, 3)
	m := c.Members
	p := uniquePrefix(t)
	var events counter
	open := func(ep string) *Store {
		s, err := Open(ctx, []string{ep}, Options{Prefix: p, TallyInterval: -1, Logger: slog.New(&events), CompactAfterErase: -1})
		if err != nil {
			t.Fatalf("Open %s: %v", ep, err)
		}
		return s
	}
	a, b := open(m[0].Endpoint), open(m[1].Endpoint)
	// Make the third member the leader, then stop it while both commit.
	cli := rawClient(t, []string{m[0].Endpoint})
	st, err := cli.Status(ctx, m[0].Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if st.Leader != m[2].ID() {
		for _, mm := range m {
			if mm.ID() == st.Leader {
				if _, err := rawClient(t, []string{mm.Endpoint}).MoveLeader(ctx, m[2].ID()); err != nil {
					t.Logf("MoveLeader: %v (stopping a follower instead)", err)
				}
			}
		}
	}
	var wg sync.WaitGroup
	started := make(chan struct{})
	wg.Go(func() { tallyMany(t, a, 8, 100) })
	wg.Go(func() {
		close(started)
		tallyMany(t, b, 8, 100)
	})
	<-started
	m[2].Stop()
	wg.Wait()
	if err := errors.Join(a.Close(), b.Close()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	r := open(m[0].Endpoint)
	defer r.Close()
	wantTallies(t, r, map[string]int{"started": 1600, "started:2026-11-02": 1600})
	t.Logf("store log: %v", events.counts())
}

// TestSessionCacheStale: a session another instance wrote since this one
// cached it is not overwritten with the old state: the failed condition
// brings the newer one, and fn runs on it.
func TestSessionCacheStale(t *testing.T) {
	ctx := context.Background()
	p := uniquePrefix(t)
	a, b := openShared(t, Options{Prefix: p}), openShared(t, Options{Prefix: p})
	defer a.Close()
	defer b.Close()
	now := time.Now()
	inc := func(s *Store) {
		t.Helper()
		mustUpdate(t, s, "s-cache", func(sess *bot.Session) error {
			sess.Conv.Consent = kept(now)
			sess.Conv.Turns++
			return nil
		})
	}
	inc(a) // a caches version 1
	inc(b) // b writes version 2
	if kv := a.cache.get(a.sessionKey("s-cache")); kv == nil {
		t.Fatal("a did not cache the session it wrote")
	}
	inc(a) // a's cache is stale: must see version 2
	inc(a)
	got, err := b.Get(ctx, "s-cache")
	if err != nil {
		t.Fatal(err)
	}
	if got.Conv.Turns != 4 || got.Version != 4 {
		t.Fatalf("turns=%d version=%d, want 4 and 4: an update was lost", got.Conv.Turns, got.Version)
	}
	// Deleted by another instance: a's cached copy does not bring it back.
	if err := b.Delete(ctx, "s-cache", ""); err != nil {
		t.Fatal(err)
	}
	// fn may run on the stale copy first; the run that commits must be
	// on a new session.
	var last uint64
	runs := 0
	mustUpdate(t, a, "s-cache", func(sess *bot.Session) error {
		last = sess.Version
		runs++
		return nil
	})
	if last != 0 {
		t.Fatalf("Update after a delete elsewhere committed on version %d, want a new session", last)
	}
	t.Logf("fn ran %d times (the first on the stale copy)", runs)
	if _, err := b.Get(ctx, "s-cache"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("Get after delete and an Update without consent: err=%v, want ErrNotFound", err)
	}
}
