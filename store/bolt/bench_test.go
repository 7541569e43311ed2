package bolt_test

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// typicalSession returns a session as the service stores it half way a
// conversation: consent given, statements answered, handled messages seen.
func typicalSession(tb testing.TB) *bot.Session {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "typical.db"), bolt.Options{})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	defer db.Close()
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		tb.Fatalf("dialogue.New: %v", err)
	}
	svc := bot.New(db, eng, []byte("bench-secret-0123456789"), bot.Options{})
	ctx := context.Background()
	prompt := ""
	send := func(i int, in bot.Inbound) bot.Result {
		in.Channel, in.UserID, in.MessageID = bot.Terminal, "typical", strconv.Itoa(i)
		res, err := svc.Handle(ctx, in)
		if err != nil {
			tb.Fatalf("Handle: %v", err)
		}
		for _, r := range res.Replies {
			if r.Prompt != "" {
				prompt = r.Prompt
			}
		}
		return res
	}
	send(0, bot.Inbound{Text: "/start"})
	send(1, bot.Inbound{Choice: "yes", Prompt: prompt})
	res := send(2, bot.Inbound{Choice: "yes", Prompt: prompt})
	for i := 3; i < 8 && res.Phase == dialogue.PhaseProfiling; i++ {
		res = send(i, bot.Inbound{Choice: strconv.Itoa(1 + i%5), Prompt: prompt})
	}
	s, err := db.Get(ctx, svc.Pseudonyms().Key(bot.Terminal, "typical"))
	if err != nil {
		tb.Fatalf("Get: %v", err)
	}
	return s
}

func BenchmarkEncodeSession(b *testing.B) {
	s := typicalSession(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(bolt.EncodeSession(s))
	}
	b.ReportMetric(float64(n), "bytes/session")
}

func BenchmarkDecodeSession(b *testing.B) {
	v := bolt.EncodeSession(typicalSession(b))
	b.SetBytes(int64(len(v)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bolt.DecodeSession(v); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDB(b *testing.B) *bolt.DB {
	b.Helper()
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), bolt.Options{})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// update stores a typical session under key, as the service does for one
// message (decode, change, encode, durable commit).
func update(b *testing.B, db *bolt.DB, key string, tmpl *bot.Session) {
	err := db.Update(context.Background(), key, func(s *bot.Session) error {
		v := s.Version
		*s = *tmpl
		s.Key, s.Version = key, v
		s.Conv.Turns++
		s.Conv.Updated = time.Now()
		return nil
	})
	if err != nil {
		b.Fatalf("Update: %v", err)
	}
}

// BenchmarkUpdate is one Update at a time: every op waits for its own
// fsync, so it measures commit latency.
func BenchmarkUpdate(b *testing.B) {
	db, tmpl := benchDB(b), typicalSession(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		update(b, db, "s-"+strconv.Itoa(i%1000), tmpl)
		i++
	}
}

// BenchmarkUpdateParallel is many conversations updating at once: they
// share commits (group commit), so it measures throughput.
func BenchmarkUpdateParallel(b *testing.B) {
	db, tmpl := benchDB(b), typicalSession(b)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			update(b, db, "s-"+strconv.FormatInt(next.Add(1)%5000, 10), tmpl)
		}
	})
}

// BenchmarkGet is one read of a stored session.
func BenchmarkGet(b *testing.B) {
	db, tmpl := benchDB(b), typicalSession(b)
	update(b, db, "s-get", tmpl)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.Get(context.Background(), "s-get"); err != nil {
			b.Fatal(err)
		}
	}
}
