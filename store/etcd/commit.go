package etcd

import (
	"context"
	"errors"
	"sync/atomic"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Group commit of session writes.
//
// Every message ends in one conditional transaction on its session key.
// With many conversations at once, each of those was a request of its own
// to the cluster, and the cluster's cost per request (gRPC, a raft entry,
// the apply loop) bound the tail: on three members on this project's
// 2-core machine the raw conditional puts alone had a p99 of about 130 ms
// at 64 in flight (`proactief bench` prints it), above what a message may
// take. Like bbolt's Batch, the committer sends the writes that are
// waiting together, as one transaction: every write's condition in If,
// all their operations in Then, a read of every session key in Else.
//
// There is no waiting for company: a write goes out at once when fewer
// than Options.CommitsInFlight transactions are in flight; writes that
// arrive while all are in flight go together in the next one. So one
// conversation alone pays nothing, and many share their round trips.
//
// A transaction is all or nothing. When its If fails, the Else reads show
// which writes lost against another writer (their key's ModRevision is no
// longer the one they were based on): those get the session as it is now,
// exactly as a lone transaction would give it; the others are sent again.
// A transport error goes to every write of the transaction, and each one
// finds out on its own whether it was committed (Store.committed), as
// before: the transaction either committed all of them or none.

// Limits of one group transaction: etcd's --max-txn-ops (128 by default)
// bounds each of If, Then and Else, and --max-request-bytes (1.5 MiB by
// default) the request.
const (
	maxGroupOps   = 128
	maxGroupBytes = 1 << 20
)

// commitReq is one session write waiting for the committer.
type commitReq struct {
	key    string // the session key its condition is on
	modRev int64  // the ModRevision the write was based on (0: absent)
	ops    []clientv3.Op
	bytes  int
	done   chan commitResult // buffered: the committer never blocks on it
	// gone is set when the caller stopped waiting before the request was
	// sent; the committer then drops it.
	gone atomic.Bool
}

// commitResult is the outcome of one write.
type commitResult struct {
	ok      bool             // committed
	rev     int64            // the revision of the transaction
	deleted int64            // keys its own operations deleted
	cur     *mvccpb.KeyValue // !ok: the session now (nil: absent)
	err     error            // the transaction failed: outcome unknown unless notApplied
}

type committer struct {
	s     *Store
	reqs  chan *commitReq
	slots chan struct{} // one per transaction in flight
	done  chan struct{} // run returned

	txns, writes atomic.Int64 // transactions sent and the writes in them (tests)
}

func newCommitter(s *Store, inFlight int) *committer {
	return &committer{
		s:     s,
		reqs:  make(chan *commitReq, 1024),
		slots: make(chan struct{}, inFlight),
		done:  make(chan struct{}),
	}
}

var errClosed = errors.New("etcd store closed")

// commit sends one write's transaction, alone or with others, and returns
// its outcome. An error of ctx while waiting is returned as it is; the
// write may then still be committed, as with a lone transaction whose
// context ends.
func (c *committer) commit(ctx context.Context, key string, modRev int64, ops []clientv3.Op) (commitResult, error) {
	r := &commitReq{key: key, modRev: modRev, ops: ops, done: make(chan commitResult, 1)}
	for _, op := range ops {
		r.bytes += len(op.KeyBytes()) + len(op.ValueBytes()) + 16
	}
	select {
	case c.reqs <- r:
	case <-ctx.Done():
		return commitResult{}, ctx.Err()
	case <-c.s.quit:
		return commitResult{}, errClosed
	}
	select {
	case res := <-r.done:
		return res, nil
	case <-ctx.Done():
		r.gone.Store(true)
		return commitResult{}, ctx.Err()
	case <-c.done:
		// Closed: every transaction has finished, and every write the
		// committer took was answered; one that came in the meantime was not sent.
		select {
		case res := <-r.done:
			return res, nil
		default:
			return commitResult{}, errClosed
		}
	}
}

// run gathers waiting writes into transactions until the store closes.
func (c *committer) run() {
	defer close(c.done)
	var pending []*commitReq
	for {
		if len(pending) == 0 {
			select {
			case r := <-c.reqs:
				pending = append(pending, r)
			case <-c.s.quit:
				c.fail(pending)
				return
			}
		}
		select {
		case c.slots <- struct{}{}:
		case <-c.s.quit:
			c.fail(pending)
			return
		}
	gather:
		for {
			select {
			case r := <-c.reqs:
				pending = append(pending, r)
			default:
				break gather
			}
		}
		var batch []*commitReq
		batch, pending = take(pending)
		if len(batch) == 0 {
			<-c.slots
			continue
		}
		go func() {
			defer func() { <-c.slots }()
			c.send(batch)
		}()
	}
}

// fail waits for the transactions in flight, then answers the writes
// still waiting when the store closes.
func (c *committer) fail(pending []*commitReq) {
	for range cap(c.slots) {
		c.slots <- struct{}{}
	}
	for _, r := range pending {
		r.done <- commitResult{err: errClosed}
	}
	for {
		select {
		case r := <-c.reqs:
			r.done <- commitResult{err: errClosed}
		default:
			return
		}
	}
}

// take returns the first writes of pending that fit in one transaction,
// one per session key, and the rest in their order. Writes whose caller
// stopped waiting are dropped.
func take(pending []*commitReq) (batch, rest []*commitReq) {
	ops, bytes := 0, 0
	keys := make(map[string]bool, len(pending))
	for _, r := range pending {
		switch {
		case r.gone.Load():
			continue
		case keys[r.key],
			len(batch) > 0 && (ops+len(r.ops) > maxGroupOps || bytes+r.bytes > maxGroupBytes || len(batch) >= maxGroupOps):
			rest = append(rest, r)
			continue
		}
		keys[r.key] = true
		ops += len(r.ops)
		bytes += r.bytes
		batch = append(batch, r)
	}
	return batch, rest
}

// send commits batch as one transaction and answers each write; writes
// that did not lose go back to the queue when another one did.
func (c *committer) send(batch []*commitReq) {
	cmps := make([]clientv3.Cmp, 0, len(batch))
	var then []clientv3.Op
	els := make([]clientv3.Op, 0, len(batch))
	for _, r := range batch {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(r.key), "=", r.modRev))
		then = append(then, r.ops...)
		els = append(els, clientv3.OpGet(r.key))
	}
	c.txns.Add(1)
	c.writes.Add(int64(len(batch)))
	ctx, cancel := context.WithTimeout(context.Background(), c.s.opts.RequestTimeout)
	resp, err := c.s.cli.Txn(ctx).If(cmps...).Then(then...).Else(els...).Commit()
	cancel()
	if err != nil {
		for _, r := range batch {
			r.done <- commitResult{err: err}
		}
		return
	}
	rev := resp.Header.Revision
	if resp.Succeeded {
		i := 0
		for _, r := range batch {
			r.done <- commitResult{ok: true, rev: rev, deleted: deletedIn(resp.Responses[i : i+len(r.ops)])}
			i += len(r.ops)
		}
		return
	}
	var again []*commitReq
	for i, r := range batch {
		var cur *mvccpb.KeyValue
		if kvs := resp.Responses[i].GetResponseRange().Kvs; len(kvs) > 0 {
			cur = kvs[0]
		}
		var now int64
		if cur != nil {
			now = cur.ModRevision
		}
		if now == r.modRev && len(batch) > 1 {
			again = append(again, r)
			continue
		}
		r.done <- commitResult{rev: rev, cur: cur}
	}
	if len(again) == len(batch) {
		// No write lost, yet the condition failed (a key changed and was
		// read back unchanged cannot happen): answer them as lost, so
		// that each reads its session again rather than loop.
		for i, r := range again {
			var cur *mvccpb.KeyValue
			if kvs := resp.Responses[i].GetResponseRange().Kvs; len(kvs) > 0 {
				cur = kvs[0]
			}
			r.done <- commitResult{rev: rev, cur: cur}
		}
		return
	}
	c.send(again)
}

func deletedIn(resps []*etcdserverpb.ResponseOp) int64 {
	var n int64
	for _, r := range resps {
		if d := r.GetResponseDeleteRange(); d != nil {
			n += d.Deleted
		}
	}
	return n
}
