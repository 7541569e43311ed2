package telegram_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proactief/proactief/adapters/telegram"
	"github.com/proactief/proactief/adapters/telegram/fakeapi"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// TestEditsShareTheChatLimit: answering a button edits the question and
// sends the next one; both count against the chat's limit, as Telegram
// counts them (tdlib/td#2592), so fast citizens get no 429.
func TestEditsShareTheChatLimit(t *testing.T) {
	// Telegram's limits, ten times faster, so the test takes seconds.
	e := start(t, fakeapi.Options{ChatRate: 10, ChatBurst: 4, GlobalRate: 300}, telegram.Options{ChatRate: 10, ChatBurst: 3, GlobalRate: 300})
	e.citizens(6, 7000, func(i int, u fakeapi.User) error {
		_, err := e.converse(u, "")
		return err
	})
	st := e.fake.Stats()
	if st.TooManyRequests != 0 {
		t.Fatalf("the fake answered %d requests with 429 (edits %d, sends %d)", st.TooManyRequests,
			st.Requests["editMessageText"]+st.Requests["editMessageReplyMarkup"], st.Requests["sendMessage"])
	}
	if st.Requests["editMessageText"]+st.Requests["editMessageReplyMarkup"] == 0 {
		t.Fatal("no edits: the test shows nothing")
	}
}

// deskRecorder is a bot.Desk that keeps what reaches it.
type deskRecorder struct {
	mu      sync.Mutex
	changed chan struct{}
	cards   []bot.Card
	posts   []bot.DeskPost
}

func (d *deskRecorder) note() {
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

func (d *deskRecorder) Open(_ context.Context, c bot.Card) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cards = append(d.cards, c)
	d.note()
	return "thread-1", nil
}

func (d *deskRecorder) Post(_ context.Context, _ string, p bot.DeskPost) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.posts = append(d.posts, p)
	d.note()
	return "post-" + p.ID, nil
}

func (d *deskRecorder) Erase(context.Context, string, string, []string) error { return nil }

func (d *deskRecorder) wait(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		d.mu.Lock()
		ok := cond()
		d.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-d.changed:
		case <-ctx.Done():
			t.Fatal("desk: condition not met")
		}
	}
}

// TestHandoverRelayOverTelegram: a person asks for a person, sends a
// photo and a PDF (downloaded with getFile only now), and a worker's reply
// arrives in the chat through the adapter's limiter.
func TestHandoverRelayOverTelegram(t *testing.T) {
	fake := fakeapi.New(fakeapi.Options{})
	t.Cleanup(fake.Close)
	db, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	eng, err := dialogue.New(dialogue.Options{Handover: true})
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(db, eng, []byte("test-secret-0123456789abcdef"), bot.Options{Handover: bot.HandoverOptions{Desk: true}})
	a, err := telegram.New(fake.Token, svc, telegram.Options{APIURL: fake.URL, PollTimeout: 2 * time.Second, MinBackoff: 10 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	desk := &deskRecorder{changed: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { a.Run(ctx) })
	fast := bot.DrainOptions{Interval: 50 * time.Millisecond}
	wg.Go(func() { svc.Drain(ctx, bot.Telegram, a, fast) })
	wg.Go(func() { svc.DrainDesk(ctx, desk, fast) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	e := &env{t: t, fake: fake}

	u := fakeapi.User{ID: 4242, FirstName: "Test", LanguageCode: "nl"}
	e.say(u, "/start")
	e.say(u, "nee")
	e.say(u, "nee")
	// A photo before any handover is not downloaded.
	e.wait(fake.Photo(u, []byte("thumb"), []byte("VOOR-DE-OVERDRACHT")))
	if n := fake.Stats().Requests["getFile"]; n != 0 {
		t.Fatalf("getFile called %d times outside a handover", n)
	}
	got := e.say(u, "/mens")
	if len(got) == 0 || !strings.Contains(got[len(got)-1].Text, "delen") {
		t.Fatalf("/mens: %+v", got)
	}
	e.say(u, "ja")
	desk.wait(t, func() bool { return len(desk.cards) == 1 })
	if c := desk.cards[0]; strings.Contains(c.Summary+c.Number+c.Ref, "4242") {
		t.Fatalf("the card shows the Telegram id: %+v", c)
	}
	e.say(u, "Ik stuur je de brief")
	e.wait(fake.Photo(u, []byte("thumb"), []byte("JPEG-VAN-DE-BRIEF")))
	e.wait(fake.Document(u, "aanmaning.pdf", "application/pdf", []byte("%PDF-1.4 aanmaning")))
	desk.wait(t, func() bool { return len(desk.posts) == 3 })
	if desk.posts[0].Text != "Ik stuur je de brief" {
		t.Fatalf("first post=%+v", desk.posts[0])
	}
	if f := desk.posts[1].File; f == nil || string(f.Data) != "JPEG-VAN-DE-BRIEF" || f.MIME != "image/jpeg" {
		t.Fatalf("photo post=%+v", desk.posts[1])
	}
	if f := desk.posts[2].File; f == nil || string(f.Data) != "%PDF-1.4 aanmaning" || f.Name != "aanmaning.pdf" {
		t.Fatalf("pdf post=%+v", desk.posts[2])
	}

	before := len(fake.BotMessages(u.ID))
	if err := svc.DeskEvent(ctx, bot.DeskEvent{Ref: desk.cards[0].Ref, Thread: "thread-1", Kind: bot.DeskReply, Worker: "Anna", Text: "Dank je, ik kijk ernaar.", PostID: "p1"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := fake.WaitMessages(e.ctx(), u.ID, before+2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msgs[before].Text, "medewerker van de gemeente") || msgs[before+1].Text != "Gemeente: Dank je, ik kijk ernaar." {
		t.Fatalf("relayed: %q / %q", msgs[before].Text, msgs[before+1].Text)
	}
	if st := fake.Stats(); st.TooManyRequests != 0 {
		t.Fatalf("%d answers 429", st.TooManyRequests)
	}
}
