package etcd

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// memDesk is a desk in memory, idempotent on envelope IDs like the real
// one, shared by both instances (it stands for the Mattermost server).
type memDesk struct {
	mu      sync.Mutex
	changed chan struct{}
	byID    map[string]string
	posts   map[string][]string // thread -> texts
	opened  int
}

func (d *memDesk) note() {
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

func (d *memDesk) Open(_ context.Context, c bot.Card) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.byID[c.ID]; ok {
		return id, nil
	}
	d.byID[c.ID] = "t-" + c.ID
	d.opened++
	d.note()
	return "t-" + c.ID, nil
}

func (d *memDesk) Post(_ context.Context, thread string, p bot.DeskPost) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.byID[p.ID]; ok {
		return id, nil
	}
	d.byID[p.ID] = "p-" + p.ID
	d.posts[thread] = append(d.posts[thread], p.Text)
	d.note()
	return "p-" + p.ID, nil
}

func (d *memDesk) Erase(context.Context, string, string, []string) error { return nil }

func (d *memDesk) count(thread string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.posts[thread])
}

func (d *memDesk) waitPosts(t *testing.T, n int) (string, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		d.mu.Lock()
		for th, ps := range d.posts {
			if len(ps) >= n {
				out := append([]string(nil), ps...)
				d.mu.Unlock()
				return th, out
			}
		}
		d.mu.Unlock()
		select {
		case <-d.changed:
		case <-ctx.Done():
			t.Fatalf("desk never had %d posts in a thread", n)
		}
	}
}

// TestHandoverSurvivesFailover: two instances share the store; the
// elected one drains the desk queue. When it loses the lead, the other
// takes over the same outbox: every message of the citizen reaches the
// thread once and in order, whichever instance handled it.
func TestHandoverSurvivesFailover(t *testing.T) {
	ctx := context.Background()
	prefix := uniquePrefix(t)
	secret := []byte("shared-secret-0123456789")
	eng, err := dialogue.New(dialogue.Options{Handover: true})
	if err != nil {
		t.Fatal(err)
	}
	desk := &memDesk{changed: make(chan struct{}, 1), byID: map[string]string{}, posts: map[string][]string{}}
	var svcs [2]*bot.Service
	var stores [2]*Store
	for i := range svcs {
		stores[i] = openShared(t, Options{Prefix: prefix})
		defer stores[i].Close()
		svcs[i] = bot.New(stores[i], eng, secret, bot.Options{Handover: bot.HandoverOptions{Desk: true}})
	}
	// drain runs instance i's desk drainer while it leads; stop resigns.
	drain := func(i int) (stop func()) {
		lctx, resign, err := stores[i].Lead(ctx, "desk-outbox")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			svcs[i].DrainDesk(lctx, desk, bot.DrainOptions{Interval: 20 * time.Millisecond})
		}()
		return func() { resign(); <-done }
	}
	n := 0
	say := func(i int, text string) {
		t.Helper()
		n++
		in := bot.Inbound{Channel: bot.Telegram, UserID: "77", Address: "77", Text: text, MessageID: "m" + strings.Repeat("x", n), Time: time.Now()}
		if strings.HasPrefix(text, "#") {
			in.Text, in.Choice, in.Prompt = "", text[1:], "share"
		}
		if _, err := svcs[i].Handle(ctx, in); err != nil {
			t.Fatalf("instance %d: %q: %v", i, text, err)
		}
	}
	stopA := drain(0)
	say(0, "/start")
	say(0, "/mens")
	say(0, "#yes")
	say(0, "eerste bericht")
	desk.waitPosts(t, 1)
	stopA()                  // instance A loses the lead (its lease ends, or it is stopped)
	say(1, "tweede bericht") // the next message lands on instance B
	say(0, "derde bericht")  // and one on A, which no longer drains
	stopB := drain(1)
	defer stopB()
	thread, got := desk.waitPosts(t, 3)
	want := []string{"eerste bericht", "tweede bericht", "derde bericht"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("thread %s = %q, want %q", thread, got, want)
	}
	if desk.opened != 1 {
		t.Fatalf("%d cards, want 1", desk.opened)
	}
}
