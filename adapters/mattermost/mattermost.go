package mattermost

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// Errors returned by New and Run.
var (
	// ErrConfig is returned by New when the server URL or the token is
	// missing or malformed.
	ErrConfig = errors.New("mattermost: bad configuration")
	// ErrUnauthorized is returned by Run when the server rejects the token
	// (HTTP 401 or 403 on /users/me): retrying will not help.
	ErrUnauthorized = errors.New("mattermost: token rejected")
)

// Options configure an Adapter. The zero value works.
type Options struct {
	// Logger receives operational logs; nil discards them. The adapter
	// never logs message text, tokens or raw user ids.
	Logger *slog.Logger
	// Registerer receives the adapter's metrics; nil registers none.
	Registerer prometheus.Registerer
	// AllowUsers are the Mattermost user ids that may talk to the bot.
	AllowUsers []string
	// AllowTeam is a team id whose members may talk to the bot.
	// With neither AllowUsers nor AllowTeam, nobody may.
	AllowTeam string
	// ActionsURL is the address at which Mattermost reaches
	// ActionsHandler. When set, choices are sent as interactive buttons;
	// otherwise they are printed as numbered lines.
	ActionsURL string
	// HTTPClient makes the REST calls; nil means a client with a
	// 30-second timeout.
	HTTPClient *http.Client
	// MinBackoff and MaxBackoff bound the pause before a reconnect or a
	// resend; it doubles from MinBackoff up to MaxBackoff, with jitter.
	// 0 means 500ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// SendAttempts is how often a reply is tried before it is given up;
	// 0 means 8.
	SendAttempts int
	// CatchUp is how far back the first connection looks for posts that
	// got no answer while the adapter was not running; 0 means 10
	// minutes, a negative value disables it.
	CatchUp time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// HandoverChannel is where handover and callback cards go, as
	// "team-name/channel-name" (the bot must be a member). Empty means
	// no desk: the Desk methods return ErrNoDesk.
	HandoverChannel string
	// DeskEvents receives what workers do on cards (replies, !sluit,
	// buttons); nil means the handler, when it implements DeskHandler.
	DeskEvents DeskHandler
	// DeskCatchUp is how far back the first connection looks for
	// workers' replies in the handover channel that were written while
	// the adapter was not running; 0 means 24 hours.
	DeskCatchUp time.Duration
}

// Adapter connects a bot.Handler to a Mattermost server as a bot account.
type Adapter struct {
	h      bot.Handler
	client *model.Client4
	wsURL  string
	token  string
	opts   Options
	log    *slog.Logger
	m      *metrics
	allow  map[string]bool
	key    []byte // signs button contexts
	text   texts
	desk   *desk

	ready atomic.Bool

	mu      sync.Mutex
	me      *model.User
	runCtx  context.Context // nil when Run is not running
	queues  map[string]*queue
	claimed map[string]int64 // message id -> claim number
	last    map[string]int64 // channel id -> create_at of the newest post seen
	chans   map[string]string
	choices map[string]pending
	refused map[string]time.Time
	members map[string]membership
	started time.Time
	// claimSeq orders claims, so the oldest can be forgotten.
	claimSeq int64
	stopping bool
	workers  sync.WaitGroup
}

// pending is the last question with choices in a conversation.
type pending struct {
	prompt  string
	choices []dialogue.Choice
}

type membership struct {
	allowed bool
	at      time.Time
}

// New returns an Adapter for the server at serverURL (http or https) that
// logs in with the bot account's token. It does not contact the server.
func New(serverURL, token string, h bot.Handler, opts Options) (*Adapter, error) {
	u, err := url.Parse(strings.TrimRight(serverURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: server URL must be http(s)://host", ErrConfig)
	}
	if token == "" {
		return nil, fmt.Errorf("%w: empty token", ErrConfig)
	}
	if h == nil {
		return nil, fmt.Errorf("%w: nil handler", ErrConfig)
	}
	if opts.ActionsURL != "" {
		if a, err := url.Parse(opts.ActionsURL); err != nil || (a.Scheme != "http" && a.Scheme != "https") {
			return nil, fmt.Errorf("%w: actions URL must be http(s)", ErrConfig)
		}
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.SendAttempts <= 0 {
		opts.SendAttempts = 8
	}
	if opts.CatchUp == 0 {
		opts.CatchUp = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DeskCatchUp <= 0 {
		opts.DeskCatchUp = 24 * time.Hour
	}
	if opts.HandoverChannel != "" {
		team, ch, ok := strings.Cut(opts.HandoverChannel, "/")
		if !ok || team == "" || ch == "" || strings.Contains(ch, "/") {
			return nil, fmt.Errorf("%w: handover channel must be team-name/channel-name", ErrConfig)
		}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client := model.NewAPIv4Client(u.String())
	client.HTTPClient = opts.HTTPClient
	client.SetToken(token)
	ws := *u
	ws.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	a := &Adapter{
		h: h, client: client, wsURL: ws.String(), token: token, opts: opts,
		log: log, m: newMetrics(opts.Registerer),
		allow: map[string]bool{}, key: make([]byte, 32), text: loadTexts(),
		queues: map[string]*queue{}, claimed: map[string]int64{}, last: map[string]int64{},
		chans: map[string]string{}, choices: map[string]pending{}, refused: map[string]time.Time{},
		members: map[string]membership{}, desk: newDesk(),
	}
	for _, id := range opts.AllowUsers {
		if id = strings.TrimSpace(id); id != "" {
			a.allow[id] = true
		}
	}
	if _, err := rand.Read(a.key); err != nil {
		return nil, fmt.Errorf("mattermost: action key: %w", err)
	}
	return a, nil
}

// Ready reports whether the adapter is connected to the server's websocket
// and has caught up with the posts it missed.
func (a *Adapter) Ready() bool { return a.ready.Load() }

// Run connects to the server and answers posts until ctx is cancelled,
// reconnecting with backoff when the connection drops. It returns nil on
// cancellation and ErrUnauthorized when the token is rejected. Run waits
// for messages being handled to stop before it returns.
func (a *Adapter) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.mu.Lock()
	if a.runCtx != nil {
		a.mu.Unlock()
		return errors.New("mattermost: Run called twice")
	}
	a.runCtx = ctx
	a.started = a.opts.Now()
	a.mu.Unlock()
	a.desk.forgetAll()
	defer a.desk.forgetAll()
	defer func() {
		cancel()
		a.mu.Lock()
		a.stopping = true
		a.mu.Unlock()
		a.workers.Wait()
		a.ready.Store(false)
		a.mu.Lock()
		a.runCtx, a.stopping = nil, false
		a.mu.Unlock()
	}()

	me, err := a.login(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.mu.Lock()
	a.me = me
	a.mu.Unlock()
	a.log.Info("logged in", "bot", me.Username)
	if a.opts.HandoverChannel != "" {
		if _, err := a.deskChannel(ctx); err != nil {
			// Workers' replies are not heard until the channel is found;
			// cards fail (and are retried by the outbox) meanwhile.
			a.log.Error("handover channel not usable", "err", err)
		}
	}

	first := true
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return nil
		}
		connected, err := a.session(ctx, first)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrUnauthorized) {
			return err
		}
		if connected {
			first = false
			attempt = 0
		}
		a.m.reconnects.Inc()
		d := a.backoff(attempt)
		a.log.Warn("websocket lost, reconnecting", "err", err, "in", d.Round(time.Millisecond))
		if !sleep(ctx, d) {
			return nil
		}
	}
}

// login fetches the bot's own user, retrying transient failures.
func (a *Adapter) login(ctx context.Context) (*model.User, error) {
	for attempt := 0; ; attempt++ {
		me, resp, err := a.client.GetMe(ctx, "")
		if err == nil {
			return me, nil
		}
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return nil, fmt.Errorf("%w (HTTP %d)", ErrUnauthorized, resp.StatusCode)
		}
		d := a.backoff(attempt)
		a.log.Warn("cannot reach server, retrying", "err", err, "in", d.Round(time.Millisecond))
		if !sleep(ctx, d) {
			return nil, ctx.Err()
		}
	}
}

// backoff returns the pause before retry number attempt (from 0): doubling
// from MinBackoff up to MaxBackoff, the upper half randomised.
func (a *Adapter) backoff(attempt int) time.Duration {
	d := a.opts.MinBackoff
	for i := 0; i < attempt && d < a.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, a.opts.MaxBackoff)
	half := d / 2
	return half + randDuration(d-half+1)
}

func randDuration(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return time.Duration(v % uint64(n))
}

// sleep waits d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (a *Adapter) botUser() *model.User {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.me
}
