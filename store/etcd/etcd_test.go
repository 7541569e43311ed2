package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
	"github.com/proactief/proactief/store/etcd/etcdtest"
	"github.com/proactief/proactief/store/storetest"
)

// shared is the one-member cluster of the whole package; every test uses a
// prefix of its own.
var shared *etcdtest.Cluster

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "proactief-etcd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared, err = etcdtest.New(dir, 1)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	shared.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

var prefixes atomic.Int64

// uniquePrefix returns a key prefix no other test uses.
func uniquePrefix(t testing.TB) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("/test/%s-%d/", name, prefixes.Add(1))
}

func openShared(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = uniquePrefix(t)
	}
	s, err := Open(context.Background(), shared.Endpoints(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.Store { return openShared(t, Options{}) })
}

func kept(at time.Time) dialogue.Consent {
	return dialogue.Consent{Keep: &dialogue.Decision{Given: true, Version: "v", At: at, Channel: "test"}}
}

func rawClient(t testing.TB, endpoints []string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// TestErasureCompactsHistory: after an erasure, neither the session nor
// the research records can be read at the revisions that held them.
func TestErasureCompactsHistory(t *testing.T) {
	ctx := context.Background()
	compacted := make(chan int64, 4)
	s := openShared(t, Options{compacted: compacted})
	defer s.Close()
	cli := rawClient(t, shared.Endpoints())
	now := time.Now()

	err := s.Update(ctx, "s-priv", func(sess *bot.Session) error {
		sess.Conv.Consent = kept(now)
		sess.Research = "r-priv"
		sess.ResearchOut = []bot.ResearchTurn{{Pseudonym: "r-priv", Seq: 1, Day: bot.Day(now), Text: "schuld bij de woningcorporatie"}}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	sk, rk := s.sessionKey("s-priv"), s.researchKey("r-priv", 1)
	resp, err := cli.Get(ctx, sk)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("session not stored: %v %v", resp, err)
	}
	oldRev := resp.Kvs[0].ModRevision

	// Withdraw: the session is deleted and the research erased.
	err = s.Update(ctx, "s-priv", func(sess *bot.Session) error {
		sess.Conv.Consent.Keep = &dialogue.Decision{Given: false, At: now}
		sess.EraseResearch = sess.Research
		sess.Research = ""
		return nil
	})
	if err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	var rev int64
	select {
	case rev = <-compacted:
	case <-time.After(30 * time.Second):
		t.Fatal("no compaction after erasure")
	}
	if rev <= oldRev {
		t.Fatalf("compacted to revision %d, not past the erased value's %d", rev, oldRev)
	}
	for _, k := range []string{sk, rk} {
		if _, err := cli.Get(ctx, k, clientv3.WithRev(oldRev)); !errors.Is(err, rpctypes.ErrCompacted) {
			t.Fatalf("read %s at old revision %d: err=%v, want ErrCompacted", k, oldRev, err)
		}
		resp, err := cli.Get(ctx, k)
		if err != nil || len(resp.Kvs) != 0 {
			t.Fatalf("erased key %s still there: %v %v", k, resp.Kvs, err)
		}
	}
}

func TestCompactionOff(t *testing.T) {
	ctx := context.Background()
	compacted := make(chan int64, 4)
	s := openShared(t, Options{compacted: compacted, CompactAfterErase: -1})
	mustUpdate(t, s, "s-1", func(sess *bot.Session) error { sess.Conv.Consent = kept(time.Now()); return nil })
	if err := s.Delete(ctx, "s-1", ""); err != nil {
		t.Fatal(err)
	}
	s.Close()
	select {
	case rev := <-compacted:
		t.Fatalf("compacted to %d with compaction off", rev)
	default:
	}
}

// TestEraseAndRewriteResearch: erasing a pseudonym's turns and writing new
// ones of it in the same Update keeps only the new ones (etcd refuses a put
// inside a range deleted by the same transaction).
func TestEraseAndRewriteResearch(t *testing.T) {
	ctx := context.Background()
	s := openShared(t, Options{})
	defer s.Close()
	mustUpdate(t, s, "s-1", func(sess *bot.Session) error {
		sess.ResearchOut = []bot.ResearchTurn{{Pseudonym: "r-1", Seq: 1, Day: "2026-11-01"}, {Pseudonym: "r-1", Seq: 2, Day: "2026-11-01"}, {Pseudonym: "r-1", Seq: 5, Day: "2026-11-01"}, {Pseudonym: "r-10", Seq: 1, Day: "2026-11-01"}}
		return nil
	})
	mustUpdate(t, s, "s-1", func(sess *bot.Session) error {
		sess.EraseResearch = "r-1"
		sess.ResearchOut = []bot.ResearchTurn{{Pseudonym: "r-1", Seq: 2, Day: "2026-11-02", Text: "new"}, {Pseudonym: "r-1", Seq: 3, Day: "2026-11-02", Text: "new"}}
		return nil
	})
	var got []string
	err := s.Research(ctx, func(rt bot.ResearchTurn) error {
		got = append(got, fmt.Sprintf("%s/%d/%s", rt.Pseudonym, rt.Seq, rt.Text))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "r-1/2/new r-1/3/new r-10/1/"; strings.Join(got, " ") != want {
		t.Fatalf("research=%q, want %q", strings.Join(got, " "), want)
	}
}

func TestTooManyTurnsInOneUpdate(t *testing.T) {
	s := openShared(t, Options{})
	defer s.Close()
	err := s.Update(context.Background(), "s-1", func(sess *bot.Session) error {
		for i := range maxTurnsPerUpdate + 1 {
			sess.ResearchOut = append(sess.ResearchOut, bot.ResearchTurn{Pseudonym: "r", Seq: i})
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("err=%v, want a limit error", err)
	}
}

func TestLargeTallyAndScanPages(t *testing.T) {
	ctx := context.Background()
	s := openShared(t, Options{})
	defer s.Close()
	deltas := map[string]int{}
	for i := range 3*maxTallyPerTxn + 7 {
		deltas[fmt.Sprintf("started:%04d", i)] = i + 1
	}
	for range 2 {
		if err := s.Tally(ctx, deltas); err != nil {
			t.Fatalf("Tally: %v", err)
		}
	}
	got, err := s.Tallies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(deltas) {
		t.Fatalf("%d tallies, want %d", len(got), len(deltas))
	}
	for k, d := range deltas {
		if got[k] != 2*d {
			t.Fatalf("tally %s=%d, want %d", k, got[k], 2*d)
		}
	}
}

func TestSchemaNewer(t *testing.T) {
	ctx := context.Background()
	p := uniquePrefix(t)
	cli := rawClient(t, shared.Endpoints())
	if _, err := cli.Put(ctx, p+"schema", "99"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, shared.Endpoints(), Options{Prefix: p})
	if !errors.Is(err, ErrSchema) {
		t.Fatalf("Open of a newer prefix: err=%v, want ErrSchema", err)
	}
}

func TestUnreachable(t *testing.T) {
	start := time.Now()
	_, err := Open(context.Background(), []string{"127.0.0.1:1"}, Options{RequestTimeout: 200 * time.Millisecond})
	if !errors.Is(err, bot.ErrUnavailable) {
		t.Fatalf("Open of an unreachable cluster: err=%v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("Open took %v", d)
	}
}

func TestCampaign(t *testing.T) {
	ctx := context.Background()
	p := uniquePrefix(t)
	a, b := openShared(t, Options{Prefix: p}), openShared(t, Options{Prefix: p})
	defer a.Close()
	defer b.Close()
	lead, resignA, err := a.Lead(ctx, "sweeper")
	if err != nil {
		t.Fatalf("a.Campaign: %v", err)
	}
	got := make(chan func(), 1)
	go func() {
		resign, err := b.Campaign(ctx, "sweeper")
		if err != nil {
			t.Errorf("b.Campaign: %v", err)
			close(got)
			return
		}
		got <- resign
	}()
	select {
	case <-got:
		t.Fatal("b leads while a does")
	case <-time.After(300 * time.Millisecond):
	}
	resignA()
	select {
	case <-lead.Done():
	default:
		t.Fatal("a's leader context not done after resign")
	}
	select {
	case resignB := <-got:
		if resignB != nil {
			resignB()
		}
	case <-time.After(10 * time.Second):
		t.Fatal("b did not become leader after a resigned")
	}
}

func TestParseURL(t *testing.T) {
	cases := []struct {
		url       string
		endpoints string
		prefix    string
		user      string
		tls       bool
		err       bool
	}{
		{url: "etcd://127.0.0.1:2379", endpoints: "http://127.0.0.1:2379"},
		{url: "etcd://a,b:2380/?prefix=/p/", endpoints: "http://a:2379 http://b:2380", prefix: "/p/"},
		{url: "etcd://svc@a:1,b:2?tls=1&request_timeout=2s", endpoints: "https://a:1 https://b:2", user: "svc", tls: true},
		{url: "etcd://[::1]:2379?compact_after_erase=off", endpoints: "http://[::1]:2379"},
		{url: "etcd://u:secret@a", err: true},
		{url: "etcd://a?password=x", err: true},
		{url: "etcd://a?prefx=/p/", err: true},
		{url: "etcd://a?commits_in_flight=0", err: true},
		{url: "etcd://a?commits_in_flight=two", err: true},
		{url: "etcd://a,,b", err: true},
		{url: "etcd://a/proactief", err: true},
		{url: "etcd://a?ca=/does/not/exist", err: true},
		{url: "etcd://a?cert=x", err: true},
		{url: "bolt:///tmp/x.db", err: true},
	}
	for _, c := range cases {
		eps, opts, err := ParseURL(c.url)
		if c.err {
			if !errors.Is(err, ErrURL) {
				t.Errorf("ParseURL(%q): err=%v, want ErrURL", c.url, err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseURL(%q): error shows the password: %v", c.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q): %v", c.url, err)
			continue
		}
		if got := strings.Join(eps, " "); got != c.endpoints || opts.Prefix != c.prefix || opts.Username != c.user || (opts.TLS != nil) != c.tls {
			t.Errorf("ParseURL(%q)=%q prefix=%q user=%q tls=%v, want %q %q %q %v", c.url, got, opts.Prefix, opts.Username, opts.TLS != nil, c.endpoints, c.prefix, c.user, c.tls)
		}
	}
	_, opts, _ := ParseURL("etcd://a?compact_after_erase=off&dial_timeout=3s&commits_in_flight=2")
	if opts.CompactAfterErase >= 0 || opts.DialTimeout != 3*time.Second || opts.CommitsInFlight != 2 {
		t.Errorf("options=%+v", opts)
	}
}

// TestClusterNoLostUpdates: two instances, each talking to another member
// of a 3-member cluster, update the same session concurrently; then the
// leader is stopped while they keep going. Every update counts exactly once.
func TestClusterNoLostUpdates(t *testing.T) {
	if testing.Short() {
		t.Skip("3-member cluster")
	}
	ctx := context.Background()
	c := etcdtest.Start(t, 3)
	m := c.Members
	p := uniquePrefix(t)
	var events counter
	open := func(ep string) *Store {
		s, err := Open(ctx, []string{ep}, Options{Prefix: p, Logger: slog.New(&events)})
		if err != nil {
			t.Fatalf("Open %s: %v", ep, err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(m[0].Endpoint), open(m[1].Endpoint)
	now := time.Now()
	var total atomic.Int64
	inc := func(s *Store) error {
		err := s.Update(ctx, "s-shared", func(sess *bot.Session) error {
			sess.Conv.Consent = kept(now)
			sess.Conv.Turns++
			return nil
		})
		if err == nil {
			total.Add(1)
		}
		return err
	}
	// run has each store update 2n times, from two goroutines; after
	// the first `after` updates it calls mid once.
	run := func(n, after int, mid func()) {
		t.Helper()
		var wg sync.WaitGroup
		var count atomic.Int64
		midDone := make(chan struct{})
		var once sync.Once
		errs := make(chan error, 8)
		for _, s := range []*Store{a, b, a, b} {
			wg.Go(func() {
				for range n {
					if err := inc(s); err != nil {
						errs <- err
						return
					}
					if count.Add(1) == int64(after) && mid != nil {
						once.Do(func() { mid(); close(midDone) })
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("Update: %v", err)
		}
	}
	check := func(want int) {
		t.Helper()
		for _, s := range []*Store{a, b} {
			got, err := s.Get(ctx, "s-shared")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if got.Conv.Turns != want || got.Version != uint64(want) {
				t.Fatalf("turns=%d version=%d, want %d (lost or doubled updates)", got.Conv.Turns, got.Version, want)
			}
		}
	}
	run(15, 0, nil)
	check(60)

	// Make the third member the leader, then stop it mid-run.
	cli := rawClient(t, c.Endpoints())
	leader := func() uint64 {
		for _, mm := range m[:2] {
			st, err := cli.Status(ctx, mm.Endpoint)
			if err == nil {
				return st.Leader
			}
		}
		return 0
	}
	if id := leader(); id != m[2].ID() {
		var leaderEP string
		for _, mm := range m {
			if mm.ID() == id {
				leaderEP = mm.Endpoint
			}
		}
		lc := rawClient(t, []string{leaderEP})
		if _, err := lc.MoveLeader(ctx, m[2].ID()); err != nil {
			t.Logf("MoveLeader: %v (stopping a follower instead)", err)
		}
	}
	stopped := leader() == m[2].ID()
	run(15, 20, m[2].Stop)
	check(120)
	t.Logf("third member stopped (it was the leader: %v); 2 of 3 kept going; store log: %v", stopped, events.counts())
	// And on with two members.
	run(5, 0, nil)
	check(140)
	if total.Load() != 140 {
		t.Fatalf("%d updates succeeded, want 140", total.Load())
	}
}

// counter is a slog.Handler that counts messages.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) Enabled(context.Context, slog.Level) bool { return true }
func (c *counter) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[r.Message]++
	return nil
}
func (c *counter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *counter) WithGroup(string) slog.Handler      { return c }
func (c *counter) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.n)
}

func mustUpdate(t testing.TB, s bot.Store, key string, fn func(*bot.Session) error) {
	t.Helper()
	if err := s.Update(context.Background(), key, fn); err != nil {
		t.Fatalf("Update %s: %v", key, err)
	}
}

// benchSession makes a session of a realistic size (about 2 KB of JSON):
// consent, a dozen handled messages with their replies.
func benchSession(sess *bot.Session, now time.Time) {
	sess.Conv.Consent = kept(now)
	sess.Conv.Turns++
	sess.Conv.Updated = now
	if len(sess.Seen) == 0 {
		for i := range 12 {
			sess.Seen = append(sess.Seen, bot.Seen{ID: fmt.Sprintf("m-%d", i), Replies: []dialogue.Reply{{Text: strings.Repeat("Fijn dat u dit vertelt. ", 6)}}})
		}
	}
}

// BenchmarkUpdate measures bot.Store.Update on a one-member embedded etcd
// (fsync on, loopback) and on store/bolt, on the same disk. "serial" is one
// conversation after the other; "parallel" has 32 goroutines writing
// different conversations (as many users at once).
func BenchmarkUpdate(b *testing.B) {
	now := time.Now()
	stores := []struct {
		name string
		open func(b *testing.B) bot.Store
	}{
		{"etcd1", func(b *testing.B) bot.Store { return openShared(b, Options{}) }},
		{"bolt", func(b *testing.B) bot.Store {
			db, err := bolt.Open(filepath.Join(b.TempDir(), "p.db"), bolt.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return db
		}},
	}
	for _, st := range stores {
		b.Run(st.name+"/serial", func(b *testing.B) {
			s := st.open(b)
			defer s.Close()
			ctx := context.Background()
			i := 0
			start := time.Now()
			for b.Loop() {
				i++
				key := fmt.Sprintf("s-%d", i%1000)
				if err := s.Update(ctx, key, func(sess *bot.Session) error { benchSession(sess, now); return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
		})
		b.Run(st.name+"/parallel", func(b *testing.B) {
			s := st.open(b)
			defer s.Close()
			ctx := context.Background()
			var g atomic.Int64
			b.SetParallelism(16)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				id := g.Add(1)
				i := 0
				for pb.Next() {
					i++
					key := fmt.Sprintf("s-%d-%d", id, i%100)
					if err := s.Update(ctx, key, func(sess *bot.Session) error { benchSession(sess, now); return nil }); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
		})
	}
}

// TestCommitted: after a write whose outcome is unknown, committed tells
// whether it was committed, also when another instance wrote on top of it.
func TestCommitted(t *testing.T) {
	ctx := context.Background()
	s := openShared(t, Options{})
	defer s.Close()
	cli := rawClient(t, shared.Endpoints())
	now := time.Now()
	sk := s.sessionKey("s-amb")

	// attempt prepares a write the way Update does, from the current state.
	attempt := func() (write, int64, int64) {
		t.Helper()
		resp, err := cli.Get(ctx, sk)
		if err != nil {
			t.Fatal(err)
		}
		sess, modRev := &bot.Session{Key: "s-amb"}, int64(0)
		if len(resp.Kvs) > 0 {
			sess, _, _ = decodeSession(resp.Kvs[0].Value)
			modRev = resp.Kvs[0].ModRevision
		}
		benchSession(sess, now)
		w, err := s.write(sess, sk, modRev > 0)
		if err != nil {
			t.Fatal(err)
		}
		return w, modRev, resp.Header.Revision
	}
	commit := func(w write, modRev int64) {
		t.Helper()
		resp, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(sk), "=", modRev)).Then(w.ops...).Commit()
		if err != nil || !resp.Succeeded {
			t.Fatalf("commit: %v %v", resp, err)
		}
	}
	other := func() {
		mustUpdate(t, s, "s-amb", func(sess *bot.Session) error { benchSession(sess, now); return nil })
	}
	check := func(name string, w write, modRev, readRev int64, want bool) {
		t.Helper()
		got, err := s.committed(ctx, sk, w, modRev, readRev)
		if err != nil || got != want {
			t.Fatalf("%s: committed=%v err=%v, want %v", name, got, err, want)
		}
	}

	w, mod, read := attempt()
	check("create, not committed", w, mod, read, false)
	if _, err := cli.Put(ctx, s.prefix+"unrelated", "x"); err != nil {
		t.Fatal(err)
	}
	check("create, not committed, other keys written", w, mod, read, false)
	commit(w, mod)
	check("create, committed", w, mod, read, true)
	other()
	check("create, committed and overwritten", w, mod, read, true)

	w, mod, read = attempt()
	check("update, not committed", w, mod, read, false)
	other()
	check("update, lost to another writer", w, mod, read, false)
	w, mod, read = attempt()
	commit(w, mod)
	other()
	other()
	check("update, committed and overwritten twice", w, mod, read, true)

	if _, err := cli.Delete(ctx, sk); err != nil {
		t.Fatal(err)
	}
	w, mod, read = attempt()
	commit(w, mod)
	if _, err := cli.Delete(ctx, sk); err != nil {
		t.Fatal(err)
	}
	check("create, committed and deleted", w, mod, read, true)
}
