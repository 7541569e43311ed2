package mattermost_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/proactief/proactief/adapters/mattermost"
	"github.com/proactief/proactief/adapters/mattermost/fakemm"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// handled is one call of the handler, as the recorder saw it.
type handled struct {
	in  bot.Inbound
	res bot.Result
	err error
}

// recorder passes messages to a real bot.Service and reports each call.
type recorder struct {
	svc   *bot.Service
	calls chan handled
	fail  func(bot.Inbound) error // nil: never
}

func (r *recorder) Handle(ctx context.Context, in bot.Inbound) (bot.Result, error) {
	if r.fail != nil {
		if err := r.fail(in); err != nil {
			r.calls <- handled{in: in, err: err}
			return bot.Result{}, err
		}
	}
	res, err := r.svc.Handle(ctx, in)
	r.calls <- handled{in, res, err}
	return res, err
}

func (r *recorder) Unavailable(lang string) dialogue.Reply { return r.svc.Unavailable(lang) }

type env struct {
	t       *testing.T
	ctx     context.Context
	fake    *fakemm.Server
	botID   string
	staffID string
	otherID string
	store   bot.Store
	svc     *bot.Service
	rec     *recorder
	a       *mattermost.Adapter
	done    chan error
	stop    context.CancelFunc
	posts   int // bot posts expected so far
	choices []dialogue.Choice
	prompt  string
}

type setup struct {
	opts     mattermost.Options
	fake     fakemm.Options
	noStart  bool
	team     bool // allow by team instead of by user id
	fakeHook func(*fakemm.Server)
}

func newEnv(t *testing.T, s setup) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	fake := fakemm.New(t, s.fake)
	botID, token := fake.AddBot("proactief")
	staffID, _ := fake.AddUser("medewerker")
	otherID, _ := fake.AddUser("buitenstaander")
	db, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(db, eng, []byte("test secret of 32 bytes or so..."), bot.Options{})
	rec := &recorder{svc: svc, calls: make(chan handled, 100)}
	opts := s.opts
	if s.team {
		fake.AddTeamMember("team1", staffID)
		opts.AllowTeam = "team1"
	} else {
		opts.AllowUsers = append(opts.AllowUsers, staffID)
	}
	opts.MinBackoff, opts.MaxBackoff = 5*time.Millisecond, 50*time.Millisecond
	a, err := mattermost.New(fake.URL, token, rec, opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, fake: fake, botID: botID, staffID: staffID, otherID: otherID,
		store: db, svc: svc, rec: rec, a: a}
	if s.fakeHook != nil {
		s.fakeHook(fake)
	}
	if !s.noStart {
		e.start()
	}
	return e
}

// start runs the adapter until the test ends and waits for its websocket.
func (e *env) start() {
	e.t.Helper()
	ctx, stop := context.WithCancel(e.ctx)
	e.done, e.stop = make(chan error, 1), stop
	go func() { e.done <- e.a.Run(ctx) }()
	e.t.Cleanup(func() { e.shutdown() })
	if err := e.fake.WaitWebsockets(e.ctx, e.botID, 1); err != nil {
		e.t.Fatalf("adapter did not connect: %v", err)
	}
}

func (e *env) shutdown() {
	if e.stop == nil {
		return
	}
	e.stop()
	e.stop = nil
	if err := <-e.done; err != nil {
		e.t.Errorf("Run = %v, want nil on cancel", err)
	}
}

// next returns the next handler call.
func (e *env) next() handled {
	e.t.Helper()
	select {
	case h := <-e.rec.calls:
		return h
	case <-e.ctx.Done():
		e.t.Fatalf("no handler call: %v", e.ctx.Err())
	}
	return handled{}
}

// expect waits for the handler call of post and then for its replies to
// be posted; it returns the call and the bot's new posts.
func (e *env) expect(post *model.Post) (handled, []*model.Post) {
	e.t.Helper()
	h := e.next()
	if h.in.MessageID != post.Id {
		e.t.Fatalf("handled message %q, want %q (%q)", h.in.MessageID, post.Id, post.Message)
	}
	if h.err != nil {
		e.t.Fatalf("Handle(%q) = %v", post.Message, h.err)
	}
	return h, e.replies(len(h.res.Replies))
}

// replies waits for n more bot posts and returns them.
func (e *env) replies(n int) []*model.Post {
	e.t.Helper()
	got, err := e.fake.WaitPosts(e.ctx, e.botID, e.posts+n)
	if err != nil {
		e.t.Fatal(err)
	}
	out := got[e.posts:]
	e.posts += n
	return out
}

// say sends a DM from staff and waits for its handling and replies.
func (e *env) say(text string) (handled, []*model.Post) {
	e.t.Helper()
	h, posts := e.expect(e.fake.DM(e.staffID, e.botID, text))
	e.track(h)
	return h, posts
}

func (e *env) track(h handled) {
	for _, r := range h.res.Replies {
		if len(r.Choices) > 0 {
			e.choices, e.prompt = r.Choices, r.Prompt
		}
	}
}

// noMoreCalls checks that the handler has no call queued.
func (e *env) noMoreCalls() {
	e.t.Helper()
	select {
	case h := <-e.rec.calls:
		e.t.Fatalf("unexpected handler call for %q (%q)", h.in.MessageID, h.in.Text)
	default:
	}
}

func joined(posts []*model.Post) string {
	var b strings.Builder
	for _, p := range posts {
		b.WriteString(p.Message)
		b.WriteString("\n---\n")
	}
	return b.String()
}

func TestStaffConversation(t *testing.T) {
	for _, team := range []bool{false, true} {
		name := map[bool]string{false: "allow-list", true: "team"}[team]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, setup{team: team, fake: fakemm.Options{PingInterval: 20 * time.Millisecond}})
			h, posts := e.say("hallo")
			if !h.in.Staff || h.in.Channel != bot.Mattermost || h.in.UserID != e.staffID {
				t.Fatalf("inbound = %+v, want staff on mattermost from the staff user", h.in)
			}
			if len(e.choices) == 0 {
				t.Fatalf("first answer asks nothing:\n%s", joined(posts))
			}
			last := posts[len(posts)-1].Message
			for i, c := range e.choices {
				if want := strconv.Itoa(i+1) + ". " + strings.TrimPrefix(c.Label, strconv.Itoa(i+1)+" "); !strings.Contains(last, want) {
					t.Fatalf("question lacks numbered choice %q:\n%s", want, last)
				}
			}

			_, posts = e.say("!trace on")
			if !strings.Contains(joined(posts), "trace on") {
				t.Fatalf("!trace on answered:\n%s", joined(posts))
			}

			// "1" answers the open question with its first choice, and
			// stays typed text (research must not read it as a button).
			prompt, first := e.prompt, e.choices[0].ID
			h, posts = e.say("1")
			if h.in.Choice != first || h.in.Prompt != prompt || h.in.Text != "1" {
				t.Fatalf("\"1\" became choice %q prompt %q text %q, want %q %q text \"1\"", h.in.Choice, h.in.Prompt, h.in.Text, first, prompt)
			}
			if !strings.Contains(joined(posts), "trace: P=[") {
				t.Fatalf("no trace after an answer:\n%s", joined(posts))
			}

			_, posts = e.say("!segment 3")
			if !strings.Contains(joined(posts), `tone forced to "slow"`) {
				t.Fatalf("!segment 3 answered:\n%s", joined(posts))
			}
			_, posts = e.say("!segment auto")
			if !strings.Contains(joined(posts), "follows the inference") {
				t.Fatalf("!segment auto answered:\n%s", joined(posts))
			}
			_, posts = e.say("!transcript")
			if !strings.Contains(joined(posts), "state ") {
				t.Fatalf("!transcript answered:\n%s", joined(posts))
			}

			// Every reply went into the direct channel, not a thread.
			dm := e.fake.Direct(e.staffID, e.botID)
			for _, p := range e.fake.Posts(e.botID) {
				if p.ChannelId != dm || p.RootId != "" {
					t.Fatalf("bot post in channel %s root %q, want DM %s without root", p.ChannelId, p.RootId, dm)
				}
			}
			e.noMoreCalls()
		})
	}
}

func TestRefusesOthers(t *testing.T) {
	e := newEnv(t, setup{})
	e.fake.DM(e.otherID, e.botID, "hallo, ik heb schulden")
	refusal := e.replies(1)[0]
	if !strings.Contains(refusal.Message, "nog getest door medewerkers") {
		t.Fatalf("refusal = %q", refusal.Message)
	}
	if refusal.ChannelId != e.fake.Direct(e.otherID, e.botID) {
		t.Fatalf("refusal went to another channel")
	}
	// A second message in a row is not refused again (no spam); the next
	// staff message shows the queue moved on.
	e.fake.DM(e.otherID, e.botID, "hallo?")
	e.say("hallo")
	e.noMoreCalls() // the handler never saw the outsider
	if got := len(e.fake.Posts(e.botID)); got != e.posts {
		t.Fatalf("bot posts = %d, want %d", got, e.posts)
	}
	key := e.svc.Pseudonyms().Key(bot.Mattermost, e.otherID)
	if _, err := e.store.Get(e.ctx, key); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("outsider's session: err=%v, want ErrNotFound", err)
	}
	n := 0
	_ = e.store.Research(e.ctx, func(bot.ResearchTurn) error { n++; return nil })
	if n != 0 {
		t.Fatalf("research turns = %d, want 0", n)
	}
}

func TestChannelMention(t *testing.T) {
	e := newEnv(t, setup{})
	ch := e.fake.AddChannel("pilot", e.botID, e.staffID)
	e.fake.Post(e.staffID, ch, "", "gewoon een bericht voor collega's")
	p := e.fake.Post(e.staffID, ch, "", "@proactief hallo")
	h, posts := e.expect(p)
	if h.in.Text != "hallo" {
		t.Fatalf("text = %q, want the mention stripped", h.in.Text)
	}
	for _, r := range posts {
		if r.ChannelId != ch || r.RootId != p.Id {
			t.Fatalf("reply in %s root %q, want thread %s in %s", r.ChannelId, r.RootId, p.Id, ch)
		}
	}
	e.noMoreCalls()
}

// TestReconnect drops the websocket mid-conversation and keeps it down
// while staff writes three messages; after the reconnect each is handled
// exactly once, in order.
func TestReconnect(t *testing.T) {
	e := newEnv(t, setup{fake: fakemm.Options{PingInterval: 10 * time.Millisecond}})
	e.say("hallo")
	e.say("!trace on")

	e.fake.HoldWebsockets(true)
	e.fake.DropWebsockets()
	if err := e.fake.WaitWebsockets(e.ctx, e.botID, 0); err != nil {
		t.Fatal(err)
	}
	held := e.fake.Requests("GET /api/v4/websocket")
	if err := e.fake.WaitRequests(e.ctx, "GET /api/v4/websocket", held+2); err != nil {
		t.Fatal(err) // it keeps trying while held
	}
	missed := []*model.Post{
		e.fake.DM(e.staffID, e.botID, "1"),
		e.fake.DM(e.staffID, e.botID, "!transcript"),
		e.fake.DM(e.staffID, e.botID, "!segment 2"),
	}
	e.fake.SetDelay(20 * time.Millisecond) // a slow server after the outage
	e.fake.HoldWebsockets(false)
	for _, p := range missed {
		h, _ := e.expect(p)
		if h.res.Duplicate {
			t.Fatalf("%q handled as a duplicate", p.Message)
		}
		e.track(h)
	}
	e.fake.SetDelay(0)

	// A second drop without hold: the catch-up sees the same posts again
	// and must not handle them twice.
	e.fake.DropWebsockets()
	if err := e.fake.WaitWebsockets(e.ctx, e.botID, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.WaitWebsockets(e.ctx, e.botID, 1); err != nil {
		t.Fatal(err)
	}
	e.say("!segment auto")
	e.noMoreCalls()
	if got, want := len(e.fake.Posts(e.botID)), e.posts; got != want {
		t.Fatalf("bot posts = %d, want %d", got, want)
	}
	if !e.a.Ready() {
		t.Fatalf("Ready() = false after reconnect")
	}
}

// TestCatchUpAtStart: messages written while proactief was down are
// answered when it starts; those it answered before are left alone.
func TestCatchUpAtStart(t *testing.T) {
	e := newEnv(t, setup{noStart: true})
	answered := e.fake.DM(e.staffID, e.botID, "oud bericht")
	reply := &model.Post{UserId: e.botID, ChannelId: answered.ChannelId, Message: "antwoord van een vorige keer"}
	reply.AddProp("proactief_reply_to", answered.Id)
	reply.AddProp("proactief_part", "1/1")
	e.fake.Create(reply)
	e.posts = 1
	p := e.fake.DM(e.staffID, e.botID, "hallo")
	e.start()
	h, _ := e.expect(p)
	if h.in.Text != "hallo" {
		t.Fatalf("caught up %q", h.in.Text)
	}
	e.say("!trace on")
	e.noMoreCalls()
}

func TestSendRetries(t *testing.T) {
	e := newEnv(t, setup{})
	e.fake.FailNext(http.MethodPost, "/api/v4/posts", 3)
	_, posts := e.say("hallo")
	if len(posts) == 0 {
		t.Fatal("no replies")
	}
	if got := len(e.fake.Posts(e.botID)); got != e.posts {
		t.Fatalf("bot posts = %d, want %d (no doubles)", got, e.posts)
	}
}

// TestUnavailable: when the handler cannot commit, the person is told to
// try later and the message stays unhandled, so a catch-up tries it again.
func TestUnavailable(t *testing.T) {
	var once sync.Once
	e := newEnv(t, setup{noStart: true})
	e.rec.fail = func(in bot.Inbound) error {
		var err error
		once.Do(func() { err = bot.ErrUnavailable })
		return err
	}
	e.start()
	p := e.fake.DM(e.staffID, e.botID, "hallo")
	if h := e.next(); !errors.Is(h.err, bot.ErrUnavailable) {
		t.Fatalf("first call err = %v", h.err)
	}
	sorry := e.replies(1)[0]
	if !strings.Contains(sorry.Message, "Probeer het over een paar minuten opnieuw") {
		t.Fatalf("unavailable reply = %q", sorry.Message)
	}
	// A reconnect retries the unhandled post.
	e.fake.DropWebsockets()
	h, _ := e.expect(p)
	if h.res.Duplicate {
		t.Fatal("retried post was a duplicate")
	}
}

func TestButtons(t *testing.T) {
	var handler http.Handler
	actions := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(actions.Close)
	e := newEnv(t, setup{opts: mattermost.Options{ActionsURL: actions.URL + "/actions"}, noStart: true})
	handler = e.a.ActionsHandler()
	e.start()
	_, posts := e.say("hallo")
	q := posts[len(posts)-1]
	if len(q.Attachments()) != 1 || len(q.Attachments()[0].Actions) != len(e.choices) {
		t.Fatalf("question has no buttons: %+v", q.GetProps())
	}
	if strings.Contains(q.Message, "1. ") {
		t.Fatalf("buttons and numbers both: %q", q.Message)
	}
	// Someone else pressing the staff member's button is refused.
	if code, err := e.fake.Press(e.ctx, e.otherID, q, 0); err != nil || code != http.StatusForbidden {
		t.Fatalf("press by another user = %d, %v; want 403", code, err)
	}
	// So is a forged context.
	forged := q.Clone()
	as := forged.Attachments()
	as[0].Actions[0].Integration.Context["choice"] = e.choices[1].ID
	forged.AddProp(model.PostPropsAttachments, as)
	if code, _ := e.fake.Press(e.ctx, e.staffID, forged, 0); code != http.StatusForbidden {
		t.Fatalf("forged press = %d, want 403", code)
	}
	prompt, second := e.prompt, e.choices[1].ID
	if code, err := e.fake.Press(e.ctx, e.staffID, q, 1); err != nil || code != http.StatusOK {
		t.Fatalf("press = %d, %v", code, err)
	}
	h := e.next()
	if h.in.Choice != second || h.in.Prompt != prompt || !h.in.Staff || h.in.Text != "" {
		t.Fatalf("press became %+v, want choice %q prompt %q", h.in, second, prompt)
	}
	e.replies(len(h.res.Replies))
	// A double click is not handled again.
	if code, _ := e.fake.Press(e.ctx, e.staffID, q, 1); code != http.StatusOK {
		t.Fatalf("second press = %d", code)
	}
	e.say("!transcript")
	e.noMoreCalls()
}

func TestBadToken(t *testing.T) {
	fake := fakemm.New(t, fakemm.Options{})
	a, err := mattermost.New(fake.URL, "wrong", &recorder{}, mattermost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Run(ctx); !errors.Is(err, mattermost.ErrUnauthorized) {
		t.Fatalf("Run = %v, want ErrUnauthorized", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, c := range []struct{ url, token string }{
		{"", "t"}, {"ftp://x", "t"}, {"http://", "t"}, {"http://x", ""},
	} {
		if _, err := mattermost.New(c.url, c.token, &recorder{}, mattermost.Options{}); !errors.Is(err, mattermost.ErrConfig) {
			t.Errorf("New(%q, %q) = %v, want ErrConfig", c.url, c.token, err)
		}
	}
}

// TestCatchUpCompletesReplies: a run that committed a message and posted
// only the first of its replies before it died; the next run posts the
// rest, once.
func TestCatchUpCompletesReplies(t *testing.T) {
	e := newEnv(t, setup{noStart: true})
	p := e.fake.DM(e.staffID, e.botID, "hallo")
	res, err := e.svc.Handle(e.ctx, bot.Inbound{Channel: bot.Mattermost, UserID: e.staffID, MessageID: p.Id, Text: "hallo", Staff: true, Lang: "nl"})
	if err != nil || len(res.Replies) < 2 {
		t.Fatalf("Handle = %d replies, %v; want at least 2", len(res.Replies), err)
	}
	first := &model.Post{UserId: e.botID, ChannelId: p.ChannelId, Message: res.Replies[0].Text}
	first.AddProp("proactief_reply_to", p.Id)
	first.AddProp("proactief_part", "1/"+strconv.Itoa(len(res.Replies)))
	e.fake.Create(first)
	e.posts = 1
	e.start()
	h := e.next()
	if h.in.MessageID != p.Id || !h.res.Duplicate {
		t.Fatalf("caught up %q duplicate=%v, want %q as a duplicate", h.in.MessageID, h.res.Duplicate, p.Id)
	}
	rest := e.replies(len(res.Replies) - 1)
	for i, r := range rest {
		if want := res.Replies[i+1].Text; !strings.HasPrefix(r.Message, want) {
			t.Fatalf("reply %d = %q, want %q", i+2, r.Message, want)
		}
	}
	e.say("!trace on")
	e.noMoreCalls()
	if got := len(e.fake.Posts(e.botID)); got != e.posts {
		t.Fatalf("bot posts = %d, want %d", got, e.posts)
	}
}

// TestStaffHearsCrisisUrgentPerson runs a crisis, an urgent need and a
// request for a person through the real client and the fake server, with
// !trace showing the intent; the intents are counted in the metrics.
func TestStaffHearsCrisisUrgentPerson(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, setup{opts: mattermost.Options{Registerer: reg}})
	e.say("hallo")
	e.say("ja")
	e.say("ja")
	e.say("!trace on")
	for _, c := range []struct{ text, intent, needle string }{
		{"ik word volgende week uit mijn huis gezet", "urgent", "0800-8115"},
		{"ik wil een mens spreken", "person", "14"},
		{"ik zie het niet meer zitten, ik wil niet meer leven", "crisis", "0800-0113"},
	} {
		_, posts := e.say(c.text)
		all := joined(posts)
		if !strings.Contains(all, c.needle) || !strings.Contains(all, "intent "+c.intent) {
			t.Fatalf("%q: want %q and the trace's intent %s in:\n%s", c.text, c.needle, c.intent, all)
		}
	}
	// The questions waited; "verder" asks the open one again, and a typed
	// answer is traced with its parsed value.
	e.say("verder")
	_, posts := e.say("helemaal mee eens")
	if all := joined(posts); !strings.Contains(all, "parsed value 5") {
		t.Fatalf("a typed answer after going on is not traced with its value:\n%s", all)
	}
	for _, in := range []string{"crisis", "urgent", "person"} {
		if got := labelledCounter(t, reg, "proactief_mattermost_intents_total", "intent", in); got != 1 {
			t.Fatalf("intents_total{intent=%q} = %v, want 1", in, got)
		}
	}
}

// labelledCounter returns the counter name{label=value}.
func labelledCounter(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
