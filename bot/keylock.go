package bot

import "sync"

// keyLocks serialises the messages of one conversation, and only of one:
// a lock per key, made when a message of it arrives and dropped when the
// last one is done. (A fixed array of lock stripes made messages of
// different conversations wait for each other whenever their keys hashed
// to the same stripe: at 64 conversations at once that was most of the
// mutex wait under load.) The table is split in shards, each guarded by a
// mutex held only to find or count a lock.
type keyLocks struct {
	shards [64]keyLockShard
}

type keyLockShard struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int // messages holding or waiting for mu; guarded by the shard
}

// lock blocks until no other message of key is being handled and returns
// the function that lets the next one in.
func (k *keyLocks) lock(key string) (unlock func()) {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	sh := &k.shards[h%uint32(len(k.shards))]
	sh.mu.Lock()
	if sh.locks == nil {
		sh.locks = map[string]*keyLock{}
	}
	l := sh.locks[key]
	if l == nil {
		l = &keyLock{}
		sh.locks[key] = l
	}
	l.refs++
	sh.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		sh.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(sh.locks, key)
		}
		sh.mu.Unlock()
	}
}

// keyMutex is the lock of one key as a sync.Locker, for code that locks
// and unlocks in two steps.
type keyMutex struct {
	locks  *keyLocks
	key    string
	unlock func()
}

// Lock blocks until no other message of the key is being handled.
func (m *keyMutex) Lock() { m.unlock = m.locks.lock(m.key) }

// Unlock lets the next message of the key in.
func (m *keyMutex) Unlock() { m.unlock() }

// lock returns the lock of the conversation under key (not yet locked).
func (s *Service) lock(key string) *keyMutex { return &keyMutex{locks: &s.locks, key: key} }
