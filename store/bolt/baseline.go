package bolt

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// BaselinePuts measures what the disk and bbolt alone can do, as a yardstick
// for `proactief bench`: it writes n records of size bytes into a new bbolt
// file at path, each in its own db.Batch (group commit, fsync on, the same
// MaxBatchDelay as Open's default) from concurrency goroutines, and returns
// the committed puts per second. The file is removed afterwards.
func BaselinePuts(path string, n, size, concurrency int) (float64, error) {
	if n <= 0 || size < 0 || concurrency <= 0 {
		return 0, fmt.Errorf("baseline: n=%d size=%d concurrency=%d", n, size, concurrency)
	}
	_ = os.Remove(path)
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	defer os.Remove(path)
	defer db.Close()
	db.MaxBatchDelay = 2 * time.Millisecond
	bucket := []byte("baseline")
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	value := make([]byte, size)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				// Keys spread like the service's pseudonyms do.
				var k [8]byte
				binary.BigEndian.PutUint64(k[:], uint64(i)*0x9E3779B97F4A7C15)
				err := db.Batch(func(tx *bbolt.Tx) error {
					return tx.Bucket(bucket).Put(k[:], value)
				})
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, fmt.Errorf("baseline: %w", firstErr)
	}
	return float64(n) / elapsed.Seconds(), nil
}
