package bot_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// passStore signals every read of the outbox, so that a test knows a
// drainer made a pass without sleeping.
type passStore struct {
	bot.Store
	passes chan struct{}
}

func (p *passStore) Due(ctx context.Context, queue string, now time.Time, limit int) ([]bot.Envelope, error) {
	envs, err := p.Store.Due(ctx, queue, now, limit)
	select {
	case p.passes <- struct{}{}:
	default:
	}
	return envs, err
}

// recCourier records deliveries; fail, when set, decides each one.
type recCourier struct {
	mu    sync.Mutex
	sent  []delivery
	calls int
	fail  func(n int) error
	after func() // runs after a delivery (a crash, in a test)
	ch    chan struct{}
}

type delivery struct {
	address string
	replies []dialogue.Reply
}

func (c *recCourier) Deliver(ctx context.Context, address string, replies []dialogue.Reply) error {
	c.mu.Lock()
	c.calls++
	var err error
	if c.fail != nil {
		err = c.fail(c.calls)
	}
	if err == nil {
		c.sent = append(c.sent, delivery{address, replies})
	}
	after := c.after
	c.mu.Unlock()
	if after != nil && err == nil {
		after()
	}
	select {
	case c.ch <- struct{}{}:
	default:
	}
	return err
}

func (c *recCourier) count() (sent, calls int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sent), c.calls
}

type followupEnv struct {
	t       *testing.T
	path    string
	db      *bolt.DB
	store   *passStore
	svc     *bot.Service
	courier *recCourier
	mu      sync.Mutex
	now     time.Time
	quiet   bot.QuietHours
	who     string // the Telegram user talking; "" is 4242
}

func (e *followupEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *followupEnv) set(t time.Time) {
	e.mu.Lock()
	e.now = t
	e.mu.Unlock()
}

func newFollowupEnv(t *testing.T, quiet string) *followupEnv {
	t.Helper()
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	q, err := bot.ParseQuietHours(quiet, ams)
	if err != nil {
		t.Fatal(err)
	}
	e := &followupEnv{t: t, path: filepath.Join(t.TempDir(), "p.db"), quiet: q,
		courier: &recCourier{ch: make(chan struct{}, 1)},
		now:     time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)} // a Monday, 11:00 in Amsterdam
	e.open()
	return e
}

func (e *followupEnv) open() {
	db, err := bolt.Open(e.path, bolt.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	fo := bot.FollowupOptions{Quiet: e.quiet}
	eng, err := dialogue.New(dialogue.Options{FollowupChannels: []string{bot.Telegram}, FollowupAfter: 5 * time.Second, Allowed: fo.Allowed})
	if err != nil {
		e.t.Fatal(err)
	}
	e.db = db
	e.store = &passStore{Store: db, passes: make(chan struct{}, 1)}
	e.svc = bot.New(e.store, eng, secret, bot.Options{Now: e.clock, Followup: fo})
}

// send is one Telegram message from the env's user (a tap with a leading "#").
func (e *followupEnv) send(text string) bot.Result {
	e.t.Helper()
	e.mu.Lock()
	e.now = e.now.Add(time.Second)
	at := e.now
	e.mu.Unlock()
	in := bot.Inbound{Channel: bot.Telegram, UserID: e.user(), Address: e.user(), Text: text, Time: at}
	if strings.HasPrefix(text, "#") {
		in.Text, in.Choice = "", text[1:]
		in.Prompt = e.prompt()
		if strings.Contains(text, ":") { // "#prompt:choice"
			in.Prompt, in.Choice, _ = strings.Cut(text[1:], ":")
		}
	}
	res, err := e.svc.Handle(context.Background(), in)
	if err != nil {
		e.t.Fatalf("Handle(%q): %v", text, err)
	}
	return res
}

func (e *followupEnv) prompt() string {
	s, err := e.db.Get(context.Background(), e.key())
	if err != nil {
		return ""
	}
	return s.Conv.Prompt
}

func (e *followupEnv) key() string { return e.svc.Pseudonyms().Key(bot.Telegram, e.user()) }

func (e *followupEnv) user() string {
	if e.who == "" {
		return "4242"
	}
	return e.who
}

func (e *followupEnv) envelopes() []bot.Envelope {
	var out []bot.Envelope
	if err := e.db.Envelopes(context.Background(), e.key(), func(env bot.Envelope) error {
		out = append(out, env)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// agree runs a conversation to the follow-up question and agrees with the
// default moment (5 seconds).
func (e *followupEnv) agree() {
	e.t.Helper()
	e.send("/start")
	e.send("#yes") // keep
	e.send("#yes") // research
	e.send("/stop")
	e.send("#offer_link")
	if p := e.prompt(); p != "followup_consent" {
		e.t.Fatalf("prompt=%q, want the follow-up question", p)
	}
	e.send("#yes")
}

// drain runs the drainer until cond holds after a pass.
func (e *followupEnv) drain(cond func() bool) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Drain(ctx, bot.Telegram, e.courier, bot.DrainOptions{Interval: time.Millisecond})
	}()
	defer func() { cancel(); <-done }()
	deadline := time.After(time.Minute)
	for {
		select {
		case <-e.store.passes:
		case <-e.courier.ch:
		case <-deadline:
			e.t.Fatalf("the condition did not hold")
		}
		if cond() {
			return
		}
	}
}

// passes waits for n passes of a drainer.
func (e *followupEnv) passes(n int) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Drain(ctx, bot.Telegram, e.courier, bot.DrainOptions{Interval: time.Millisecond})
	}()
	for range n {
		<-e.store.passes
	}
	cancel()
	<-done
}

func TestFollowupSentOnceWhenDue(t *testing.T) {
	e := newFollowupEnv(t, "off")
	e.agree()
	envs := e.envelopes()
	if len(envs) != 1 || envs[0].Kind != bot.KindFollowup || envs[0].Channel != bot.Telegram {
		t.Fatalf("envelopes=%+v, want one follow-up", envs)
	}
	f := envs[0]
	if !f.NotBefore.Equal(e.clock().Add(5*time.Second)) || f.Address == "" || strings.Contains(f.Address, "4242") {
		t.Fatalf("follow-up not_before=%v address=%q", f.NotBefore, f.Address)
	}
	// Not before it is due.
	e.passes(3)
	if sent, _ := e.courier.count(); sent != 0 {
		t.Fatalf("sent %d before it was due", sent)
	}
	e.set(f.NotBefore)
	e.drain(func() bool { n, _ := e.courier.count(); return n == 1 && len(e.envelopes()) == 0 })
	e.passes(3)
	if sent, _ := e.courier.count(); sent != 1 {
		t.Fatalf("sent %d times, want once", sent)
	}
	d := e.courier.sent[0]
	if d.address != "4242" || len(d.replies) != 1 || d.replies[0].Prompt != "followup" || len(d.replies[0].Choices) != 4 {
		t.Fatalf("delivery=%+v", d)
	}
	// The answer continues the conversation and is a research record.
	res := e.send("#followup:gelukt")
	if !strings.Contains(res.Replies[0].Text, "gelukt") {
		t.Fatalf("reply to Gelukt: %q", res.Replies[0].Text)
	}
	var marks []string
	e.db.Research(context.Background(), func(rt bot.ResearchTurn) error {
		if rt.Followup != "" {
			marks = append(marks, rt.From+":"+rt.Followup)
		}
		return nil
	})
	if strings.Join(marks, ",") != "bot:planned,citizen:gelukt" {
		t.Fatalf("research follow-up marks=%v", marks)
	}
}

func TestFollowupQuietHours(t *testing.T) {
	e := newFollowupEnv(t, bot.DefaultQuietHours)
	// Saturday 20:59:52 in Amsterdam: due just after 21:00, in the quiet
	// hours of Saturday night, which run into Sunday.
	e.set(time.Date(2026, 12, 12, 19, 59, 52, 0, time.UTC))
	e.agree()
	envs := e.envelopes()
	monday := time.Date(2026, 12, 14, 8, 0, 0, 0, time.UTC) // 09:00 in Amsterdam
	if len(envs) != 1 || !envs[0].NotBefore.Equal(monday) {
		t.Fatalf("not_before=%v, want Monday 09:00 Amsterdam", envs[0].NotBefore)
	}
	// A backlog after downtime: the drainer runs again only on the next
	// Sunday, six days late.
	e.set(monday.Add(6*24*time.Hour + 4*time.Hour)) // Sunday 13:00
	e.passes(3)
	if sent, _ := e.courier.count(); sent != 0 {
		t.Fatalf("sent on a Sunday")
	}
	// 6 days late: skipped, counted; sent never.
	envs = e.envelopes()
	tallies, _ := e.db.Tallies(context.Background())
	if len(envs) != 0 || tallies["outbox_dropped:late"] != 1 {
		t.Fatalf("late follow-up: envelopes=%v tallies=%v", envs, tallies)
	}

	// One less late waits for the morning instead.
	e2 := newFollowupEnv(t, bot.DefaultQuietHours)
	e2.set(time.Date(2026, 12, 12, 19, 59, 52, 0, time.UTC))
	e2.agree()
	e2.set(time.Date(2026, 12, 15, 21, 30, 0, 0, time.UTC)) // Tuesday 22:30 Amsterdam, 37.5h late
	e2.passes(3)
	envs = e2.envelopes()
	wed := time.Date(2026, 12, 16, 8, 0, 0, 0, time.UTC)
	if sent, _ := e2.courier.count(); sent != 0 || len(envs) != 1 || !envs[0].NotBefore.Equal(wed) || envs[0].Attempts != 0 {
		t.Fatalf("quiet backlog: sent=%d envelopes=%+v, want it moved to Wednesday 09:00", sent, envs)
	}
	e2.set(wed)
	e2.drain(func() bool { n, _ := e2.courier.count(); return n == 1 })
}

func TestFollowupBlocked(t *testing.T) {
	e := newFollowupEnv(t, "off")
	e.agree()
	e.courier.fail = func(int) error { return bot.Undeliverable("blocked") }
	e.set(e.clock().Add(time.Minute))
	e.drain(func() bool { return len(e.envelopes()) == 0 })
	e.set(e.clock().Add(time.Hour))
	e.passes(3)
	if _, calls := e.courier.count(); calls != 1 {
		t.Fatalf("a blocked chat was tried %d times, want once", calls)
	}
	tallies, _ := e.db.Tallies(context.Background())
	if tallies["outbox_dropped:blocked"] != 1 {
		t.Fatalf("tallies=%v", tallies)
	}
}

func TestFollowupCancelledAndErased(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(e *followupEnv)
	}{
		{"/stop", func(e *followupEnv) { e.send("/stop") }},
		{"privacy", func(e *followupEnv) { e.send("#privacy:followup_off") }},
		{"keep withdrawn", func(e *followupEnv) { e.send("#privacy:keep_off") }},
		{"/vergeet", func(e *followupEnv) { e.send("/vergeet"); e.send("#yes") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newFollowupEnv(t, "off")
			e.agree()
			if len(e.envelopes()) != 1 {
				t.Fatalf("no follow-up planned")
			}
			tc.do(e)
			if envs := e.envelopes(); len(envs) != 0 {
				t.Fatalf("pending after %s: %+v", tc.name, envs)
			}
			e.set(e.clock().Add(time.Hour))
			e.passes(3)
			if sent, _ := e.courier.count(); sent != 0 {
				t.Fatalf("sent after %s", tc.name)
			}
			if tc.name == "/vergeet" {
				e.db.Close()
				data, err := os.ReadFile(e.path)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(data, []byte("Is het gelukt")) {
					t.Fatalf("the follow-up's text is still in the file after /vergeet")
				}
			}
		})
	}
}

// TestFollowupAtLeastOnceOnTelegram is the proof of what the docs say: a
// drainer that dies between sending a follow-up and recording it sends it
// again after a restart (at least once, never lost), and only then.
func TestFollowupAtLeastOnceOnTelegram(t *testing.T) {
	e := newFollowupEnv(t, "off")
	e.agree()
	e.set(e.clock().Add(time.Minute))
	ctx, crash := context.WithCancel(context.Background())
	e.courier.after = crash // the process dies right after the send
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Drain(ctx, bot.Telegram, e.courier, bot.DrainOptions{Interval: time.Millisecond})
	}()
	<-done
	if sent, _ := e.courier.count(); sent != 1 || len(e.envelopes()) != 1 {
		t.Fatalf("before the restart: sent=%d pending=%d, want 1 and 1", sent, len(e.envelopes()))
	}
	e.courier.after = nil
	e.db.Close()
	e.open() // the restart: the outbox is read from the file
	e.drain(func() bool { return len(e.envelopes()) == 0 })
	e.passes(3)
	if sent, _ := e.courier.count(); sent != 2 {
		t.Fatalf("sent %d times, want 2 (once more after the crash, then never)", sent)
	}
}

// onceCourier delivers each envelope ID once, like the Mattermost adapter.
type onceCourier struct {
	recCourier
	ids []string
}

func (c *onceCourier) DeliverOnce(ctx context.Context, env bot.Envelope, address string, replies []dialogue.Reply) error {
	c.mu.Lock()
	if slices.Contains(c.ids, env.ID) {
		c.mu.Unlock()
		return nil
	}
	c.ids = append(c.ids, env.ID)
	c.mu.Unlock()
	return c.Deliver(ctx, address, replies)
}

func TestFollowupOnceCourier(t *testing.T) {
	e := newFollowupEnv(t, "off")
	oc := &onceCourier{recCourier: recCourier{ch: make(chan struct{}, 1)}}
	e.agree()
	e.set(e.clock().Add(time.Minute))
	ctx, crash := context.WithCancel(context.Background())
	oc.after = crash
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Drain(ctx, bot.Telegram, oc, bot.DrainOptions{Interval: time.Millisecond})
	}()
	<-done
	oc.after = nil
	ctx, stop := context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Drain(ctx, bot.Telegram, oc, bot.DrainOptions{Interval: time.Millisecond})
	}()
	for len(e.envelopes()) != 0 {
		<-e.store.passes
	}
	stop()
	<-done
	if sent, _ := oc.count(); sent != 1 {
		t.Fatalf("sent %d times through a courier that knows envelope ids, want exactly once", sent)
	}
}

// TestFollowupBacklogOldestFirst: after downtime, due follow-ups go out
// oldest first.
func TestFollowupBacklogOldestFirst(t *testing.T) {
	e := newFollowupEnv(t, "off")
	users := []string{"5003", "5001", "5002"}
	for _, u := range users {
		e.who = u
		e.agree()
		e.set(e.clock().Add(time.Hour))
	}
	e.set(e.clock().Add(24 * time.Hour)) // down for a day
	e.drain(func() bool { n, _ := e.courier.count(); return n == len(users) })
	for i, d := range e.courier.sent {
		if d.address != users[i] {
			t.Fatalf("delivery %d went to %s, want %s (oldest first)", i, d.address, users[i])
		}
	}
}
