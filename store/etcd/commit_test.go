package etcd

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/proactief/proactief/bot"
)

// Many conversations at once share transactions, and a write that loses
// against another instance's write does not take the others of its
// transaction with it: every update counts exactly once.
func TestGroupCommitExactlyOnce(t *testing.T) {
	ctx := context.Background()
	p := uniquePrefix(t)
	a := openShared(t, Options{Prefix: p, CommitsInFlight: 1})
	defer a.Close()
	b := openShared(t, Options{Prefix: p})
	defer b.Close()
	now := time.Now()
	const keys, rounds = 32, 15
	inc := func(s *Store, k int) error {
		return s.Update(ctx, fmt.Sprintf("s-%d", k), func(sess *bot.Session) error {
			sess.Conv.Consent = kept(now)
			sess.Conv.Turns++
			sess.ResearchOut = append(sess.ResearchOut, bot.ResearchTurn{Pseudonym: fmt.Sprintf("r-%d", k), Seq: sess.Conv.Turns})
			return nil
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, keys+4)
	for k := range keys {
		wg.Go(func() {
			for range rounds {
				if err := inc(a, k); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Another instance writes every fourth session meanwhile, so that
	// group transactions of a fail on a few of their writes.
	for k := 0; k < keys; k += 4 {
		wg.Go(func() {
			for range rounds {
				if err := inc(b, k); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Update: %v", err)
	}
	for k := range keys {
		want := rounds
		if k%4 == 0 {
			want *= 2
		}
		got, err := a.Get(ctx, fmt.Sprintf("s-%d", k))
		if err != nil {
			t.Fatal(err)
		}
		if got.Conv.Turns != want || got.Version != uint64(want) {
			t.Errorf("s-%d: turns %d version %d, want %d", k, got.Conv.Turns, got.Version, want)
		}
		resp, err := a.cli.Get(ctx, a.researchPrefix(fmt.Sprintf("r-%d", k)), clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			t.Fatal(err)
		}
		if resp.Count != int64(want) {
			t.Errorf("r-%d: %d research turns, want %d", k, resp.Count, want)
		}
	}
	txns, writes := a.commit.txns.Load(), a.commit.writes.Load()
	t.Logf("%d writes of a in %d transactions", writes, txns)
	if writes < keys*rounds || txns >= writes {
		t.Errorf("%d writes in %d transactions: want at least %d writes, grouped", writes, txns, keys*rounds)
	}
}

// take puts one write per session key in a transaction, within etcd's
// limits, and keeps the order of the rest.
func TestTakeLimits(t *testing.T) {
	req := func(key string, ops int) *commitReq {
		return &commitReq{key: key, ops: make([]clientv3.Op, ops), bytes: ops * 100}
	}
	gone := req("g", 1)
	gone.gone.Store(true)
	pending := []*commitReq{req("a", 3), req("b", 3), req("a", 3), gone, req("c", 125), req("d", 2), req("big", 200)}
	batch, rest := take(pending)
	names := func(rs []*commitReq) (out []string) {
		for _, r := range rs {
			out = append(out, r.key)
		}
		return out
	}
	if got := fmt.Sprint(names(batch)); got != "[a b d]" {
		t.Errorf("batch %s, want [a b d]", got)
	}
	if got := fmt.Sprint(names(rest)); got != "[a c big]" {
		t.Errorf("rest %s, want [a c big]", got)
	}
	// A write too large to share goes alone.
	batch, rest = take(rest[2:])
	if len(batch) != 1 || batch[0].key != "big" || len(rest) != 0 {
		t.Errorf("alone: batch %v rest %v", names(batch), names(rest))
	}
	big := &commitReq{key: "x", ops: make([]clientv3.Op, 1), bytes: maxGroupBytes}
	batch, rest = take([]*commitReq{req("y", 1), big})
	if len(batch) != 1 || len(rest) != 1 {
		t.Errorf("bytes limit: batch %v rest %v", names(batch), names(rest))
	}
}

// A write after Close is refused at once; it does not wait for a
// committer that is gone.
func TestUpdateAfterClose(t *testing.T) {
	s := openShared(t, Options{})
	mustUpdate(t, s, "s-1", func(sess *bot.Session) error {
		sess.Conv.Consent = kept(time.Now())
		return nil
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), "s-1", func(sess *bot.Session) error {
			sess.Conv.Turns++
			return nil
		})
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Update after Close succeeded")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Update after Close hangs")
	}
}
