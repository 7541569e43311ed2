package etcd

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// BaselinePuts measures what the cluster alone can do, as a yardstick for
// `proactief bench --store etcd://...`: n conditional puts of size bytes
// from concurrency goroutines, each a transaction that compares the key's
// ModRevision with the one its last put left (0 for a new key) and puts
// the value, as a session write does, without reading first and without
// anything else in the transaction. Each goroutine cycles over keys of its
// own under the prefix's "baseline/" range, so that keys are written
// again like sessions are. It returns the committed puts per second and
// their latencies, and deletes the keys afterwards.
func (s *Store) BaselinePuts(ctx context.Context, n, size, concurrency int) (Baseline, error) {
	if n <= 0 || size < 0 || concurrency <= 0 {
		return Baseline{}, fmt.Errorf("baseline: n=%d size=%d concurrency=%d", n, size, concurrency)
	}
	base := s.prefix + "baseline/" + instanceID() + "/"
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*s.opts.RequestTimeout)
		defer cancel()
		_ = s.retry(dctx, func(ctx context.Context) error {
			_, err := s.cli.Delete(ctx, base, clientv3.WithPrefix())
			return err
		})
	}()
	value := strings.Repeat("abcdefghijklmnopqrstuvwxyz", size/26+1)[:size]
	// About as many keys as a bench of n messages has conversations
	// (16 messages each), at least one per goroutine.
	keysPer := max(1, n/16/concurrency)
	var next atomic.Int64
	errs := make([]error, concurrency)
	lat := make([][]time.Duration, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			revs := make([]int64, keysPer)
			for j := 0; ; j++ {
				if next.Add(1) > int64(n) {
					return
				}
				k := j % keysPer
				key := fmt.Sprintf("%s%04d/%06d", base, w, k)
				t0 := time.Now()
				rctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
				resp, err := s.cli.Txn(rctx).
					If(clientv3.Compare(clientv3.ModRevision(key), "=", revs[k])).
					Then(clientv3.OpPut(key, value)).
					Commit()
				cancel()
				if err == nil && !resp.Succeeded {
					err = fmt.Errorf("conditional put of %s failed: key changed", key)
				}
				if err != nil {
					errs[w] = storeErr(ctx, err)
					return
				}
				revs[k] = resp.Header.Revision
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for w, err := range errs {
		if err != nil {
			return Baseline{}, fmt.Errorf("baseline: %w", err)
		}
		all = append(all, lat[w]...)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	return Baseline{PerSecond: float64(n) / elapsed.Seconds(), P50: pct(0.50), P99: pct(0.99)}, nil
}

// Baseline is what BaselinePuts measured: committed puts per second and
// the 50th and 99th percentile of one put's latency.
type Baseline struct {
	PerSecond float64
	P50, P99  time.Duration
}
