package bot_test

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// benchService is a service on a real bbolt file (fsync on).
func benchService(b *testing.B) (*bot.Service, *bolt.DB) {
	b.Helper()
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), bolt.Options{})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		b.Fatalf("dialogue.New: %v", err)
	}
	return bot.New(db, eng, secret, bot.Options{}), db
}

// citizen drives one conversation with buttons, as the bench command does.
type citizen struct {
	svc    *bot.Service
	user   string
	seq    int
	prompt string
	phase  string
}

func (c *citizen) send(b testing.TB, in bot.Inbound) {
	c.seq++
	in.Channel, in.UserID, in.MessageID = bot.Terminal, c.user, strconv.Itoa(c.seq)
	res, err := c.svc.Handle(context.Background(), in)
	if err != nil {
		b.Fatalf("Handle: %v", err)
	}
	if len(res.Replies) == 0 {
		b.Fatalf("no reply in phase %s", res.Phase)
	}
	c.phase = res.Phase
	for _, r := range res.Replies {
		if r.Prompt != "" {
			c.prompt = r.Prompt
		}
	}
}

// next sends the message a citizen sends in the current phase; after the
// offer the conversation starts over with /opnieuw.
func (c *citizen) next(b testing.TB) {
	switch c.phase {
	case "", dialogue.PhaseWelcome:
		c.send(b, bot.Inbound{Text: "/start"})
	case dialogue.PhaseConsentKeep, dialogue.PhaseConsentResearch:
		c.send(b, bot.Inbound{Choice: "yes", Prompt: c.prompt})
	case dialogue.PhaseProfiling:
		c.send(b, bot.Inbound{Choice: strconv.Itoa(1 + c.seq%5), Prompt: c.prompt})
	case dialogue.PhaseOffer:
		c.send(b, bot.Inbound{Choice: "offer_person", Prompt: c.prompt})
	default:
		c.send(b, bot.Inbound{Text: "/opnieuw"})
	}
}

// BenchmarkHandle is one message end to end, one conversation at a time:
// each op includes a durable bbolt commit (fsync), so it measures latency.
func BenchmarkHandle(b *testing.B) {
	svc, _ := benchService(b)
	c := &citizen{svc: svc, user: "bench"}
	b.ReportAllocs()
	for b.Loop() {
		c.next(b)
	}
}

// BenchmarkHandleParallel is one message end to end with many conversations
// at once (b.SetParallelism): commits are shared, so it measures throughput.
func BenchmarkHandleParallel(b *testing.B) {
	svc, _ := benchService(b)
	var users atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		c := &citizen{svc: svc, user: "bench-" + strconv.FormatInt(users.Add(1), 10)}
		for pb.Next() {
			c.next(b)
		}
	})
}

// BenchmarkHandleNoConsent is one message of a conversation without
// consent: kept in memory, no store write.
func BenchmarkHandleNoConsent(b *testing.B) {
	svc, _ := benchService(b)
	c := &citizen{svc: svc, user: "bench-noconsent"}
	c.send(b, bot.Inbound{Text: "/start"})
	c.send(b, bot.Inbound{Choice: "no", Prompt: c.prompt})
	c.send(b, bot.Inbound{Choice: "no", Prompt: c.prompt})
	b.ReportAllocs()
	for b.Loop() {
		if c.phase == dialogue.PhaseProfiling {
			c.send(b, bot.Inbound{Choice: strconv.Itoa(1 + c.seq%5), Prompt: c.prompt})
		} else {
			c.send(b, bot.Inbound{Text: "/opnieuw"})
		}
	}
}
