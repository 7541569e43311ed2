package mattermost_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/adapters/mattermost"
	"github.com/proactief/proactief/adapters/mattermost/fakemm"
	"github.com/proactief/proactief/bot"
)

// deskRecorder is a DeskHandler that records events, in the order they
// were applied, and ignores a PostID seen before (as bot.Service does).
type deskRecorder struct {
	mu     sync.Mutex
	events []bot.DeskEvent
	seen   map[string]bool
	fail   func(bot.DeskEvent) error // nil: never
	change chan struct{}
}

func newDeskRecorder() *deskRecorder {
	return &deskRecorder{seen: map[string]bool{}, change: make(chan struct{}, 1000)}
}

func (d *deskRecorder) DeskEvent(ctx context.Context, ev bot.DeskEvent) error {
	if d.fail != nil {
		if err := d.fail(ev); err != nil {
			return err
		}
	}
	d.mu.Lock()
	if !d.seen[ev.PostID] {
		d.seen[ev.PostID] = true
		d.events = append(d.events, ev)
	}
	d.mu.Unlock()
	d.change <- struct{}{}
	return nil
}

// wait waits until n events were applied and returns them.
func (d *deskRecorder) wait(t *testing.T, ctx context.Context, n int) []bot.DeskEvent {
	t.Helper()
	for {
		d.mu.Lock()
		got := append([]bot.DeskEvent(nil), d.events...)
		d.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("have %d desk events, want %d: %+v", len(got), n, got)
		case <-d.change:
		}
	}
}

// noChat is a bot.Handler for tests that only use the desk.
type noChat struct{}

func (noChat) Handle(context.Context, bot.Inbound) (bot.Result, error) { return bot.Result{}, nil }

type deskEnv struct {
	t        *testing.T
	ctx      context.Context
	fake     *fakemm.Server
	botID    string
	token    string
	workerID string
	channel  string
	actions  string
	rec      *deskRecorder
	a        *mattermost.Adapter
	stop     context.CancelFunc
	done     chan error
}

func newDeskEnv(t *testing.T, fo fakemm.Options) *deskEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	fake := fakemm.New(t, fo)
	botID, token := fake.AddBot("proactief")
	workerID, _ := fake.AddUser("anna.devries")
	fake.SetName(workerID, "Anna", "de Vries")
	team := fake.AddTeam("gemeente")
	ch := fake.AddTeamChannel(team, "overdracht", botID, workerID)
	e := &deskEnv{t: t, ctx: ctx, fake: fake, botID: botID, token: token, workerID: workerID, channel: ch, rec: newDeskRecorder()}
	var a *mattermost.Adapter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.ActionsHandler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.actions = srv.URL
	a = e.newAdapter()
	e.a = a
	return e
}

// newAdapter makes a fresh adapter, as a restarted process would.
func (e *deskEnv) newAdapter() *mattermost.Adapter {
	a, err := mattermost.New(e.fake.URL, e.token, noChat{}, mattermost.Options{
		HandoverChannel: "gemeente/overdracht", DeskEvents: e.rec, ActionsURL: e.actions,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// start runs the adapter and waits for its websocket (posts pushed
// before its catch-up is done are held and queued after it).
func (e *deskEnv) start() {
	e.t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	e.stop = cancel
	e.done = make(chan error, 1)
	a, done := e.a, e.done
	go func() { done <- a.Run(ctx) }()
	e.t.Cleanup(func() { cancel(); <-done })
	if err := e.fake.WaitWebsockets(e.ctx, e.botID, 1); err != nil {
		e.t.Fatal(err)
	}
}

func testCard(id string) bot.Card {
	return bot.Card{
		ID: id, Ref: "sealed-ref-" + id, Kind: bot.KindHandoverCard, Number: "H-7K3QD",
		Channel: bot.Telegram, Lang: "nl", Flags: []string{"dringend"}, Summary: "wil het kort",
		Answers: []bot.CardAnswer{{Statement: "Ik heb overzicht over mijn geld.", Answer: "oneens"}},
		Asked:   time.Now(),
	}
}

func TestDeskCardTakeByButtonAndClose(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	e.start()
	card := testCard("env-1")
	card.Test = true
	thread, err := e.a.Open(e.ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	root := e.fake.PostByID(thread)
	if root == nil || root.ChannelId != e.channel || root.RootId != "" || root.UserId != e.botID {
		t.Fatalf("card = %+v, want a root post of the bot in the handover channel", root)
	}
	for _, want := range []string{"H-7K3QD", "Telegram", "dringend", "wil het kort", "Ik heb overzicht over mijn geld", "oneens", "TEST"} {
		if !strings.Contains(root.Message, want) {
			t.Errorf("card lacks %q:\n%s", want, root.Message)
		}
	}
	// Opening the same card again, in this run or the next, posts nothing.
	if again, err := e.a.Open(e.ctx, card); err != nil || again != thread {
		t.Fatalf("second Open = %q, %v; want %q", again, err, thread)
	}
	if again, err := e.newAdapter().Open(e.ctx, card); err != nil || again != thread {
		t.Fatalf("Open after a restart = %q, %v; want %q", again, err, thread)
	}
	if n := len(e.fake.Posts(e.botID)); n != 1 {
		t.Fatalf("bot made %d posts, want 1 card", n)
	}

	if code, err := e.fake.Press(e.ctx, e.workerID, root, 0); err != nil || code != 200 {
		t.Fatalf("press take: %d %v", code, err)
	}
	ev := e.rec.wait(t, e.ctx, 1)[0]
	if ev.Kind != bot.DeskTaken || ev.Worker != "Anna" || ev.Ref != card.Ref || ev.Thread != thread {
		t.Fatalf("event = %+v, want taken by Anna on %s", ev, thread)
	}
	root = e.fake.PostByID(thread)
	as := root.Attachments()
	if len(as) != 1 || len(as[0].Actions) != 1 || !strings.Contains(as[0].Text, "Anna") {
		t.Fatalf("card after take: %+v, want Anna's name and only the close button", as)
	}
	if v, _ := root.GetProp("proactief_ref").(string); v != card.Ref {
		t.Fatalf("card lost its props after the update: %v", root.GetProps())
	}
	if code, err := e.fake.Press(e.ctx, e.workerID, root, 0); err != nil || code != 200 {
		t.Fatalf("press close: %d %v", code, err)
	}
	if ev := e.rec.wait(t, e.ctx, 2)[1]; ev.Kind != bot.DeskClosed {
		t.Fatalf("event = %+v, want closed", ev)
	}
	if as := e.fake.PostByID(thread).Attachments(); len(as) != 1 || len(as[0].Actions) != 0 {
		t.Fatalf("closed card still has buttons: %+v", as)
	}
}

func TestDeskForgedButtonRefused(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	e.start()
	thread, err := e.a.Open(e.ctx, testCard("env-1"))
	if err != nil {
		t.Fatal(err)
	}
	root := e.fake.PostByID(thread)
	as := root.Attachments()
	as[0].Actions[0].Integration.Context["mac"] = strings.Repeat("0", 64)
	root.AddProp(model.PostPropsAttachments, as)
	if code, _ := e.fake.Press(e.ctx, e.workerID, root, 0); code != 403 {
		t.Fatalf("forged press answered %d, want 403", code)
	}
}

func TestDeskTakeByReplyRelayOrderAndClose(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{PingInterval: 100 * time.Millisecond})
	e.start()
	thread, err := e.a.Open(e.ctx, testCard("env-1"))
	if err != nil {
		t.Fatal(err)
	}
	// Both ways, interleaved: the citizen's messages into the thread, the
	// worker's replies out as events, each in its own order.
	for i, text := range []string{"Hallo, ik heb een brief gekregen.", "Kunt u helpen?"} {
		if _, err := e.a.Post(e.ctx, thread, bot.DeskPost{ID: "m" + string(rune('1'+i)), Text: text}); err != nil {
			t.Fatal(err)
		}
		e.fake.Reply(e.workerID, thread, "Antwoord "+string(rune('1'+i)))
	}
	e.fake.Reply(e.workerID, thread, "Nog iets: @channel ![x](http://e.example/x.png)")
	e.fake.Reply(e.workerID, thread, "  !sluit  ")
	evs := e.rec.wait(t, e.ctx, 4)
	// Taken by the first reply, closed by !sluit: the card says so.
	if err := e.fake.Wait(e.ctx, func() bool {
		as := e.fake.PostByID(thread).Attachments()
		return len(as) == 1 && len(as[0].Actions) == 0 && strings.Contains(as[0].Text, "Gesloten door Anna")
	}); err != nil {
		t.Fatalf("card after !sluit: %+v", e.fake.PostByID(thread).Attachments())
	}
	wantKinds := []string{bot.DeskReply, bot.DeskReply, bot.DeskReply, bot.DeskClosed}
	wantText := []string{"Antwoord 1", "Antwoord 2", "Nog iets: @channel ![x](http://e.example/x.png)", ""}
	for i, ev := range evs {
		if ev.Kind != wantKinds[i] || ev.Text != wantText[i] || ev.Worker != "Anna" || ev.Thread != thread || ev.PostID == "" {
			t.Fatalf("event %d = %+v, want %s %q by Anna", i, ev, wantKinds[i], wantText[i])
		}
	}
	posts := e.fake.Thread(thread)
	var citizen []string
	for _, p := range posts[1:] {
		if p.UserId == e.botID {
			citizen = append(citizen, p.Message)
		}
	}
	if len(citizen) != 2 || !strings.Contains(citizen[0], "brief gekregen") || !strings.Contains(citizen[1], "Kunt u helpen?") {
		t.Fatalf("citizen's posts in the thread = %q", citizen)
	}
}

func TestDeskCitizenTextDisarmed(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	thread, err := e.a.Open(e.ctx, testCard("env-1"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.a.Post(e.ctx, thread, bot.DeskPost{ID: "m1", Text: "@channel kijk ![x](http://e.example/x.png)\n# kop"})
	if err != nil {
		t.Fatal(err)
	}
	msg := e.fake.PostByID(id).Message
	for _, bad := range []string{"@channel", "![", "\n# "} {
		if strings.Contains(msg, bad) {
			t.Errorf("relayed text keeps %q: %q", bad, msg)
		}
	}
	if !strings.Contains(msg, "kijk") {
		t.Errorf("relayed text lost the words: %q", msg)
	}
}

func TestDeskCrisisFlagged(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	thread, err := e.a.Open(e.ctx, testCard("env-1"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.a.Post(e.ctx, thread, bot.DeskPost{ID: "m1", Text: "ik wil niet meer leven", Crisis: true})
	if err != nil {
		t.Fatal(err)
	}
	msg := e.fake.PostByID(id).Message
	if !strings.Contains(msg, "crisis") || !strings.Contains(msg, "113") || !strings.Contains(msg, "ik wil niet meer leven") {
		t.Fatalf("crisis post=%q, want the flag, 113 and the words", msg)
	}
}

func TestDeskFile(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	thread, err := e.a.Open(e.ctx, testCard("env-1"))
	if err != nil {
		t.Fatal(err)
	}
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("brief "), 1000)...)
	id, err := e.a.Post(e.ctx, thread, bot.DeskPost{ID: "f1", Text: "Deze brief", File: &bot.DeskFile{Name: "../brief.pdf", MIME: "application/pdf", Data: pdf}})
	if err != nil {
		t.Fatal(err)
	}
	p := e.fake.PostByID(id)
	if p.RootId != thread || len(p.FileIds) != 1 {
		t.Fatalf("post = %+v, want one file in the thread", p)
	}
	info, data, ok := e.fake.File(p.FileIds[0])
	if !ok || !bytes.Equal(data, pdf) || strings.Contains(info.Name, "/") || info.PostId != id {
		t.Fatalf("file = %+v (%d bytes, ok=%v), want the PDF attached to %s", info, len(data), ok, id)
	}
	// A photo alone, without words.
	if _, err := e.a.Post(e.ctx, thread, bot.DeskPost{ID: "f2", File: &bot.DeskFile{MIME: "image/jpeg", Data: []byte("\xff\xd8\xff\xe0 jpeg")}}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Thread(thread)); n != 3 {
		t.Fatalf("thread has %d posts, want card, PDF and photo", n)
	}
}

// A post whose answer is lost (the server stored it; the client saw an
// error, as after a crash between the post and the outbox's Done) is not
// made twice: the next attempt, by this run or the next, finds it by its
// envelope ID. The fake forgets pending_post_id at once, so only the
// props lookup can prevent the double.
func TestDeskLostAnswerNotDoubled(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{PendingPostTTL: -1})
	e.fake.LosePostAnswers(1)
	card := testCard("env-1")
	if _, err := e.a.Open(e.ctx, card); err == nil {
		t.Fatal("Open with a lost answer succeeded")
	}
	thread, err := e.a.Open(e.ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.LosePostAnswers(1)
	msg := bot.DeskPost{ID: "m1", Text: "Hallo"}
	if _, err := e.a.Post(e.ctx, thread, msg); err == nil {
		t.Fatal("Post with a lost answer succeeded")
	}
	id, err := e.a.Post(e.ctx, thread, msg)
	if err != nil {
		t.Fatal(err)
	}
	// A restarted process posts it again: still one.
	if id2, err := e.newAdapter().Post(e.ctx, thread, msg); err != nil || id2 != id {
		t.Fatalf("Post after restart = %q, %v; want %q", id2, err, id)
	}
	if n := len(e.fake.Posts(e.botID)); n != 2 {
		t.Fatalf("bot made %d posts, want the card and one message", n)
	}
}

func TestDeskErase(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	thread, err := e.a.Open(e.ctx, testCard("env-1"))
	if err != nil {
		t.Fatal(err)
	}
	m1, err := e.a.Post(e.ctx, thread, bot.DeskPost{ID: "m1", Text: "Mijn naam is ..."})
	if err != nil {
		t.Fatal(err)
	}
	f1, err := e.a.Post(e.ctx, thread, bot.DeskPost{ID: "f1", File: &bot.DeskFile{Name: "brief.pdf", Data: []byte("%PDF-1.4 x")}})
	if err != nil {
		t.Fatal(err)
	}
	fileID := e.fake.PostByID(f1).FileIds[0]
	e.fake.Reply(e.workerID, thread, "Dank, ik kijk ernaar")
	if err := e.a.Erase(e.ctx, "erase-1", thread, []string{thread, m1, f1}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{thread, m1, f1} {
		if p := e.fake.PostByID(id); p == nil || p.DeleteAt == 0 {
			t.Fatalf("post %s not deleted", id)
		}
	}
	if _, _, ok := e.fake.File(fileID); ok {
		t.Fatal("the file outlived its post")
	}
	if n := len(e.fake.Thread(thread)); n != 0 {
		t.Fatalf("%d posts of the thread left", n)
	}
	lines := func() int {
		n := 0
		for _, p := range e.fake.Posts(e.botID) {
			if p.DeleteAt == 0 && p.RootId == "" && p.ChannelId == e.channel && strings.Contains(p.Message, "gewist") {
				n++
			}
		}
		return n
	}
	if n := lines(); n != 1 {
		t.Fatalf("%d erase lines, want 1", n)
	}
	// Again (a crash before Done), and by a restarted process: one line.
	if err := e.a.Erase(e.ctx, "erase-1", thread, []string{thread, m1, f1}); err != nil {
		t.Fatal(err)
	}
	if err := e.newAdapter().Erase(e.ctx, "erase-1", thread, []string{thread, m1, f1}); err != nil {
		t.Fatal(err)
	}
	if n := lines(); n != 1 {
		t.Fatalf("%d erase lines after repeats, want 1", n)
	}
	// The thread is gone for later posts.
	if _, err := e.a.Post(e.ctx, thread, bot.DeskPost{ID: "m2", Text: "nog iets"}); !errors.Is(err, bot.ErrThreadGone) {
		t.Fatalf("Post into an erased thread: %v, want ErrThreadGone", err)
	}
}

// Workers' replies written while the websocket is down are caught up
// after the reconnect, in order, each once; so are replies in a second
// drop that comes in the middle of a relay.
func TestDeskWebsocketDropCatchUp(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{PingInterval: 100 * time.Millisecond})
	e.start()
	thread, err := e.a.Open(e.ctx, testCard("env-1"))
	if err != nil {
		t.Fatal(err)
	}
	e.fake.Reply(e.workerID, thread, "een")
	e.rec.wait(t, e.ctx, 1)

	for round := 0; round < 2; round++ {
		e.fake.HoldWebsockets(true)
		e.fake.DropWebsockets()
		if err := e.fake.WaitWebsockets(e.ctx, e.botID, 0); err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"twee", "drie"} {
			e.fake.Reply(e.workerID, thread, w+string(rune('a'+round)))
			// The citizen keeps writing during the drop: REST still works.
			if _, err := e.a.Post(e.ctx, thread, bot.DeskPost{ID: "c-" + w + string(rune('a'+round)), Text: w}); err != nil {
				t.Fatal(err)
			}
		}
		e.fake.HoldWebsockets(false)
		if err := e.fake.WaitWebsockets(e.ctx, e.botID, 1); err != nil {
			t.Fatal(err)
		}
		e.fake.Reply(e.workerID, thread, "vier"+string(rune('a'+round)))
	}
	evs := e.rec.wait(t, e.ctx, 7)
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Text)
	}
	want := "een tweea driea viera tweeb drieb vierb"
	if g := strings.Join(got, " "); g != want {
		t.Fatalf("events = %q, want %q in this order, each once", g, want)
	}
	// Nothing came twice to the handler either.
	e.rec.mu.Lock()
	n := len(e.rec.seen)
	e.rec.mu.Unlock()
	if n != 7 {
		t.Fatalf("%d distinct events, want 7", n)
	}
}

// A handler that fails for a while holds the thread's later replies back
// instead of letting them overtake.
func TestDeskEventRetriedInOrder(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	var fails sync.Map
	e.rec.fail = func(ev bot.DeskEvent) error {
		if ev.Text == "een" {
			if n, _ := fails.LoadOrStore("n", 0); n.(int) < 3 {
				fails.Store("n", n.(int)+1)
				return errors.New("store busy")
			}
		}
		return nil
	}
	e.start()
	thread, err := e.a.Open(e.ctx, testCard("env-1"))
	if err != nil {
		t.Fatal(err)
	}
	e.fake.Reply(e.workerID, thread, "een")
	e.fake.Reply(e.workerID, thread, "twee")
	evs := e.rec.wait(t, e.ctx, 2)
	if evs[0].Text != "een" || evs[1].Text != "twee" {
		t.Fatalf("events = %+v, want een then twee", evs)
	}
}

func TestDeskCallbackCard(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	e.start()
	card := testCard("cb-1")
	card.Kind, card.Phone, card.Note = bot.KindCallbackCard, "06-12345678", "Buiten kantooruren"
	thread, err := e.a.Open(e.ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	root := e.fake.PostByID(thread)
	if !strings.Contains(root.Message, "Terugbelverzoek") || !strings.Contains(root.Message, "06\\-12345678") && !strings.Contains(root.Message, "06-12345678") {
		t.Fatalf("callback card:\n%s", root.Message)
	}
	e.fake.Reply(e.workerID, thread, "ik bel om 3 uur") // stays among staff
	e.fake.Reply(e.workerID, thread, "!klaar")
	ev := e.rec.wait(t, e.ctx, 1)[0]
	if ev.Kind != bot.DeskCallbackDone || ev.Worker != "Anna" {
		t.Fatalf("event = %+v, want callback_done by Anna", ev)
	}
}

func TestDeskNoChannel(t *testing.T) {
	fake := fakemm.New(t, fakemm.Options{})
	_, token := fake.AddBot("proactief")
	fake.AddTeam("gemeente")
	a, err := mattermost.New(fake.URL, token, noChat{}, mattermost.Options{HandoverChannel: "gemeente/bestaat-niet"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Open(context.Background(), testCard("x")); !errors.Is(err, mattermost.ErrNoDesk) {
		t.Fatalf("Open without a channel: %v, want ErrNoDesk", err)
	}
	for _, bad := range []string{"geen-slash", "/kanaal", "team/", "a/b/c"} {
		if _, err := mattermost.New(fake.URL, token, noChat{}, mattermost.Options{HandoverChannel: bad}); !errors.Is(err, mattermost.ErrConfig) {
			t.Errorf("HandoverChannel %q: %v, want ErrConfig", bad, err)
		}
	}
}

// A worker's post the bot applied gets the bot's receipt; after a restart
// the first catch-up passes over it but brings the reply written while no
// adapter ran, even to a handler that remembers nothing.
func TestDeskReceiptsAcrossRestart(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	e.start()
	thread, err := e.a.Open(e.ctx, testCard("env-1"))
	if err != nil {
		t.Fatal(err)
	}
	one := e.fake.Reply(e.workerID, thread, "een")
	e.rec.wait(t, e.ctx, 1)
	if err := e.fake.Wait(e.ctx, func() bool { return len(e.fake.Reactions(one.Id)) == 1 }); err != nil {
		t.Fatalf("no receipt on the handled post: %v", err)
	}
	if r := e.fake.Reactions(one.Id)[0]; r.UserId != e.botID {
		t.Fatalf("receipt by %s, want the bot", r.UserId)
	}
	e.stop()
	<-e.done
	e.done <- nil // for the cleanup
	if err := e.fake.WaitWebsockets(e.ctx, e.botID, 0); err != nil {
		t.Fatal(err)
	}
	e.fake.Reply(e.workerID, thread, "twee")

	e.rec = newDeskRecorder()
	e.a = e.newAdapter()
	e.start()
	evs := e.rec.wait(t, e.ctx, 1)
	e.fake.Reply(e.workerID, thread, "drie")
	evs = e.rec.wait(t, e.ctx, 2)
	if evs[0].Text != "twee" || evs[1].Text != "drie" {
		t.Fatalf("after the restart: %+v, want twee and drie only", evs)
	}
}

func TestDeliverBadAddressUndeliverable(t *testing.T) {
	fake := fakemm.New(t, fakemm.Options{})
	_, token := fake.AddBot("proactief")
	a, err := mattermost.New(fake.URL, token, noChat{}, mattermost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"", "12345", "a|b", "not-an-id||also-not", strings.Repeat("x", 26) + "|" + "|" + "short"} {
		if err := a.Deliver(context.Background(), addr, nil); !errors.Is(err, bot.ErrUndeliverable) {
			t.Errorf("Deliver(%q) = %v, want ErrUndeliverable", addr, err)
		}
	}
}

// Two handovers of one person: the order lists both cards and their
// posts, oldest first; every file goes with its post, and both threads.
func TestDeskEraseTwoThreads(t *testing.T) {
	e := newDeskEnv(t, fakemm.Options{})
	var posts []string
	var files []string
	var threads []string
	for _, id := range []string{"env-1", "env-2"} {
		th, err := e.a.Open(e.ctx, testCard(id))
		if err != nil {
			t.Fatal(err)
		}
		threads = append(threads, th)
		posts = append(posts, th)
		p, err := e.a.Post(e.ctx, th, bot.DeskPost{ID: "f" + id, File: &bot.DeskFile{Name: "brief.pdf", Data: []byte("%PDF-1.4 " + id)}})
		if err != nil {
			t.Fatal(err)
		}
		posts = append(posts, p)
		files = append(files, e.fake.PostByID(p).FileIds[0])
	}
	if err := e.a.Erase(e.ctx, "erase-1", threads[1], posts); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, _, ok := e.fake.File(f); ok {
			t.Errorf("file %s outlived its post", f)
		}
	}
	for _, th := range threads {
		if n := len(e.fake.Thread(th)); n != 0 {
			t.Errorf("thread %s has %d posts left", th, n)
		}
	}
}
