package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/proactief/proactief/adapters/telegram/fakeapi"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/etcd"
	"github.com/proactief/proactief/store/etcd/etcdtest"
)

// TestMultiInstanceE2E runs several `proactief serve` processes on one
// real 3-member etcd cluster against the fake Bot API.
//
// webhook: three instances behind a load balancer take any update; four
// citizens answer statements while one instance is killed with SIGKILL in
// the middle of an update and the etcd leader is stopped. The store then
// holds every answer exactly once, in the session and in the research
// records; after /vergeet no old revision of the session can be read.
//
// polling: two instances, only the elected one polls; it is killed in the
// middle of an update and the other takes over within the lease's TTL,
// and the conversation goes on without loss.
func TestMultiInstanceE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an etcd cluster and several proactief processes")
	}
	bin := proactiefBinary(t)
	cluster := etcdtest.Start(t, 3)
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	secret := []byte("e2e-multi-instance-secret-0123456789")
	if err := os.WriteFile(secretFile, append(secret, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, ep := range cluster.Endpoints() {
		hosts = append(hosts, strings.TrimPrefix(ep, "http://"))
	}
	m := &multi{t: t, bin: bin, cluster: cluster, secret: secret, dir: dir,
		storeURL: "etcd://" + strings.Join(hosts, ",")}
	// Polling first: the webhook test stops an etcd member.
	t.Run("polling", m.polling)
	t.Run("webhook", m.webhook)
}

// multi is what the subtests share.
type multi struct {
	t        *testing.T
	bin      string
	cluster  *etcdtest.Cluster
	secret   []byte
	dir      string
	storeURL string
}

// proc is one running `proactief serve`.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *watchLog
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, after done
}

// serve starts `proactief serve` with the environment extra.
func (m *multi) serve(t *testing.T, name, prefix string, extra ...string) *proc {
	t.Helper()
	log := newWatchLog()
	cmd := serveCmd(t, m.dir, log, nil, append([]string{
		"PROACTIEF_DB=" + filepath.Join(m.dir, name+".db"),
		"PROACTIEF_STORE=" + m.storeURL + "?prefix=" + prefix + "&compact_after_erase=1s",
		"PROACTIEF_SECRET_FILE=" + filepath.Join(m.dir, "secret"),
	}, extra...)...)
	p := &proc{name: name, cmd: cmd, log: log, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("logs of %s:\n%s", p.name, p.log.String())
		}
	})
	return p
}

// kill kills p with SIGKILL and waits for it to exit.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// leading reports whether p has logged that it leads job.
func (p *proc) leading(job string) bool {
	return p.log.count(`"msg":"leading","component":"leader","job":"`+job+`"`) > 0
}

// citizen is a person in a private chat with the bot.
type citizen struct {
	fakeapi.User
	answered int // statements answered, as the citizen sent them
	done     bool
}

// press taps the button whose choice is choice under the bot's last
// message with buttons in c's chat, and returns the update id; 0 when
// that message has no such button.
func press(t *testing.T, fake *fakeapi.Server, c *citizen, choice string) int64 {
	t.Helper()
	msgs := fake.BotMessages(c.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if len(msgs[i].Keyboard) == 0 {
			continue
		}
		for _, row := range msgs[i].Keyboard {
			for _, b := range row {
				if _, ch, _ := strings.Cut(b.Data, "|"); ch == choice {
					id, err := fake.Press(c.User, msgs[i].ID, b.Text)
					if err != nil {
						t.Fatal(err)
					}
					return id
				}
			}
		}
		return 0
	}
	t.Fatalf("citizen %d: no message with buttons", c.ID)
	return 0
}

// answer answers the statement on screen with value v (1-5) and returns
// the update id; 0 once no statement is asked any more.
func answer(t *testing.T, fake *fakeapi.Server, c *citizen, v int) int64 {
	t.Helper()
	if c.done {
		return 0
	}
	id := press(t, fake, c, strconv.Itoa(v))
	if id == 0 {
		c.done = true
		return 0
	}
	c.answered++
	return id
}

// checkExactlyOnce checks in the store that every citizen's answers are
// kept exactly once: in the session, and in the research records.
func (m *multi) checkExactlyOnce(t *testing.T, ctx context.Context, prefix string, cs []*citizen) {
	t.Helper()
	st, err := etcd.Open(ctx, m.cluster.Endpoints(), etcd.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps := bot.NewPseudonymizer(m.secret)
	research := map[string]map[string]int{} // pseudonym -> statement -> turns
	err = st.Research(ctx, func(r bot.ResearchTurn) error {
		if r.From == "citizen" && r.Statement != "" {
			if research[r.Pseudonym] == nil {
				research[r.Pseudonym] = map[string]int{}
			}
			research[r.Pseudonym][r.Statement]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		uid := strconv.FormatInt(c.ID, 10)
		sess, err := st.Get(ctx, ps.Key(bot.Telegram, uid))
		if err != nil {
			t.Fatalf("citizen %d: %v", c.ID, err)
		}
		seen := map[string]bool{}
		for _, s := range sess.Conv.Steps {
			if seen[s.Statement] {
				t.Errorf("citizen %d: statement %s answered twice", c.ID, s.Statement)
			}
			seen[s.Statement] = true
		}
		if got := len(sess.Conv.Steps); got != c.answered {
			t.Errorf("citizen %d: %d answers kept, %d sent", c.ID, got, c.answered)
		}
		rs := research[ps.Research(bot.Telegram, uid)]
		n := 0
		for stmt, k := range rs {
			n += k
			if k != 1 {
				t.Errorf("citizen %d: %d research records of the answer to %s, want 1", c.ID, k, stmt)
			}
		}
		if n != c.answered {
			t.Errorf("citizen %d: %d answers in the research records, %d sent", c.ID, n, c.answered)
		}
	}
}

func (m *multi) polling(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	fake := fakeapi.New(fakeapi.Options{GlobalRate: -1, ChatRate: -1})
	defer fake.Close()
	const prefix = "/e2e-polling/"

	// Each instance reaches the Bot API through a proxy that counts its
	// requests by method.
	procs := make([]*proc, 2)
	proxies := make([]*countingProxy, 2)
	for i := range procs {
		proxies[i] = newCountingProxy(t, fake.URL)
		procs[i] = m.serve(t, fmt.Sprintf("poll%d", i), prefix,
			"TELEGRAM_BOT_TOKEN="+fake.Token, "TELEGRAM_API_URL="+proxies[i].URL)
	}
	// Exactly one leads the poller and the sweeper; the other makes no
	// request to the Bot API at all.
	wait := func(what string, cond func() bool) {
		t.Helper()
		if err := waitFor(ctx, procs[0].log, procs[1].log, cond); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wait("a poller elected", func() bool { return procs[0].leading("telegram") || procs[1].leading("telegram") })
	wait("a sweeper elected", func() bool { return procs[0].leading("sweeper") || procs[1].leading("sweeper") })
	lead, standby := 0, 1
	if procs[1].leading("telegram") {
		lead, standby = 1, 0
	}

	c := &citizen{User: fakeapi.User{ID: 555000111, FirstName: "Sam", LanguageCode: "nl"}}
	confirmed := func(id int64) {
		t.Helper()
		if err := fake.WaitConfirmed(ctx, id); err != nil {
			t.Fatalf("update %d not confirmed: %v", id, err)
		}
	}
	confirmed(fake.Text(c.User, "/start"))
	confirmed(press(t, fake, c, "yes")) // keep my answers
	confirmed(press(t, fake, c, "yes")) // research
	confirmed(answer(t, fake, c, 2))
	confirmed(answer(t, fake, c, 4))

	if procs[standby].leading("telegram") || procs[0].leading("sweeper") == procs[1].leading("sweeper") {
		t.Fatalf("not exactly one leader: telegram %v/%v, sweeper %v/%v",
			procs[0].leading("telegram"), procs[1].leading("telegram"), procs[0].leading("sweeper"), procs[1].leading("sweeper"))
	}
	if n := proxies[standby].total(); n != 0 {
		t.Fatalf("the standby made %d Bot API requests (%v), want none", n, proxies[standby].counts())
	}
	if proxies[lead].count("getUpdates") == 0 {
		t.Fatal("the leader never polled")
	}

	// Kill -9 the poller while it answers: after the update's first reply
	// is sent (it is committed), before it is confirmed.
	before := len(fake.BotMessages(c.ID))
	id := answer(t, fake, c, 1)
	if _, err := fake.WaitMessages(ctx, c.ID, before+1); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	procs[lead].kill(t)
	wait("the standby takes over", func() bool { return procs[standby].leading("telegram") })
	took := time.Since(killed)
	confirmed(id)
	t.Logf("failover: the standby polled %v after the kill; the update in flight was answered %v after it", took.Round(10*time.Millisecond), time.Since(killed).Round(10*time.Millisecond))
	// The lease's TTL is 10s; an etcd election during the takeover (the
	// cluster runs inside this loaded test process) can add a few more.
	if took > 45*time.Second {
		t.Errorf("failover took %v, want within the lease's TTL (10s) and a little", took)
	}
	wait("the standby sweeps", func() bool { return procs[standby].leading("sweeper") })

	confirmed(answer(t, fake, c, 5))
	confirmed(answer(t, fake, c, 3))
	if proxies[standby].count("getUpdates") == 0 {
		t.Fatal("the new leader never polled")
	}
	m.checkExactlyOnce(t, ctx, prefix, []*citizen{c})

	if err := procs[standby].cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-procs[standby].done
	if procs[standby].err != nil {
		t.Fatalf("serve after SIGTERM: %v", procs[standby].err)
	}
}

func (m *multi) webhook(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	fake := fakeapi.New(fakeapi.Options{GlobalRate: -1, ChatRate: -1})
	defer fake.Close()
	const prefix = "/e2e-webhook/"
	const secretToken = "e2e-webhook-secret"

	lb := &balancer{fake: fake}
	lbSrv := httptest.NewServer(lb)
	defer lbSrv.Close()
	procs := make([]*proc, 3)
	for i := range procs {
		addr := freeAddr(t)
		lb.backends = append(lb.backends, "http://"+addr)
		procs[i] = m.serve(t, fmt.Sprintf("hook%d", i), prefix,
			"TELEGRAM_BOT_TOKEN="+fake.Token, "TELEGRAM_API_URL="+fake.URL,
			"TELEGRAM_WEBHOOK_URL="+lbSrv.URL+"/telegram", "TELEGRAM_WEBHOOK_SECRET="+secretToken,
			"TELEGRAM_WEBHOOK_ADDR="+addr)
	}
	lb.dead = make([]bool, len(procs))
	lb.served = make([]int, len(procs))
	for _, p := range procs {
		if err := p.log.wait(ctx, func(s string) bool { return strings.Contains(s, "telegram adapter webhook set") }); err != nil {
			t.Fatalf("%s: no webhook: %v", p.name, err)
		}
	}

	cs := make([]*citizen, 4)
	for i := range cs {
		cs[i] = &citizen{User: fakeapi.User{ID: int64(7001 + i), FirstName: "Burger", LanguageCode: "nl"}}
	}
	// round sends one update per citizen (at most), then waits until
	// every one is confirmed (answered 200 by an instance).
	round := func(send func(*citizen) int64) []int64 {
		t.Helper()
		var ids []int64
		for _, c := range cs {
			if id := send(c); id != 0 {
				ids = append(ids, id)
			}
		}
		for _, id := range ids {
			if err := fake.WaitConfirmed(ctx, id); err != nil {
				t.Fatalf("update %d not confirmed: %v", id, err)
			}
		}
		return ids
	}
	// Before consent a conversation lives in one instance's memory only,
	// so the balancer routes by chat (see docs/scaling.md); from then on
	// any instance takes any update.
	round(func(c *citizen) int64 { return fake.Text(c.User, "/start") })
	round(func(c *citizen) int64 { return press(t, fake, c, "yes") })
	round(func(c *citizen) int64 { return press(t, fake, c, "yes") })
	lb.roundRobin()

	value := func(c *citizen, r int) int { return 1 + (int(c.ID)+r)%5 }
	r := 0
	next := func(c *citizen) int64 { return answer(t, fake, c, value(c, r)) }
	for ; r < 2; r++ {
		round(next)
	}

	// Kill -9 instance 0 in the middle of an update: once the update's
	// first reply was sent (it is committed), before it is answered 200.
	killed := make(chan struct{})
	var committedBeforeKill bool
	lb.arm(0, func(chat int64, before int) {
		wctx, c := context.WithTimeout(ctx, 5*time.Second)
		defer c()
		_, err := fake.WaitMessages(wctx, chat, before+1)
		committedBeforeKill = err == nil
		procs[0].cmd.Process.Kill()
		<-procs[0].done
		close(killed)
	})
	for ; r < 4; r++ {
		round(next)
	}
	select {
	case <-killed:
	case <-ctx.Done():
		t.Fatal("instance 0 was never killed")
	}

	// Stop the etcd leader while updates are in flight.
	ids := make([]int64, 0, len(cs))
	for _, c := range cs {
		if id := next(c); id != 0 {
			ids = append(ids, id)
		}
	}
	if err := fake.WaitConfirmed(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	stopped := m.stopEtcdLeader(t, ctx)
	for _, id := range ids {
		if err := fake.WaitConfirmed(ctx, id); err != nil {
			t.Fatalf("update %d not confirmed after the etcd leader %s stopped: %v", id, stopped, err)
		}
	}
	for r++; r < 8; r++ {
		round(next)
	}
	answers := 0
	for _, c := range cs {
		answers += c.answered
	}
	notCommitted := 0
	for _, p := range procs[1:] {
		notCommitted += p.log.count("message not committed; left for redelivery")
	}
	t.Logf("%d answers from %d citizens; requests per instance %v (instance 0 killed: its update committed first: %v; etcd member %s stopped); "+
		"%d updates delivered more than once; %d left for redelivery because the store was unavailable",
		answers, len(cs), lb.servedCounts(), committedBeforeKill, stopped, lb.redelivered(), notCommitted)
	m.checkExactlyOnce(t, ctx, prefix, cs)

	// /vergeet over etcd: no revision keeps the old session.
	cli, err := clientv3.New(clientv3.Config{Endpoints: m.cluster.Endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	c := cs[1]
	sk := prefix + "s/" + bot.NewPseudonymizer(m.secret).Key(bot.Telegram, strconv.FormatInt(c.ID, 10))
	resp, err := cli.Get(ctx, sk)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("session of citizen %d: %v %v", c.ID, resp, err)
	}
	oldRev := resp.Kvs[0].ModRevision
	round(func(x *citizen) int64 {
		if x != c {
			return 0
		}
		return fake.Text(c.User, "/vergeet")
	})
	round(func(x *citizen) int64 {
		if x != c {
			return 0
		}
		return press(t, fake, c, "yes")
	})
	if resp, err := cli.Get(ctx, sk); err != nil || len(resp.Kvs) != 0 {
		t.Fatalf("session still there after /vergeet: %v %v", resp, err)
	}
	for {
		_, err := cli.Get(ctx, sk, clientv3.WithRev(oldRev))
		if errors.Is(err, rpctypes.ErrCompacted) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the erased session is still readable at revision %d: %v", oldRev, err)
		}
		select {
		case <-time.After(100 * time.Millisecond): // the instance compacts in the background
		case <-ctx.Done():
		}
	}

	for _, p := range procs[1:] {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		<-p.done
		if p.err != nil {
			t.Errorf("%s after SIGTERM: %v", p.name, p.err)
		}
	}
}

// stopEtcdLeader stops the member that leads the etcd cluster and returns
// its name.
func (m *multi) stopEtcdLeader(t *testing.T, ctx context.Context) string {
	t.Helper()
	for _, mem := range m.cluster.Members {
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{mem.Endpoint}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			continue
		}
		st, err := cli.Status(ctx, mem.Endpoint)
		cli.Close()
		if err != nil {
			continue
		}
		for _, l := range m.cluster.Members {
			if l.ID() == st.Leader {
				l.Stop()
				return l.Name
			}
		}
	}
	t.Fatal("no etcd leader found")
	return ""
}

// balancer is a load balancer in front of the instances' webhooks, as the
// Bot API's webhook URL. It routes by chat until roundRobin, and then
// hands each update to the next live instance. An instance that fails a
// request is taken out; the request is answered 502, so that the Bot API
// delivers the update again.
type balancer struct {
	fake     *fakeapi.Server
	backends []string

	mu       sync.Mutex
	dead     []bool
	served   []int
	rr       bool
	next     int
	victim   int
	onVictim func(chat int64, before int)
	times    map[int64]int // deliveries by update id
}

// redelivered returns how many updates were handed out more than once.
func (b *balancer) redelivered() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, k := range b.times {
		if k > 1 {
			n++
		}
	}
	return n
}

func (b *balancer) roundRobin() {
	b.mu.Lock()
	b.rr = true
	b.mu.Unlock()
}

// arm calls fn, in its own goroutine, when an update is next handed to
// backend i: with the update's chat and how many bot messages it had.
func (b *balancer) arm(i int, fn func(chat int64, before int)) {
	b.mu.Lock()
	b.victim, b.onVictim = i, fn
	b.mu.Unlock()
}

func (b *balancer) servedCounts() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.served...)
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var upd struct {
		ID      int64 `json:"update_id"`
		Message *struct {
			Chat struct{ ID int64 } `json:"chat"`
		} `json:"message"`
		CallbackQuery *struct {
			From struct{ ID int64 } `json:"from"`
		} `json:"callback_query"`
	}
	json.Unmarshal(body, &upd)
	var chat int64
	switch {
	case upd.Message != nil:
		chat = upd.Message.Chat.ID
	case upd.CallbackQuery != nil:
		chat = upd.CallbackQuery.From.ID
	}

	b.mu.Lock()
	n := len(b.backends)
	start := int(chat % int64(n))
	if b.rr {
		start = b.next
		b.next = (b.next + 1) % n
	}
	i := -1
	for k := range n {
		if j := (start + k) % n; !b.dead[j] {
			i = j
			break
		}
	}
	if i < 0 {
		b.mu.Unlock()
		http.Error(w, "no instance", http.StatusBadGateway)
		return
	}
	b.served[i]++
	if b.times == nil {
		b.times = map[int64]int{}
	}
	b.times[upd.ID]++
	if fn := b.onVictim; fn != nil && i == b.victim {
		b.onVictim = nil
		before := len(b.fake.BotMessages(chat))
		go fn(chat, before)
	}
	b.mu.Unlock()

	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, b.backends[i]+r.URL.Path, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.mu.Lock()
		b.dead[i] = true
		b.mu.Unlock()
		http.Error(w, "instance failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// countingProxy forwards to the Bot API and counts requests by method.
type countingProxy struct {
	URL string
	mu  sync.Mutex
	n   map[string]int
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{n: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		p.mu.Lock()
		p.n[method]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *countingProxy) count(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n[method]
}

func (p *countingProxy) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, k := range p.n {
		n += k
	}
	return n
}

func (p *countingProxy) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, v := range p.n {
		out[k] = v
	}
	return out
}

// watchLog collects a process's stderr and wakes those waiting for it.
type watchLog struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newWatchLog() *watchLog { return &watchLog{changed: make(chan struct{})} }

func (w *watchLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.changed)
	w.changed = make(chan struct{})
	return w.b.Write(p)
}

func (w *watchLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func (w *watchLog) count(s string) int { return strings.Count(w.String(), s) }

// wait waits until cond holds for the log so far.
func (w *watchLog) wait(ctx context.Context, cond func(string) bool) error {
	return waitFor(ctx, w, nil, func() bool { return cond(w.String()) })
}

// waitFor waits until cond holds, checking it whenever a or b (nil: not
// watched) is written to.
func waitFor(ctx context.Context, a, b *watchLog, cond func() bool) error {
	never := make(chan struct{})
	for {
		a.mu.Lock()
		ca := a.changed
		a.mu.Unlock()
		cb := never
		if b != nil {
			b.mu.Lock()
			cb = b.changed
			b.mu.Unlock()
		}
		if cond() {
			return nil
		}
		select {
		case <-ca:
		case <-cb:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// freeAddr returns a loopback address with a port free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
