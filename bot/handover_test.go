package bot_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// fakeDesk is a bot.Desk in memory, idempotent on IDs like the real one.
type fakeDesk struct {
	mu      sync.Mutex
	changed chan struct{}
	cards   []bot.Card
	threads map[string][]bot.DeskPost // thread -> posts (the card's thread id is the card ID)
	byID    map[string]string         // envelope ID -> post id
	erased  map[string][]string       // thread -> erased posts
	erases  int
	fail    func(op string) error
}

func newFakeDesk() *fakeDesk {
	return &fakeDesk{changed: make(chan struct{}, 1), threads: map[string][]bot.DeskPost{}, byID: map[string]string{}, erased: map[string][]string{}}
}

func (d *fakeDesk) notify() {
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

func (d *fakeDesk) Open(ctx context.Context, c bot.Card) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != nil {
		if err := d.fail("open"); err != nil {
			return "", err
		}
	}
	if id, ok := d.byID[c.ID]; ok {
		return id, nil
	}
	thread := "thread-" + c.ID
	d.byID[c.ID] = thread
	d.cards = append(d.cards, c)
	d.threads[thread] = nil
	d.notify()
	return thread, nil
}

func (d *fakeDesk) Post(ctx context.Context, thread string, p bot.DeskPost) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != nil {
		if err := d.fail("post"); err != nil {
			return "", err
		}
	}
	if id, ok := d.byID[p.ID]; ok {
		return id, nil
	}
	if _, ok := d.threads[thread]; !ok {
		return "", bot.ErrThreadGone
	}
	id := "post-" + p.ID
	d.byID[p.ID] = id
	d.threads[thread] = append(d.threads[thread], p)
	d.notify()
	return id, nil
}

func (d *fakeDesk) Erase(ctx context.Context, id, thread string, posts []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.erased[thread] = append(d.erased[thread], posts...)
	d.erases++
	d.notify()
	return nil
}

// waitDesk waits until cond holds for the desk.
func (d *fakeDesk) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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
			t.Fatalf("desk: %s did not happen", what)
		}
	}
}

// fakeCourier records what reaches citizens.
type fakeCourier struct {
	mu      sync.Mutex
	changed chan struct{}
	got     map[string][]dialogue.Reply
}

func newFakeCourier() *fakeCourier {
	return &fakeCourier{changed: make(chan struct{}, 1), got: map[string][]dialogue.Reply{}}
}

func (c *fakeCourier) Deliver(ctx context.Context, address string, replies []dialogue.Reply) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got[address] = append(c.got[address], replies...)
	select {
	case c.changed <- struct{}{}:
	default:
	}
	return nil
}

func (c *fakeCourier) wait(t *testing.T, address, contains string) []dialogue.Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c.mu.Lock()
		got := slices.Clone(c.got[address])
		c.mu.Unlock()
		for _, r := range got {
			if strings.Contains(r.Text, contains) {
				return got
			}
		}
		select {
		case <-c.changed:
		case <-ctx.Done():
			t.Fatalf("courier: no reply containing %q reached %s; got %v", contains, address, got)
		}
	}
}

type recMetrics struct {
	mu     sync.Mutex
	events map[string]int
	first  []time.Duration
}

func (m *recMetrics) Handover(e string) { m.mu.Lock(); m.events[e]++; m.mu.Unlock() }
func (m *recMetrics) FirstReply(d time.Duration) {
	m.mu.Lock()
	m.first = append(m.first, d)
	m.mu.Unlock()
}

type handoverEnv struct {
	t       *testing.T
	ctx     context.Context
	svc     *bot.Service
	db      *bolt.DB
	path    string
	desk    *fakeDesk
	courier *fakeCourier
	metrics *recMetrics
	mu      sync.Mutex
	now     time.Time
}

func newHandoverEnv(t *testing.T, hours string) *handoverEnv {
	t.Helper()
	e := &handoverEnv{t: t, path: filepath.Join(t.TempDir(), "p.db"), desk: newFakeDesk(), courier: newFakeCourier(),
		metrics: &recMetrics{events: map[string]int{}}, now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)} // a Monday, 11:00 in Amsterdam
	db, err := bolt.Open(e.path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	eng, err := dialogue.New(dialogue.Options{Handover: true})
	if err != nil {
		t.Fatal(err)
	}
	oh, err := bot.ParseOfficeHours(hours, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	e.svc = bot.New(db, eng, secret, bot.Options{Now: e.clock, Handover: bot.HandoverOptions{Desk: true, Hours: oh, WorkerName: true, Metrics: e.metrics}})
	ctx, cancel := context.WithCancel(context.Background())
	e.ctx = ctx
	var wg sync.WaitGroup
	fast := bot.DrainOptions{Interval: 20 * time.Millisecond}
	wg.Go(func() { e.svc.DrainDesk(ctx, e.desk, fast) })
	wg.Go(func() { e.svc.Drain(ctx, bot.Terminal, e.courier, fast) })
	wg.Go(func() { e.svc.RunTimers(ctx, fast) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return e
}

func (e *handoverEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *handoverEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// person is a citizen whose messages carry a chat address.
type person struct {
	c   *bottest.Citizen
	e   *handoverEnv
	ad  string
	res bot.Result
}

func (e *handoverEnv) person(user string) *person {
	return &person{e: e, ad: "chat-" + user, c: &bottest.Citizen{H: e.svc, User: user, Clock: e.clock}}
}

func (p *person) say(text string) []dialogue.Reply {
	p.e.t.Helper()
	in := p.c.Inbound(text)
	in.Address = p.ad
	res, err := p.e.svc.Handle(p.e.ctx, in)
	if err != nil {
		p.e.t.Fatalf("say %q: %v", text, err)
	}
	p.c.Last, p.res = res.Replies, res
	return res.Replies
}

func joined(rs []dialogue.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text)
		b.WriteString("\n")
	}
	return b.String()
}

// toHandover takes a person through consent and two answers to /mens and
// agrees to share.
func (p *person) toHandover() string {
	t := p.e.t
	t.Helper()
	p.say("/start")
	p.say("#no") // keep nothing: the handover alone keeps the session
	p.say("#no")
	p.c.Profile(p.e.ctx, 3, 2)
	got := joined(p.say("/mens"))
	if !strings.Contains(got, "Mag ik dit delen?") || !strings.Contains(got, "wil rustige uitleg") && !strings.Contains(got, "nog niet bekend") {
		t.Fatalf("/mens did not ask to share, saying what the worker sees:\n%s", got)
	}
	got = joined(p.say("#yes"))
	if !strings.Contains(got, "gespreksnummer is H-") {
		t.Fatalf("after yes: no handover number:\n%s", got)
	}
	i := strings.Index(got, "H-")
	return got[i : i+7]
}

func TestHandoverConversation(t *testing.T) {
	e := newHandoverEnv(t, "ma-vr 09:00-17:00")
	p := e.person("1001")
	number := p.toHandover()
	if p.res.Trace.State == "" {
		t.Fatal("no trace")
	}
	e.desk.wait(t, "the card", func() bool { return len(e.desk.cards) == 1 })
	card := e.desk.cards[0]
	if card.Number != number || card.Kind != bot.KindHandoverCard || card.Channel != bot.Terminal || len(card.Answers) != 2 || card.Summary == "" {
		t.Fatalf("card=%+v, want number %s, 2 answers, a summary", card, number)
	}
	for _, a := range card.Answers {
		if a.Statement == "" || a.Answer == "" {
			t.Fatalf("card answer without words: %+v", a)
		}
	}
	thread := "thread-" + card.ID

	// The person's words go to the thread, in order.
	for _, text := range []string{"Ik heb een brief van de deurwaarder", "Wat moet ik doen?", "Hallo?"} {
		if r := p.say(text); len(r) != 0 {
			t.Fatalf("relayed text got replies: %v", r)
		}
	}
	e.desk.wait(t, "three posts", func() bool { return len(e.desk.threads[thread]) == 3 })
	var texts []string
	for _, post := range e.desk.threads[thread] {
		texts = append(texts, post.Text)
	}
	if !slices.Equal(texts, []string{"Ik heb een brief van de deurwaarder", "Wat moet ik doen?", "Hallo?"}) {
		t.Fatalf("thread=%q", texts)
	}

	// A worker replies: taken, then the reply, at the person's address.
	e.advance(3 * time.Minute)
	if err := e.svc.DeskEvent(e.ctx, bot.DeskEvent{Ref: card.Ref, Thread: thread, Kind: bot.DeskReply, Worker: "Anna", Text: "Hoi, ik ben Anna. Stuur maar een foto van de brief.", PostID: "w1"}); err != nil {
		t.Fatal(err)
	}
	// The same event again (a reconnect catching up) changes nothing.
	if err := e.svc.DeskEvent(e.ctx, bot.DeskEvent{Ref: card.Ref, Thread: thread, Kind: bot.DeskReply, Worker: "Anna", Text: "Hoi, ik ben Anna. Stuur maar een foto van de brief.", PostID: "w1"}); err != nil {
		t.Fatal(err)
	}
	got := e.courier.wait(t, p.ad, "Stuur maar een foto")
	if len(got) != 2 || !strings.Contains(got[0].Text, "Je praat nu met Anna") || got[1].Text != "Anna (gemeente): Hoi, ik ben Anna. Stuur maar een foto van de brief." {
		t.Fatalf("citizen got %q", joined(got))
	}

	// A photo goes to the thread as a file.
	in := p.c.Inbound("")
	in.Address, in.NonText = p.ad, true
	in.File = &bot.InboundFile{Name: "brief.jpg", MIME: "image/jpeg", Size: 5, Fetch: func(context.Context) ([]byte, error) { return []byte("JPEG!"), nil }}
	if res, err := e.svc.Handle(e.ctx, in); err != nil || len(res.Replies) != 0 {
		t.Fatalf("photo: replies=%v err=%v", res.Replies, err)
	}
	e.desk.wait(t, "the photo", func() bool { return len(e.desk.threads[thread]) == 4 })
	if f := e.desk.threads[thread][3].File; f == nil || string(f.Data) != "JPEG!" || f.MIME != "image/jpeg" {
		t.Fatalf("photo post=%+v", e.desk.threads[thread][3])
	}
	// A voice message is not passed on, and the person is told.
	in = p.c.Inbound("")
	in.Address, in.NonText = p.ad, true
	in.File = &bot.InboundFile{Name: "voice.ogg", MIME: "audio/ogg", Size: 5, Fetch: func(context.Context) ([]byte, error) { t.Error("voice fetched"); return nil, nil }}
	res, err := e.svc.Handle(e.ctx, in)
	if err != nil || !strings.Contains(joined(res.Replies), "foto's en pdf") {
		t.Fatalf("voice: replies=%q err=%v", joined(res.Replies), err)
	}

	// The worker closes; the person rates.
	if err := e.svc.DeskEvent(e.ctx, bot.DeskEvent{Ref: card.Ref, Thread: thread, Kind: bot.DeskClosed, Worker: "Anna", PostID: "w2"}); err != nil {
		t.Fatal(err)
	}
	got = e.courier.wait(t, p.ad, "cijfer")
	last := got[len(got)-1]
	if last.Prompt == "" || len(last.Choices) != 6 {
		t.Fatalf("rating question=%+v", last)
	}
	p.c.Last = []dialogue.Reply{last}
	if r := joined(p.say("#4")); !strings.Contains(r, "Dank je voor je cijfer") {
		t.Fatalf("rating answer=%q", r)
	}
	tallies, _ := e.db.Tallies(e.ctx)
	for _, k := range []string{"handover_requested", "handover_taken", "handover_closed", "handover_rating_4"} {
		if tallies[k] != 1 {
			t.Errorf("tally %s=%d, want 1 (all: %v)", k, tallies[k], tallies)
		}
	}
	if len(e.metrics.first) != 1 || e.metrics.first[0] != 3*time.Minute {
		t.Errorf("first reply times=%v, want [3m]", e.metrics.first)
	}
	// Nothing of the handover is research data.
	n := 0
	_ = e.db.Research(e.ctx, func(bot.ResearchTurn) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d research turns without research consent", n)
	}

	// /vergeet after the handover deletes the bot's posts in the desk and
	// leaves no trace in the file.
	p.say("/vergeet")
	p.say("#yes")
	e.desk.wait(t, "the erasure", func() bool { return len(e.desk.erased[thread]) > 0 })
	e.desk.mu.Lock()
	erased := e.desk.erased[thread]
	e.desk.mu.Unlock()
	if len(erased) != 5 || erased[0] != thread {
		t.Fatalf("erased %v, want the card and 4 posts", erased)
	}
	if _, err := e.db.Get(e.ctx, bot.NewPseudonymizer(secret).Key(bot.Terminal, "1001")); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("session after /vergeet: %v", err)
	}
	waitOutboxEmpty(t, e)
	if err := e.db.Compact(); err != nil {
		t.Fatal(err)
	}
	bottest.FileLacks(t, e.path, "deurwaarder", "JPEG!", "Stuur maar een foto", p.ad, number)
}

func waitOutboxEmpty(t *testing.T, e *handoverEnv) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, q := range []string{bot.QueueDesk, bot.Terminal} {
		for {
			envs, err := e.db.Due(e.ctx, q, e.clock().Add(24*time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(envs) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("queue %s keeps %d envelopes", q, len(envs))
			}
			time.Sleep(10 * time.Millisecond) // polling a store the drainer empties
		}
	}
}

func TestHandoverVergeetDuringRelay(t *testing.T) {
	e := newHandoverEnv(t, "altijd")
	p := e.person("1002")
	p.toHandover()
	e.desk.wait(t, "the card", func() bool { return len(e.desk.cards) == 1 })
	card := e.desk.cards[0]
	thread := "thread-" + card.ID
	p.say("Mijn huur is 900 euro")
	e.desk.wait(t, "the post", func() bool { return len(e.desk.threads[thread]) == 1 })
	if got := joined(p.say("/vergeet")); !strings.Contains(got, "wis") && !strings.Contains(got, "Wis") {
		t.Fatalf("/vergeet during a handover did not ask to erase: %q", got)
	}
	// Not relayed: the answer to the erase question.
	p.say("#yes")
	e.desk.wait(t, "the erasure", func() bool { return e.desk.erases == 1 })
	if got := len(e.desk.threads[thread]); got != 1 {
		t.Fatalf("thread has %d posts, want 1: the erase answer was relayed", got)
	}
	// The relay has ended: a worker's reply reaches nobody.
	if err := e.svc.DeskEvent(e.ctx, bot.DeskEvent{Ref: card.Ref, Thread: thread, Kind: bot.DeskReply, Worker: "Anna", Text: "Ben je er nog?", PostID: "w9"}); err != nil {
		t.Fatal(err)
	}
	if got := p.say("hallo"); strings.Contains(joined(got), "Anna") {
		t.Fatalf("after erasure: %q", joined(got))
	}
	e.courier.mu.Lock()
	n := len(e.courier.got[p.ad])
	e.courier.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d relays after erasure", n)
	}
	if e.metrics.events["erased"] != 1 {
		t.Fatalf("erased metric=%d", e.metrics.events["erased"])
	}
}

func TestHandoverOutsideHoursCallback(t *testing.T) {
	e := newHandoverEnv(t, "ma-vr 09:00-17:00")
	e.advance(-12 * time.Hour) // Sunday night
	p := e.person("1003")
	p.say("/start")
	p.say("#no")
	p.say("#no")
	p.say("/human")
	got := joined(p.say("#yes"))
	if !strings.Contains(got, "van maandag t/m vrijdag, 09:00-17:00") || !strings.Contains(got, "terugbelt") {
		t.Fatalf("outside hours: %q", got)
	}
	if len(e.desk.cards) != 0 {
		t.Fatal("a handover card outside office hours")
	}
	p.say("#yes")
	if got := joined(p.say("bel me maar")); !strings.Contains(got, "telefoonnummer") {
		t.Fatalf("a non-number: %q", got)
	}
	got = joined(p.say("06-12345678"))
	if !strings.Contains(got, "belt je terug") {
		t.Fatalf("after the number: %q", got)
	}
	// The number is sealed in the file while it waits.
	bottest.FileLacks(t, e.path, "0612345678", "06-12345678")
	e.desk.wait(t, "the callback card", func() bool { return len(e.desk.cards) == 1 })
	card := e.desk.cards[0]
	if card.Kind != bot.KindCallbackCard || card.Phone != "0612345678" {
		t.Fatalf("callback card=%+v", card)
	}
	if err := e.svc.DeskEvent(e.ctx, bot.DeskEvent{Ref: card.Ref, Thread: "thread-" + card.ID, Kind: bot.DeskCallbackDone, Worker: "Bas", PostID: "cb1"}); err != nil {
		t.Fatal(err)
	}
	e.courier.wait(t, p.ad, "nummer is nu gewist")
	key := bot.NewPseudonymizer(secret).Key(bot.Terminal, "1003")
	sess, err := e.db.Get(e.ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Handover.Phone != "" || sess.Handover.Address != "" {
		t.Fatalf("after the callback: phone=%q address=%q", sess.Handover.Phone, sess.Handover.Address)
	}
	tallies, _ := e.db.Tallies(e.ctx)
	if tallies["handover_callback"] != 1 || tallies["handover_callback_done"] != 1 {
		t.Fatalf("tallies=%v", tallies)
	}
}

func TestHandoverNobodyTakesIt(t *testing.T) {
	e := newHandoverEnv(t, "altijd")
	p := e.person("1004")
	p.toHandover()
	e.desk.wait(t, "the card", func() bool { return len(e.desk.cards) == 1 })
	e.advance(bot.DefaultHandoverWait + time.Second)
	got := e.courier.wait(t, p.ad, "terugbelt")
	if !strings.Contains(joined(got), "niemand vrij") && !strings.Contains(joined(got), "lukt nu niet") {
		t.Fatalf("timeout message=%q", joined(got))
	}
	thread := "thread-" + e.desk.cards[0].ID
	e.desk.wait(t, "the note to staff", func() bool { return len(e.desk.threads[thread]) == 1 && e.desk.threads[thread][0].Note })
	// The person stops: the relay ends, staff are told.
	p.c.Last = got[len(got)-1:]
	if got := joined(p.say("/stop")); !strings.Contains(got, "gestopt") {
		t.Fatalf("/stop: %q", got)
	}
	e.desk.wait(t, "the stop note", func() bool { return len(e.desk.threads[thread]) == 2 })
	if r := p.say("nog iets"); strings.Contains(joined(r), "doorsturen") {
		t.Fatal("relay after /stop")
	}
	if len(e.desk.threads[thread]) != 2 {
		t.Fatal("text relayed after /stop")
	}
}

func TestHandoverWithoutDeskGivesContactRoute(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, _ := dialogue.New(dialogue.Options{})
	svc := bot.New(db, eng, secret, bot.Options{})
	c := &bottest.Citizen{H: svc, User: "x"}
	ctx := context.Background()
	c.Say(ctx, "/start")
	res, err := c.Say(ctx, "/mens")
	if err != nil || !strings.Contains(joined(res.Replies), "14") || strings.Contains(joined(res.Replies), "delen") {
		t.Fatalf("/mens without a desk: %q %v", joined(res.Replies), err)
	}
}

func TestOfficeHours(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	h, err := bot.ParseOfficeHours("ma-vr 09:00-17:00", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Time
		open bool
		next time.Time
	}{
		{time.Date(2026, 12, 7, 9, 0, 0, 0, ams), true, time.Date(2026, 12, 7, 9, 0, 0, 0, ams)},
		{time.Date(2026, 12, 7, 8, 59, 0, 0, ams), false, time.Date(2026, 12, 7, 9, 0, 0, 0, ams)},
		{time.Date(2026, 12, 7, 17, 0, 0, 0, ams), false, time.Date(2026, 12, 8, 9, 0, 0, 0, ams)},
		{time.Date(2026, 12, 12, 12, 0, 0, 0, ams), false, time.Date(2026, 12, 14, 9, 0, 0, 0, ams)},
	} {
		if got := h.Open(tc.at); got != tc.open {
			t.Errorf("Open(%v)=%v, want %v", tc.at, got, tc.open)
		}
		if got := h.Next(tc.at); !got.Equal(tc.next) {
			t.Errorf("Next(%v)=%v, want %v", tc.at, got, tc.next)
		}
	}
	for _, bad := range []string{"ma-vr", "xx 09:00-17:00", "ma 17:00-09:00", "ma 9-5"} {
		if _, err := bot.ParseOfficeHours(bad, nil); !errors.Is(err, bot.ErrHours) {
			t.Errorf("ParseOfficeHours(%q): err=%v, want ErrHours", bad, err)
		}
	}
	if a, err := bot.ParseOfficeHours("altijd", nil); err != nil || !a.Open(time.Now()) {
		t.Errorf("altijd: %v", err)
	}
	if got := h.Describe("nl"); got != "van maandag t/m vrijdag, 09:00-17:00" {
		t.Errorf("Describe=%q", got)
	}
	_ = fmt.Sprint
}

func TestHandoverCardCarriesUrgentFlag(t *testing.T) {
	e := newHandoverEnv(t, "altijd")
	p := e.person("1005")
	p.say("/start")
	p.say("#no")
	p.say("#no")
	p.say("Morgen word ik uit mijn huis gezet")
	if p.res.Intent != dialogue.IntentUrgent {
		t.Skipf("the understanding step did not hear urgency (intent %q); nothing to flag", p.res.Intent)
	}
	p.say("/mens")
	p.say("#yes")
	e.desk.wait(t, "the card", func() bool { return len(e.desk.cards) == 1 })
	if f := e.desk.cards[0].Flags; len(f) != 1 || !strings.HasPrefix(f[0], "DRINGEND") {
		t.Fatalf("flags=%q, want the urgent flag", f)
	}
}

// TestVergeetErasesEveryHandover: a second handover after the first was
// closed; /vergeet deletes the posts of both.
func TestVergeetErasesEveryHandover(t *testing.T) {
	e := newHandoverEnv(t, "altijd")
	p := e.person("1006")
	p.toHandover()
	e.desk.wait(t, "the first card", func() bool { return len(e.desk.cards) == 1 })
	first := e.desk.cards[0]
	p.say("eerste gesprek")
	e.desk.wait(t, "the post", func() bool { return len(e.desk.threads["thread-"+first.ID]) == 1 })
	if err := e.svc.DeskEvent(e.ctx, bot.DeskEvent{Ref: first.Ref, Thread: "thread-" + first.ID, Kind: bot.DeskClosed, PostID: "c1"}); err != nil {
		t.Fatal(err)
	}
	e.courier.wait(t, p.ad, "cijfer")
	p.say("#skip")
	p.say("/mens")
	p.say("#yes")
	e.desk.wait(t, "the second card", func() bool { return len(e.desk.cards) == 2 })
	second := e.desk.cards[1]
	p.say("/vergeet")
	p.say("#yes")
	e.desk.wait(t, "both erasures", func() bool {
		return len(e.desk.erased["thread-"+first.ID]) == 2 && len(e.desk.erased["thread-"+second.ID]) == 1
	})
}
