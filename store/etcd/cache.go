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
// costs a round trip, never an answer. It is split in shards, so that
// messages of different conversations seldom wait for one mutex (one
// mutex was the second largest wait in a mutex profile at 64 at once).
type sessionCache struct {
	shards [64]cacheShard
}

type cacheShard struct {
	mu    sync.Mutex
	limit int
	kvs   map[string]*mvccpb.KeyValue
}

func newSessionCache(limit int) *sessionCache {
	if limit == 0 {
		limit = 10000
	}
	c := &sessionCache{}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.limit = limit
		if limit > 0 {
			sh.limit = max(1, (limit+len(c.shards)-1)/len(c.shards))
		}
		sh.kvs = map[string]*mvccpb.KeyValue{}
	}
	return c
}

func (c *sessionCache) shard(sk string) *cacheShard {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(sk); i++ {
		h = (h ^ uint32(sk[i])) * 16777619
	}
	return &c.shards[h%uint32(len(c.shards))]
}

// get returns the entry of session key sk, or nil. The caller must not
// change it.
func (c *sessionCache) get(sk string) *mvccpb.KeyValue {
	sh := c.shard(sk)
	if sh.limit < 0 {
		return nil
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.kvs[sk]
}

// put remembers kv under sk unless a newer revision is remembered. When
// the shard is full an arbitrary entry makes room (Go's map order is
// random enough: a dropped entry only costs its next Update a read).
func (c *sessionCache) put(sk string, kv *mvccpb.KeyValue) {
	sh := c.shard(sk)
	if sh.limit < 0 {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old, ok := sh.kvs[sk]; ok {
		if old.ModRevision < kv.ModRevision {
			sh.kvs[sk] = kv
		}
		return
	}
	if len(sh.kvs) >= sh.limit {
		for k := range sh.kvs {
			delete(sh.kvs, k)
			break
		}
	}
	sh.kvs[sk] = kv
}

// del forgets sk.
func (c *sessionCache) del(sk string) {
	sh := c.shard(sk)
	if sh.limit < 0 {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.kvs, sk)
}
