package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

// recorder wraps the real service: it records, per user, the replies of
// every message handled for the first time (what must reach the chat,
// exactly once and in order), and can make Handle fail.
type recorder struct {
	h    bot.Handler
	mu   sync.Mutex
	got  map[string][]dialogue.Reply
	ins  map[string][]bot.Inbound
	fail func(bot.Inbound) error
	hook func(bot.Inbound)
}

func (r *recorder) Handle(ctx context.Context, in bot.Inbound) (bot.Result, error) {
	r.mu.Lock()
	fail, hook := r.fail, r.hook
	r.mu.Unlock()
	if hook != nil {
		hook(in)
	}
	if fail != nil {
		if err := fail(in); err != nil {
			return bot.Result{}, err
		}
	}
	res, err := r.h.Handle(ctx, in)
	if err == nil {
		r.mu.Lock()
		r.ins[in.UserID] = append(r.ins[in.UserID], in)
		if !res.Duplicate {
			r.got[in.UserID] = append(r.got[in.UserID], res.Replies...)
		}
		r.mu.Unlock()
	}
	return res, err
}

func (r *recorder) replies(user int64) []dialogue.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]dialogue.Reply(nil), r.got[fmt.Sprint(user)]...)
}

func (r *recorder) inbounds(user int64) []bot.Inbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Inbound(nil), r.ins[fmt.Sprint(user)]...)
}

func (r *recorder) setFail(f func(bot.Inbound) error) {
	r.mu.Lock()
	r.fail = f
	r.mu.Unlock()
}

// env is a running adapter on a real service and bbolt store, against a
// fake Bot API.
type env struct {
	t    testing.TB
	fake *fakeapi.Server
	svc  *bot.Service
	db   *bolt.DB
	rec  *recorder
	a    *telegram.Adapter
	stop context.CancelFunc
	done chan error
}

// newService returns a real service on a bbolt file in dir.
func newService(t testing.TB, dir string) (*bot.Service, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return bot.New(db, eng, []byte("test-secret-0123456789abcdef"), bot.Options{}), db
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// start runs an adapter against a new fake server. Fast backoff keeps
// fault tests quick; limits come from the options given.
func start(t testing.TB, fo fakeapi.Options, ao telegram.Options) *env {
	t.Helper()
	fake := fakeapi.New(fo)
	t.Cleanup(fake.Close)
	svc, db := newService(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, fake: fake, svc: svc, db: db, rec: &recorder{h: svc, got: map[string][]dialogue.Reply{}, ins: map[string][]bot.Inbound{}}}
	if ao.APIURL == "" {
		ao.APIURL = fake.URL
	}
	if ao.MinBackoff == 0 {
		ao.MinBackoff = 10 * time.Millisecond
	}
	if ao.MaxBackoff == 0 {
		ao.MaxBackoff = 200 * time.Millisecond
	}
	if ao.PollTimeout == 0 {
		ao.PollTimeout = 2 * time.Second
	}
	if ao.Logger == nil {
		ao.Logger = testLogger(t)
	}
	e.run(ao)
	t.Cleanup(e.shutdown)
	return e
}

func (e *env) run(ao telegram.Options) {
	a, err := telegram.New(e.fake.Token, e.rec, ao)
	if err != nil {
		e.t.Fatal(err)
	}
	e.a = a
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	e.done = make(chan error, 1)
	go func() { e.done <- a.Run(ctx) }()
}

// shutdown stops the adapter and checks that Run returned nil.
func (e *env) shutdown() {
	if e.stop == nil {
		return
	}
	e.stop()
	e.stop = nil
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		e.t.Errorf("Run did not return after cancel")
	}
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	e.t.Cleanup(cancel)
	return ctx
}

// wait waits until the update is confirmed: handled, committed, answered.
func (e *env) wait(id int64) {
	e.t.Helper()
	if err := e.fake.WaitConfirmed(e.ctx(), id); err != nil {
		e.t.Fatalf("update %d not confirmed: %v", id, err)
	}
}

func (e *env) say(u fakeapi.User, text string) []fakeapi.Message {
	e.t.Helper()
	before := len(e.fake.BotMessages(u.ID))
	e.wait(e.fake.Text(u, text))
	return e.fake.BotMessages(u.ID)[before:]
}

// lastKeyboard returns the bot's last message with buttons in u's chat.
func lastKeyboard(msgs []fakeapi.Message) (fakeapi.Message, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if len(msgs[i].Keyboard) > 0 {
			return msgs[i], true
		}
	}
	return fakeapi.Message{}, false
}

func buttons(m fakeapi.Message) []fakeapi.Button {
	var out []fakeapi.Button
	for _, row := range m.Keyboard {
		out = append(out, row...)
	}
	return out
}

// pick chooses a button the way a cooperative citizen would: yes to
// consent, an answer on the scale, the first offer.
func pick(m fakeapi.Message, seed int) fakeapi.Button {
	bs := buttons(m)
	for _, want := range []string{"|yes", "|keep_on"} {
		for _, b := range bs {
			if strings.HasSuffix(b.Data, want) {
				return b
			}
		}
	}
	var scale []fakeapi.Button
	for _, b := range bs {
		_, c, _ := strings.Cut(b.Data, "|")
		if len(c) == 1 && c >= "1" && c <= "5" {
			scale = append(scale, b)
		}
	}
	if len(scale) > 0 {
		return scale[seed%len(scale)]
	}
	return bs[0]
}

// converse holds a whole conversation by buttons, from /start until the
// offer is answered, and returns the number of steps taken.
func (e *env) converse(u fakeapi.User, source string) (steps int, err error) {
	ctx := e.ctx()
	start := "/start"
	if source != "" {
		start += " " + source
	}
	id := e.fake.Text(u, start)
	for steps = 1; steps < 60; steps++ {
		if err := e.fake.WaitConfirmed(ctx, id); err != nil {
			return steps, fmt.Errorf("update %d: %w", id, err)
		}
		m, ok := lastKeyboard(e.fake.BotMessages(u.ID))
		if !ok {
			return steps, errors.New("no question with buttons")
		}
		b := pick(m, int(u.ID)+steps)
		if id, err = e.fake.Press(u, m.ID, b.Text); err != nil {
			return steps, err
		}
		if strings.HasPrefix(b.Data, "offer|") {
			return steps + 1, e.fake.WaitConfirmed(ctx, id)
		}
	}
	return steps, errors.New("no offer after 60 steps")
}

// citizens runs n conversations at once, user i being
// fakeapi.User{ID: base+i} speaking Dutch or English in turn, fails the
// test on any error, checks every chat with checkExactlyOnce and returns
// the number of bot messages sent.
func (e *env) citizens(n int, base int64, converse func(i int, u fakeapi.User) error) int {
	e.t.Helper()
	users := make([]fakeapi.User, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range users {
		users[i] = fakeapi.User{ID: base + int64(i), LanguageCode: []string{"nl", "en"}[i%2]}
		wg.Add(1)
		go func(i int, u fakeapi.User) {
			defer wg.Done()
			if err := converse(i, u); err != nil {
				errs <- fmt.Errorf("user %d: %w", u.ID, err)
			}
		}(i, users[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	total := 0
	for _, u := range users {
		e.checkExactlyOnce(u)
		total += len(e.fake.BotMessages(u.ID))
	}
	return total
}

// checkExactlyOnce checks that the chat of u holds exactly the replies the
// handler gave, once each and in order.
func (e *env) checkExactlyOnce(u fakeapi.User) {
	e.t.Helper()
	want := e.rec.replies(u.ID)
	got := e.fake.BotMessages(u.ID)
	if len(got) != len(want) {
		for i, m := range got {
			e.t.Logf("got %d: %.60q", i, m.SentText)
		}
		for i, r := range want {
			e.t.Logf("want %d: %.60q", i, r.Text)
		}
		e.t.Fatalf("user %d: %d messages, want %d", u.ID, len(got), len(want))
	}
	for i := range want {
		if got[i].SentText != want[i].Text {
			e.t.Fatalf("user %d message %d = %.80q, want %.80q", u.ID, i, got[i].SentText, want[i].Text)
		}
	}
}
