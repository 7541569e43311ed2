package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/store/bolt"
)

// TestOutboxErasureLeavesNoTrace: relayed text, delivered or waiting, is
// gone from the file's bytes once the person's data is erased.
func TestOutboxErasureLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	sent := bot.Envelope{ID: bot.NewEnvelopeID(now), Key: "s-1", To: bot.ToDesk, Channel: bot.Telegram, Kind: bot.KindDeskPost, Body: []byte(`{"text":"BRIEF-VAN-DE-DEURWAARDER"}`), Created: now}
	waiting := bot.Envelope{ID: bot.NewEnvelopeID(now), Key: "s-1", To: bot.ToCitizen, Channel: bot.Telegram, Address: "ADRES-VERZEGELD", Kind: bot.KindRelay, Body: []byte(`{"text":"ANTWOORD-VAN-ANNA"}`), Created: now}
	if err := db.Update(ctx, "s-1", func(s *bot.Session) error { s.Outbox = []bot.Envelope{sent, waiting}; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.Done(ctx, sent.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, "s-1", func(s *bot.Session) error { s.Cancel = bot.CancelAll; return nil }); err != nil {
		t.Fatal(err)
	}
	bottest.FileLacks(t, path, "BRIEF-VAN-DE-DEURWAARDER", "ANTWOORD-VAN-ANNA", "ADRES-VERZEGELD", "s-1/")
}

// BenchmarkOutboxDue reads the due envelopes of one queue while n
// envelopes wait in the outbox (most of them follow-ups not yet due, the
// worst case for the scan of Due).
func BenchmarkOutboxDue(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			db, err := bolt.Open(filepath.Join(b.TempDir(), "p.db"), bolt.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			now := time.Now()
			for i := 0; i < n; i += 100 {
				key := fmt.Sprintf("s-%d", i)
				err := db.Update(ctx, key, func(s *bot.Session) error {
					for j := 0; j < 100; j++ {
						e := bot.Envelope{ID: bot.NewEnvelopeID(now), Key: key, To: bot.ToCitizen, Channel: bot.Telegram, Kind: bot.KindFollowup,
							Body: []byte(`{"replies":[{"text":"Hoe gaat het nu met je?"}]}`), NotBefore: now.Add(48 * time.Hour), Created: now}
						if j == 99 {
							e.Kind, e.NotBefore = bot.KindRelay, time.Time{}
						}
						s.Outbox = append(s.Outbox, e)
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				envs, err := db.Due(ctx, bot.Telegram, now, 100)
				if err != nil || len(envs) != n/100 {
					b.Fatalf("due=%d err=%v", len(envs), err)
				}
			}
		})
	}
}
