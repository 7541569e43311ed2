package bot

import (
	"fmt"
	"sync"
	"testing"
)

// TestKeyLocksOtherKeysDoNotWait: while one conversation's lock is held,
// every other conversation's lock is taken at once (with a fixed array of
// stripes, some of these 10,000 keys would share a stripe and block).
func TestKeyLocksOtherKeysDoNotWait(t *testing.T) {
	var k keyLocks
	unlock := k.lock("s-held")
	for i := range 10000 {
		k.lock(fmt.Sprintf("s-%d", i))()
	}
	unlock()
	for i := range k.shards {
		if n := len(k.shards[i].locks); n != 0 {
			t.Fatalf("shard %d keeps %d locks after every unlock, want 0", i, n)
		}
	}
}

// TestKeyLocksSerialiseOneKey: messages of one conversation run one at a
// time (the race detector sees the unguarded counter otherwise), and every
// one of them runs.
func TestKeyLocksSerialiseOneKey(t *testing.T) {
	var k keyLocks
	var a, b int // each guarded by its key's lock only
	var wg sync.WaitGroup
	for i := range 400 {
		key, n := "s-a", &a
		if i%2 == 1 {
			key, n = "s-b", &b
		}
		wg.Go(func() {
			defer k.lock(key)()
			*n++
		})
	}
	wg.Wait()
	if a != 200 || b != 200 {
		t.Fatalf("a=%d b=%d, want 200 each", a, b)
	}
}
