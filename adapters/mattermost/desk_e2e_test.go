package mattermost_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/adapters/mattermost"
	"github.com/proactief/proactief/adapters/mattermost/fakemm"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// A staff member testing the bot in a direct message asks for a person:
// the card lands in the handover channel marked TEST, a worker there
// takes it by replying, both talk through the bot, the worker closes it
// with !sluit, and /vergeet deletes the bot's posts about it. Everything
// runs through the real bot.Service on a real bbolt file, its outbox
// drained into this adapter.
func TestDeskStaffTestHandoverEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fake := fakemm.New(t, fakemm.Options{PingInterval: 100 * time.Millisecond})
	botID, token := fake.AddBot("proactief")
	staffID, _ := fake.AddUser("tester")
	workerID, _ := fake.AddUser("anna")
	fake.SetName(workerID, "Anna", "de Vries")
	team := fake.AddTeam("gemeente")
	desk := fake.AddTeamChannel(team, "overdracht", botID, workerID)

	db, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err := dialogue.New(dialogue.Options{Handover: true})
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(db, eng, []byte("test secret of 32 bytes or so..."), bot.Options{Handover: bot.HandoverOptions{Desk: true, WorkerName: true}})
	a, err := mattermost.New(fake.URL, token, svc, mattermost.Options{
		AllowUsers: []string{staffID}, HandoverChannel: "gemeente/overdracht",
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	fast := bot.DrainOptions{Interval: 20 * time.Millisecond}
	wg.Go(func() { _ = a.Run(rctx) })
	wg.Go(func() { _ = svc.DrainDesk(rctx, a, fast) })
	wg.Go(func() { _ = svc.Drain(rctx, bot.Mattermost, a, fast) })
	wg.Go(func() { _ = svc.RunTimers(rctx, fast) })
	defer func() { stop(); wg.Wait() }()
	if err := fake.WaitWebsockets(ctx, botID, 1); err != nil {
		t.Fatal(err)
	}
	dm := fake.Direct(staffID, botID)

	// said waits for a bot post in the DM, after the first skip, with want.
	botPosts := 0
	said := func(want string) string {
		t.Helper()
		p, err := fake.WaitPost(ctx, botID, botPosts, func(p *model.Post) bool {
			return p.ChannelId == dm && strings.Contains(p.Message, want)
		})
		if err != nil {
			var all []string
			for _, p := range fake.Posts(botID) {
				all = append(all, p.Message)
			}
			t.Fatalf("bot did not say %q: %v\nit said:\n%s", want, err, strings.Join(all, "\n---\n"))
		}
		botPosts = len(fake.Posts(botID))
		return p.Message
	}
	fake.Post(staffID, dm, "", "/mens")
	said("Mag ik dit delen?")
	fake.Post(staffID, dm, "", "1")
	msg := said("H-")
	i := strings.Index(msg, "H-")
	number := msg[i : i+7]

	card, err := fake.WaitPost(ctx, botID, 0, func(p *model.Post) bool { return p.ChannelId == desk && p.RootId == "" })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(card.Message, number) || !strings.Contains(card.Message, "TEST") || !strings.Contains(card.Message, "Mattermost") {
		t.Fatalf("card:\n%s\nwant number %s, TEST, the channel", card.Message, number)
	}
	if strings.Contains(card.Message, staffID) || strings.Contains(card.Message, "tester") {
		t.Fatalf("card shows the person's id or username:\n%s", card.Message)
	}

	// Taken by a reply; the worker's words reach the tester.
	fake.Reply(workerID, card.Id, "Hallo, ik ben Anna. Waar kan ik mee helpen?")
	said("Waar kan ik mee helpen?")
	fake.Post(staffID, dm, "", "Ik heb een brief van de deurwaarder")
	if _, err := fake.WaitPost(ctx, botID, 0, func(p *model.Post) bool {
		return p.RootId == card.Id && strings.Contains(p.Message, "deurwaarder")
	}); err != nil {
		t.Fatalf("the tester's words did not reach the thread: %v", err)
	}
	fake.Reply(workerID, card.Id, "!sluit")
	said("afgesloten")

	// /vergeet: the bot's posts about this conversation go, one line says so.
	fake.Post(staffID, dm, "", "/vergeet")
	said("wissen")
	fake.Post(staffID, dm, "", "1")
	if err := fake.Wait(ctx, func() bool {
		p := fake.PostByID(card.Id)
		return p != nil && p.DeleteAt != 0
	}); err != nil {
		t.Fatalf("the card was not deleted: %v", err)
	}
	if err := fake.Wait(ctx, func() bool {
		for _, p := range fake.Posts(botID) {
			if p.ChannelId == desk && p.DeleteAt == 0 && strings.Contains(p.Message, "gewist") {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no line saying the posts were erased: %v", err)
	}
	for _, p := range fake.Posts(botID) {
		if p.ChannelId == desk && p.DeleteAt == 0 && !strings.Contains(p.Message, "gewist") {
			t.Errorf("post left in the handover channel: %q", p.Message)
		}
	}
}
