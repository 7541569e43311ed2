package mattermost_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/proactief/proactief/adapters/mattermost"
	"github.com/proactief/proactief/adapters/mattermost/fakemm"
)

// TestDisconnectsUnderLoad: six staff members converse at once while the
// websocket drops four times, twice held down so that messages are
// written while the adapter is away. Every message is handled exactly
// once (one handler call, none a duplicate) and every reply is posted
// exactly once; the adapter counts every reconnect attempt.
func TestDisconnectsUnderLoad(t *testing.T) {
	const staff, messages, drops = 6, 12, 4
	var users []string
	reg := prometheus.NewRegistry()
	e := newEnv(t, setup{
		team: true,
		opts: mattermost.Options{Registerer: reg},
		fake: fakemm.Options{PingInterval: 10 * time.Millisecond},
		fakeHook: func(f *fakemm.Server) {
			for i := 1; i < staff; i++ {
				id, _ := f.AddUser("medewerker" + strconv.Itoa(i))
				f.AddTeamMember("team1", id)
				users = append(users, id)
			}
		},
	})
	users = append(users, e.staffID)

	// Drain the handler calls (the recorder blocks when its channel is
	// full) and report progress.
	var mu sync.Mutex
	calls := map[string][]handled{} // by post id
	progress := make(chan struct{}, staff*messages*2)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			select {
			case h := <-e.rec.calls:
				mu.Lock()
				calls[h.in.MessageID] = append(calls[h.in.MessageID], h)
				mu.Unlock()
				progress <- struct{}{}
			case <-e.ctx.Done():
				return
			}
		}
	}()

	texts := []string{"hallo", "ja", "ja", "3", "!trace on", "2", "4", "!transcript", "1", "5", "!segment 2", "3"}
	var wg sync.WaitGroup
	errs := make(chan error, staff)
	var pmu sync.Mutex
	var posts []*model.Post
	for _, u := range users {
		wg.Add(1)
		go func(u string) {
			defer wg.Done()
			for i := range messages {
				p := e.fake.DM(u, e.botID, texts[i%len(texts)])
				pmu.Lock()
				posts = append(posts, p)
				pmu.Unlock()
				// Wait for the last reply to p.
				_, err := e.fake.WaitPost(e.ctx, e.botID, 0, func(r *model.Post) bool {
					to, _ := r.GetProp("proactief_reply_to").(string)
					part, _ := r.GetProp("proactief_part").(string)
					i, n, _ := strings.Cut(part, "/")
					return to == p.Id && i == n
				})
				if err != nil {
					errs <- fmt.Errorf("staff %s message %d: %w", u, i, err)
					return
				}
			}
		}(u)
	}

	// Drop the websocket after every fifth of the messages; the first and
	// the third drop keep it down until the adapter has tried again twice.
	total := staff * messages
	for d := range drops {
		for range total / (drops + 1) {
			select {
			case <-progress:
			case <-e.ctx.Done():
				t.Fatalf("drop %d: %v", d+1, e.ctx.Err())
			}
		}
		hold := d%2 == 0
		e.fake.HoldWebsockets(hold)
		held := e.fake.Requests("GET /api/v4/websocket")
		e.fake.DropWebsockets()
		if hold {
			if err := e.fake.WaitRequests(e.ctx, "GET /api/v4/websocket", held+2); err != nil {
				t.Fatal(err)
			}
			e.fake.HoldWebsockets(false)
		}
		if err := e.fake.WaitWebsockets(e.ctx, e.botID, 1); err != nil {
			t.Fatalf("drop %d: no reconnect: %v", d+1, err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(posts) != total {
		t.Fatalf("%d posts written, want %d", len(posts), total)
	}
	replies := 0
	for _, p := range posts {
		hs := calls[p.Id]
		if len(hs) != 1 {
			t.Fatalf("post %q handled %d times, want once", p.Message, len(hs))
		}
		if hs[0].err != nil || hs[0].res.Duplicate {
			t.Fatalf("post %q: err %v duplicate %v", p.Message, hs[0].err, hs[0].res.Duplicate)
		}
		replies += len(hs[0].res.Replies)
	}
	if len(calls) != total {
		t.Fatalf("%d posts handled, want %d", len(calls), total)
	}
	parts := map[string]int{}
	for _, r := range e.fake.Posts(e.botID) {
		to, _ := r.GetProp("proactief_reply_to").(string)
		part, _ := r.GetProp("proactief_part").(string)
		parts[to+" "+part]++
		if parts[to+" "+part] > 1 {
			t.Fatalf("reply %s to %s posted twice", part, to)
		}
	}
	if got := len(e.fake.Posts(e.botID)); got != replies {
		t.Fatalf("bot posts = %d, want %d (one per reply)", got, replies)
	}
	// Every websocket request after the first is a reconnect attempt, and
	// counted: one per drop, and one per attempt refused while held.
	attempts := e.fake.Requests("GET /api/v4/websocket") - 1
	if got := counter(t, reg, "proactief_mattermost_reconnects_total"); got != float64(attempts) || attempts < drops+2*2 {
		t.Fatalf("reconnects counted = %v, websocket attempts %d, want equal and at least %d", got, attempts, drops+2*2)
	}
	t.Logf("%d staff, %d messages, %d replies, %d websocket drops, %d reconnect attempts", staff, total, replies, drops, attempts)
}

func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			v := 0.0
			for _, m := range mf.GetMetric() {
				v += m.GetCounter().GetValue()
			}
			return v
		}
	}
	return 0
}
