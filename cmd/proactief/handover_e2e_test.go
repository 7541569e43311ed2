package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/adapters/mattermost/fakemm"
	"github.com/proactief/proactief/adapters/telegram/fakeapi"
	"github.com/proactief/proactief/bot/bottest"
)

// TestHandoverServeE2E runs `proactief serve` as a real process between a
// citizen on the fake Bot API and a worker on the fake Mattermost: the
// citizen asks for a person and agrees to share; the card appears in the
// handover channel; messages go both ways; serve is killed with SIGKILL in
// the middle of relaying, both ways; the websocket drops while the worker
// writes; the citizen sends a photo; the worker closes it and the citizen
// rates it; /vergeet removes the bot's posts.
//
// Every message of the citizen reaches the thread exactly once and in
// order (the desk finds a post made before a crash by its envelope ID).
// The worker's messages reach Telegram at least once and in order:
// Telegram has no idempotency key, so one sent right before a kill may
// arrive twice (README: "What the other side may see after a crash").
func TestHandoverServeE2E(t *testing.T) {
	skipShort(t)
	tg := fakeapi.New(fakeapi.Options{GlobalRate: -1, ChatRate: -1})
	t.Cleanup(tg.Close)
	mm := fakemm.New(t, fakemm.Options{PingInterval: 200 * time.Millisecond})
	botID, mmToken := mm.AddBot("proactief")
	workerID, _ := mm.AddUser("anna")
	team := mm.AddTeam("gemeente")
	desk := mm.AddTeamChannel(team, "overdracht", botID, workerID)
	dir := t.TempDir()
	db := dir + "/p.db"
	var logs syncBuffer

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	type proc struct {
		cmd  *exec.Cmd
		done chan struct{}
	}
	start := func() *proc {
		t.Helper()
		cmd := serveCmd(t, dir, &logs, []string{"--db", db},
			"TELEGRAM_BOT_TOKEN="+tg.Token, "TELEGRAM_API_URL="+tg.URL,
			"MATTERMOST_URL="+mm.URL, "MATTERMOST_TOKEN="+mmToken, "MATTERMOST_ALLOW_USERS="+workerID,
			"MATTERMOST_HANDOVER_CHANNEL=gemeente/overdracht", "PROACTIEF_OFFICE_HOURS=altijd")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p := &proc{cmd, make(chan struct{})}
		go func() { _ = cmd.Wait(); close(p.done) }()
		if err := mm.WaitWebsockets(ctx, botID, 1); err != nil {
			t.Fatalf("proactief did not connect to Mattermost: %v\nlogs:\n%s", err, logs.String())
		}
		return p
	}
	kill := func(p *proc) {
		_ = p.cmd.Process.Kill()
		<-p.done
		if err := mm.WaitWebsockets(ctx, botID, 0); err != nil {
			t.Fatal(err)
		}
	}
	u := fakeapi.User{ID: 555123987, FirstName: "Eva", LanguageCode: "nl"}
	wait := func(id int64) {
		t.Helper()
		if err := tg.WaitConfirmed(ctx, id); err != nil {
			t.Fatalf("update %d not confirmed: %v\nlogs:\n%s", id, err, logs.String())
		}
	}
	chat := func() string {
		var b strings.Builder
		for _, m := range tg.BotMessages(u.ID) {
			b.WriteString(m.Text + "\n")
		}
		return b.String()
	}
	waitChat := func(want string) {
		t.Helper()
		wctx, c := context.WithTimeout(ctx, time.Minute)
		defer c()
		for !strings.Contains(chat(), want) {
			n := len(tg.BotMessages(u.ID))
			if _, err := tg.WaitMessages(wctx, u.ID, n+1); err != nil {
				t.Fatalf("the chat never showed %q:\n%s\nlogs:\n%s", want, chat(), logs.String())
			}
		}
	}
	// relayed returns the thread's texts after the card, as the worker
	// reads them.
	relayed := func(root string) []string {
		var out []string
		for _, p := range mm.Thread(root)[1:] {
			if p.UserId == botID {
				out = append(out, p.Message)
			}
		}
		return out
	}
	waitThread := func(root string, n int) {
		t.Helper()
		if _, err := mm.WaitThread(ctx, root, n+1); err != nil {
			t.Fatalf("thread: %v: %q\nlogs:\n%s", err, relayed(root), logs.String())
		}
	}

	p := start()
	wait(tg.Text(u, "/start"))
	wait(tg.Text(u, "nee")) // keep nothing: only the handover keeps the conversation
	wait(tg.Text(u, "nee"))
	wait(tg.Text(u, "/mens"))
	if !strings.Contains(chat(), "Mag ik dit delen?") {
		t.Fatalf("no share question:\n%s", chat())
	}
	wait(tg.Text(u, "ja"))
	waitChat("gespreksnummer")
	card, err := mm.WaitPost(ctx, botID, 0, func(p *model.Post) bool { return p.ChannelId == desk && p.RootId == "" })
	if err != nil {
		t.Fatalf("no card: %v\nlogs:\n%s", err, logs.String())
	}
	if strings.Contains(fmt.Sprint(card.Message, card.Props), "555123987") || strings.Contains(fmt.Sprint(card.Message, card.Props), "Eva") {
		t.Fatalf("the card shows the Telegram id or name: %s", card.Message)
	}
	root := card.Id

	// Citizen -> desk, with a kill -9 in the middle.
	var sent []string
	for i := 1; i <= 3; i++ {
		text := fmt.Sprintf("bericht %d over de deurwaarder", i)
		sent = append(sent, text)
		wait(tg.Text(u, text))
	}
	waitThread(root, 3)
	var ids []int64
	for i := 4; i <= 9; i++ {
		text := fmt.Sprintf("bericht %d over de deurwaarder", i)
		sent = append(sent, text)
		ids = append(ids, tg.Text(u, text))
	}
	waitThread(root, 4)
	kill(p)
	p = start()
	for _, id := range ids {
		wait(id)
	}
	waitThread(root, len(sent))
	got := relayed(root)
	if len(got) != len(sent) {
		t.Fatalf("thread has %d relayed posts, want %d (exactly once): %q", len(got), len(sent), got)
	}
	for i := range sent {
		if !strings.Contains(got[i], sent[i]) {
			t.Fatalf("thread post %d = %q, want %q (in order)", i, got[i], sent[i])
		}
	}

	// Desk -> citizen.
	mm.Reply(workerID, root, "Hoi Eva, ik ben Anna van de gemeente.")
	waitChat("Je praat nu met een medewerker van de gemeente")
	waitChat("Gemeente: Hoi Eva, ik ben Anna van de gemeente.")

	// A websocket drop while the worker writes: caught up after the
	// reconnect.
	mm.HoldWebsockets(true)
	mm.DropWebsockets()
	if err := mm.WaitWebsockets(ctx, botID, 0); err != nil {
		t.Fatal(err)
	}
	mm.Reply(workerID, root, "Heb je de brief bij de hand?")
	mm.HoldWebsockets(false)
	waitChat("Gemeente: Heb je de brief bij de hand?")

	// Desk -> citizen with a kill -9 in the middle: at least once, in order.
	before := len(tg.BotMessages(u.ID))
	for i := 1; i <= 4; i++ {
		mm.Reply(workerID, root, fmt.Sprintf("stap %d van het plan", i))
	}
	if _, err := tg.WaitMessages(ctx, u.ID, before+1); err != nil {
		t.Fatal(err)
	}
	kill(p)
	p = start()
	waitChat("stap 4 van het plan")
	last := 0
	for _, m := range tg.BotMessages(u.ID)[before:] {
		var n int
		if _, err := fmt.Sscanf(strings.TrimPrefix(m.Text, "Gemeente: "), "stap %d van het plan", &n); err == nil {
			if n < last {
				t.Fatalf("worker messages out of order: stap %d after stap %d\n%s", n, last, chat())
			}
			if n == last {
				t.Logf("stap %d arrived twice (at least once across a kill -9)", n)
			}
			last = n
		}
	}
	if last != 4 {
		t.Fatalf("not every worker message arrived:\n%s", chat())
	}

	// A photo goes into the thread as a file.
	n := len(mm.Posts(botID))
	wait(tg.Photo(u, []byte("thumb"), []byte("JPEG-BRIEF-DEURWAARDER")))
	post, err := mm.WaitPost(ctx, botID, n, func(p *model.Post) bool { return p.RootId == root })
	if err != nil {
		t.Fatalf("the photo did not reach the thread: %v\nlogs:\n%s", err, logs.String())
	}
	if len(post.FileIds) != 1 {
		t.Fatalf("photo post without a file: %+v", post)
	}
	if _, data, ok := mm.File(post.FileIds[0]); !ok || !bytes.Equal(data, []byte("JPEG-BRIEF-DEURWAARDER")) {
		t.Fatalf("the file in the thread is not the photo")
	}

	// The worker closes with !sluit; the citizen rates with a button.
	mm.Reply(workerID, root, "!sluit")
	waitChat("cijfer")
	var rating fakeapi.Message
	for _, m := range tg.BotMessages(u.ID) {
		if strings.Contains(m.Text, "cijfer") && len(m.Keyboard) > 0 {
			rating = m
		}
	}
	id, err := tg.Press(u, rating.ID, "4")
	if err != nil {
		t.Fatalf("no rating button 4: %v\n%s", err, chat())
	}
	wait(id)
	waitChat("Dank je voor je cijfer")

	// /vergeet after the handover: the bot's posts go, one line says so.
	mine := len(mm.Posts(botID))
	wait(tg.Text(u, "/vergeet"))
	wait(tg.Text(u, "ja"))
	line, err := mm.WaitPost(ctx, botID, mine, func(p *model.Post) bool { return p.ChannelId == desk && p.RootId == "" })
	if err != nil {
		t.Fatalf("no line about the erasure: %v\nlogs:\n%s", err, logs.String())
	}
	if strings.Contains(line.Message, "deurwaarder") {
		t.Fatalf("the erasure line repeats the conversation: %q", line.Message)
	}
	if r := mm.PostByID(root); r == nil || r.DeleteAt == 0 {
		t.Fatal("the card is still there after /vergeet")
	}
	if th := mm.Thread(root); len(th) != 0 {
		t.Fatalf("%d posts of the thread left after /vergeet", len(th))
	}
	if _, _, ok := mm.File(post.FileIds[0]); ok {
		t.Fatal("the photo is still in Mattermost after /vergeet")
	}
	// The worker writes on: nothing reaches the citizen any more.
	n = len(tg.BotMessages(u.ID))
	mm.Post(workerID, desk, "", "Iemand nog vragen over H-?")
	wait(tg.Text(u, "hallo"))
	for _, m := range tg.BotMessages(u.ID)[n:] {
		if strings.HasPrefix(m.Text, "Gemeente:") {
			t.Fatalf("relayed after /vergeet: %q", m.Text)
		}
	}

	kill(p)
	bottest.FileLacks(t, db, "deurwaarder", "JPEG-BRIEF", "Hoi Eva", "stap 4", "555123987")
	l := logs.String()
	for _, secret := range []string{tg.Token, mmToken, "555123987", workerID, "deurwaarder", "Hoi Eva", "stap 2"} {
		if strings.Contains(l, secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
}
