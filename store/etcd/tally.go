package etcd

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/proactief/proactief/bot"
)

// Counters.
//
// Every message used to read, compare and write the same few counter keys
// (started, started:<day>, consent_*), so that under load most of the
// cluster's work was conflicts and retries on them. Now Tally only adds
// the deltas to a map in memory; one goroutine per Store (tallyLoop)
// commits what gathered, at most once per Options.TallyInterval, in one
// transaction of up to 119 counters. Counter keys stay t/<name>, summed
// across instances by the conditional write itself.
//
// Exactly once: each commit also writes this instance's marker key
// (tally-flush/<instance>) with the commit's sequence number, and is
// conditional on the marker's ModRevision as last seen. A commit whose
// outcome is unknown (leader lost in flight) is resolved by reading the
// marker: if it holds the sequence number the commit went through;
// otherwise the same deltas are tried again under the same number, and
// the condition on the marker stops a late copy of the first attempt from
// being applied as well.

// flushMarkers is the key prefix of the per-instance commit markers.
const flushMarkers = "tally-flush/"

// tallyState is the counter deltas a Store gathers.
type tallyState struct {
	// Tally adds to one of the shards (in turn), so that messages seldom
	// wait for each other; the commit loop drains them into pending.
	shards [16]tallyShard
	next   atomic.Uint32

	mu      sync.Mutex
	pending map[string]int // drained from the shards, not yet in a batch

	kick    chan struct{}   // deltas are pending (buffer 1)
	now     chan chan error // commit what is pending now and answer
	done    chan struct{}   // tallyLoop stopped
	dropped atomic.Int64    // counts taken but never committed
	unrep   atomic.Int64    // of those, not yet reported by Tally or Close

	// Owned by tallyLoop.
	seq      int64       // sequence number of the last batch started
	markRev  int64       // ModRevision of the marker after our last commit
	inflight *tallyBatch // a batch started but not known to be committed
	lastWarn time.Time   // when a failed commit was last logged
}

// tallyShard is a part of the deltas gathered since the last drain.
type tallyShard struct {
	mu      sync.Mutex
	pending map[string]int
	closed  bool // the Store closed: take nothing more
}

// drain moves the shards' deltas into pending.
func (t *tallyState) drain() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for k, d := range sh.pending {
			t.pending[k] += d
		}
		clear(sh.pending)
		sh.mu.Unlock()
	}
}

// tallyBatch is one commit of counter deltas.
type tallyBatch struct {
	seq    int64
	names  []string // sorted
	deltas map[string]int
}

func (t *tallyState) init() {
	t.pending = map[string]int{}
	for i := range t.shards {
		t.shards[i].pending = map[string]int{}
	}
	t.kick = make(chan struct{}, 1)
	t.now = make(chan chan error)
	t.done = make(chan struct{})
}

// counts returns the sum of the absolute values of deltas.
func counts(deltas map[string]int) int64 {
	var n int64
	for _, d := range deltas {
		if d < 0 {
			d = -d
		}
		n += int64(d)
	}
	return n
}

// drop counts n counts as dropped.
func (t *tallyState) drop(n int64) {
	t.dropped.Add(n)
	t.unrep.Add(n)
}

// report returns an error wrapping bot.ErrTallyDropped when counts were
// dropped since the last report, nil otherwise.
func (t *tallyState) report() error {
	if n := t.unrep.Swap(0); n > 0 {
		return fmt.Errorf("%w: %d counts could not be committed to etcd", bot.ErrTallyDropped, n)
	}
	return nil
}

func (s *Store) markerKey() string { return s.prefix + flushMarkers + s.id }

// Tally implements bot.Store. It adds deltas to the counts gathered in
// memory and returns; they are committed within Options.TallyInterval. It
// returns an error wrapping bot.ErrTallyDropped when earlier counts could
// not be committed, and bot.ErrUnavailable after Close.
func (s *Store) Tally(ctx context.Context, deltas map[string]int) error {
	t := &s.tally
	sh := &t.shards[t.next.Add(1)%uint32(len(t.shards))]
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		t.drop(counts(deltas))
		return fmt.Errorf("tally: %w: store closed (%w)", bot.ErrUnavailable, t.report())
	}
	added := false
	for k, d := range deltas {
		if d != 0 {
			sh.pending[k] += d
			added = true
		}
	}
	sh.mu.Unlock()
	if added {
		select {
		case t.kick <- struct{}{}:
		default:
		}
	}
	if err := t.report(); err != nil {
		return fmt.Errorf("tally: %w", err)
	}
	return nil
}

// DroppedTallies implements bot.TallyDrops.
func (s *Store) DroppedTallies() int64 { return s.tally.dropped.Load() }

// Tallies implements bot.Store. It commits this Store's pending deltas
// first; those of other instances are included once they committed theirs
// (within their TallyInterval).
func (s *Store) Tallies(ctx context.Context) (map[string]int, error) {
	reply := make(chan error, 1)
	select {
	case s.tally.now <- reply:
		select {
		case err := <-reply:
			if err != nil {
				return nil, fmt.Errorf("tallies: %w", err)
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case <-s.tally.done: // closed: everything is committed or dropped
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	out := map[string]int{}
	p := s.prefix + "t/"
	err := s.scan(ctx, p, func(kv *mvccpb.KeyValue) error {
		n, _ := strconv.Atoi(string(kv.Value))
		out[strings.TrimPrefix(string(kv.Key), p)] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tallies: %w", err)
	}
	return out, nil
}

// tallyLoop commits the gathered deltas: after a Tally, once
// Options.TallyInterval has passed since the last commit; at once when
// Tallies asks; and a last time when the Store closes.
func (s *Store) tallyLoop() {
	t := &s.tally
	defer close(t.done)
	last := time.Now() // the first commit, too, waits for the interval
	for {
		var reply chan error
		select {
		case <-t.kick:
			if wait := s.opts.TallyInterval - time.Since(last); wait > 0 {
				timer := time.NewTimer(wait)
				select {
				case <-timer.C:
				case reply = <-t.now:
				case <-s.quit:
				}
				timer.Stop()
			}
		case reply = <-t.now:
		case <-s.quit:
		}
		closing := false
		select {
		case <-s.quit:
			closing = true
		default:
		}
		if closing {
			s.closeTallies()
			if reply != nil {
				reply <- nil
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*s.opts.RequestTimeout)
		err := s.flushTallies(ctx)
		cancel()
		last = time.Now()
		if reply != nil {
			reply <- err
		}
		if err != nil {
			// Kept, not dropped: the next round tries again.
			if time.Since(t.lastWarn) > time.Minute {
				t.lastWarn = time.Now()
				s.log.Warn("etcd counters not committed yet; kept in memory and tried again", "counts", s.pendingCounts(), "err", err)
			}
			select {
			case t.kick <- struct{}{}:
			default:
			}
			if s.opts.TallyInterval <= 0 {
				// Do not spin while the cluster is away.
				select {
				case <-time.After(s.opts.RequestTimeout / 10):
				case <-s.quit:
				}
			}
		}
	}
}

// closeTallies commits what is pending when the Store closes; what cannot
// be committed is dropped, counted and logged.
func (s *Store) closeTallies() {
	t := &s.tally
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		sh.closed = true
		sh.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*s.opts.RequestTimeout)
	defer cancel()
	if err := s.flushTallies(ctx); err != nil {
		n := s.pendingCounts()
		t.mu.Lock()
		clear(t.pending)
		t.mu.Unlock()
		t.inflight = nil
		t.drop(n)
		s.log.Error("etcd counters dropped at close: the cluster did not take them", "counts", n, "err", err)
		return
	}
	// Every commit is known: the marker is not needed any more.
	if t.markRev > 0 {
		_ = s.retry(ctx, func(ctx context.Context) error {
			_, err := s.cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(s.markerKey()), "=", t.markRev)).
				Then(clientv3.OpDelete(s.markerKey())).Commit()
			return err
		})
	}
}

// pendingCounts returns the counts gathered but not committed.
func (s *Store) pendingCounts() int64 {
	t := &s.tally
	t.drain()
	t.mu.Lock()
	n := counts(t.pending)
	t.mu.Unlock()
	if t.inflight != nil {
		n += counts(t.inflight.deltas)
	}
	return n
}

// flushTallies commits every pending delta, batch after batch. On error
// the deltas stay: the batch in flight as it is, the rest pending.
func (s *Store) flushTallies(ctx context.Context) error {
	t := &s.tally
	t.drain()
	for {
		if t.inflight == nil {
			t.mu.Lock()
			if len(t.pending) == 0 {
				t.mu.Unlock()
				return nil
			}
			names := make([]string, 0, len(t.pending))
			for k := range t.pending {
				names = append(names, k)
			}
			slices.Sort(names)
			// One operation of the transaction is the marker.
			names = names[:min(len(names), maxTallyPerTxn-1)]
			b := &tallyBatch{names: names, deltas: make(map[string]int, len(names))}
			for _, k := range names {
				b.deltas[k] = t.pending[k]
				delete(t.pending, k)
			}
			t.mu.Unlock()
			t.seq++
			b.seq = t.seq
			t.inflight = b
		}
		if err := s.commitTallies(ctx, t.inflight); err != nil {
			return err
		}
		t.inflight = nil
	}
}

// commitTallies commits batch b exactly once: it adds the deltas to the
// counters and writes the marker, conditional on the counters and the
// marker being as read; see the comment at the top of this file.
func (s *Store) commitTallies(ctx context.Context, b *tallyBatch) error {
	t := &s.tally
	mk := s.markerKey()
	gets := make([]clientv3.Op, 0, len(b.names)+1)
	gets = append(gets, clientv3.OpGet(mk))
	for _, k := range b.names {
		gets = append(gets, clientv3.OpGet(s.tallyKey(k)))
	}
	seq := strconv.FormatInt(b.seq, 10)
	var cur []*clientv3.GetResponse // nil: read first
	var lastErr error
	start := time.Now()
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if lastErr != nil && time.Since(start) >= 2*s.opts.RequestTimeout {
				return fmt.Errorf("commit counters: %w", storeErr(ctx, lastErr))
			}
			if attempt >= maxAttempts {
				return fmt.Errorf("commit counters: %w after %d attempts", bot.ErrConflict, attempt)
			}
			if lastErr != nil || attempt > 3 {
				if err := backoff(ctx, attempt); err != nil {
					return err
				}
			}
		}
		if cur == nil {
			var resp *clientv3.TxnResponse
			err := s.retry(ctx, func(ctx context.Context) (err error) {
				resp, err = s.cli.Txn(ctx).Then(gets...).Commit()
				return err
			})
			if err != nil {
				lastErr = err
				continue
			}
			cur = ranges(resp)
		}
		var markRev int64
		if kvs := cur[0].Kvs; len(kvs) > 0 {
			if string(kvs[0].Value) == seq {
				// An earlier attempt, whose outcome was unknown, went through.
				t.markRev = kvs[0].ModRevision
				return nil
			}
			markRev = kvs[0].ModRevision
		}
		cmps := make([]clientv3.Cmp, 0, len(b.names)+1)
		puts := make([]clientv3.Op, 0, len(b.names)+1)
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(mk), "=", markRev))
		puts = append(puts, clientv3.OpPut(mk, seq))
		for i, k := range b.names {
			var n int
			var rev int64
			if kvs := cur[i+1].Kvs; len(kvs) > 0 {
				n, _ = strconv.Atoi(string(kvs[0].Value))
				rev = kvs[0].ModRevision
			}
			cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(s.tallyKey(k)), "=", rev))
			puts = append(puts, clientv3.OpPut(s.tallyKey(k), strconv.Itoa(n+b.deltas[k])))
		}
		rctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
		resp, err := s.cli.Txn(rctx).If(cmps...).Then(puts...).Else(gets...).Commit()
		cancel()
		switch {
		case err == nil && resp.Succeeded:
			t.markRev = resp.Header.Revision
			return nil
		case err == nil:
			// Another instance committed its counters meanwhile.
			cur, lastErr = ranges(resp), nil
		case ctx.Err() != nil:
			return ctx.Err()
		case transient(err):
			// Applied or not: the marker tells, on the next read.
			cur, lastErr = nil, err
		default:
			return fmt.Errorf("commit counters: %w", storeErr(ctx, err))
		}
	}
}
