package bolt_test

import (
	"context"
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
