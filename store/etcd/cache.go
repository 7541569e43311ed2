package etcd

import (
	"sync"

	"go.etcd.io/etcd/api/v3/mvccpb"
)

// sessionCache remembers the sessions this instance wrote last, with
// their ModRevision, so that Update can write the next message's state
// without reading the session first (see Options.SessionCache). An entry
// may be stale (another instance wrote since): Update's condition on the
// ModRevision then fails and returns the newer session, so a stale entry
// costs a round trip, never an answer.
type sessionCache struct {
	mu    sync.Mutex
	limit int
	kvs   map[string]*mvccpb.KeyValue
}

func newSessionCache(limit int) *sessionCache {
	if limit == 0 {
		limit = 10000
	}
	return &sessionCache{limit: limit, kvs: map[string]*mvccpb.KeyValue{}}
}

// get returns the entry of session key sk, or nil. The caller must not
// change it.
func (c *sessionCache) get(sk string) *mvccpb.KeyValue {
	if c.limit < 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kvs[sk]
}

// put remembers kv under sk unless a newer revision is remembered. When
// the cache is full an arbitrary entry makes room (Go's map order is
// random enough: a dropped entry only costs its next Update a read).
func (c *sessionCache) put(sk string, kv *mvccpb.KeyValue) {
	if c.limit < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.kvs[sk]; ok {
		if old.ModRevision < kv.ModRevision {
			c.kvs[sk] = kv
		}
		return
	}
	if len(c.kvs) >= c.limit {
		for k := range c.kvs {
			delete(c.kvs, k)
			break
		}
	}
	c.kvs[sk] = kv
}

// del forgets sk.
func (c *sessionCache) del(sk string) {
	if c.limit < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.kvs, sk)
}
