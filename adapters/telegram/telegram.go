package telegram

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/proactief/proactief/bot"
)

// DefaultAPIURL is Telegram's Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Telegram's limits, the defaults of Options.
const (
	// DefaultGlobalRate is how many messages per second the bot sends at
	// most over all chats (Telegram: about 30).
	DefaultGlobalRate = 30
	// DefaultChatRate is how many messages per second the bot sends into one
	// chat, sustained (Telegram: about 1).
	DefaultChatRate = 1
	// DefaultChatBurst is how many messages may go into one chat at once
	// before DefaultChatRate applies.
	DefaultChatBurst = 3
	// DefaultConcurrency is how many chats are handled in parallel.
	DefaultConcurrency = 16
)

// Options configure an Adapter. The zero value works: long polling against
// Telegram with its rate limits, no logs and no metrics.
type Options struct {
	// APIURL is the Bot API server; "" means DefaultAPIURL.
	APIURL string
	// Logger receives operational logs; nil discards them. It never gets
	// message text, tokens or user ids.
	Logger *slog.Logger
	// Registerer receives the adapter's metrics; nil means no metrics.
	Registerer prometheus.Registerer

	// WebhookURL switches to webhook mode: Run registers this URL with
	// setWebhook and the caller serves WebhookHandler on it. "" means long
	// polling.
	WebhookURL string
	// WebhookSecret is the secret_token given to setWebhook; requests to
	// WebhookHandler must carry it in X-Telegram-Bot-Api-Secret-Token.
	// Required in webhook mode.
	WebhookSecret string

	// Concurrency bounds the chats handled in parallel; 0 means
	// DefaultConcurrency. One chat is always handled in order.
	Concurrency int
	// GlobalRate is the most messages per second sent over all chats; 0
	// means DefaultGlobalRate, < 0 no limit. GlobalBurst is how many may go
	// at once; 0 means GlobalRate.
	GlobalRate  float64
	GlobalBurst int
	// ChatRate is the most messages per second sent into one chat,
	// sustained; 0 means DefaultChatRate, < 0 no limit. ChatBurst is how
	// many may go at once; 0 means DefaultChatBurst.
	ChatRate  float64
	ChatBurst int

	// HTTPClient makes the Bot API requests; nil means a client of its own.
	// Its Timeout must be 0 or longer than PollTimeout.
	HTTPClient *http.Client
	// PollTimeout is the long-poll timeout of getUpdates; 0 means 50s.
	PollTimeout time.Duration
	// RequestTimeout bounds every other Bot API request; 0 means 30s.
	RequestTimeout time.Duration
	// ShutdownTimeout is how long Run waits, after its context is
	// cancelled, for updates in flight to finish sending; 0 means 30s.
	// What is not finished by then is left unconfirmed for redelivery.
	ShutdownTimeout time.Duration
	// MinBackoff and MaxBackoff bound the waits between retries of a failed
	// request or an unavailable store; 0 means 250ms and 30s.
	MinBackoff, MaxBackoff time.Duration

	// Unavailable returns the text sent when the handler could not commit
	// a message (bot.ErrUnavailable); nil means the adapter's own text.
	Unavailable func(lang string) string

	// Formal makes the adapter's own Dutch texts address the person with
	// "u" (texts.txt keys ending in .nl-u), as the deployment's
	// municipality does.
	Formal bool
}

// Adapter connects a bot.Handler to Telegram.
type Adapter struct {
	token string
	h     bot.Handler
	opts  Options
	log   *slog.Logger
	api   *tgbot.Bot
	http  tgbot.HttpClient
	m     *metrics
	lim   *limiter
	cb    *callbacks
	texts texts
	sem   chan struct{}
	track *tracker

	ready   atomic.Bool
	running atomic.Bool
	run     atomic.Pointer[runState]

	qmu      sync.Mutex
	queues   map[int64]*chatQueue
	stopping bool
	workers  sync.WaitGroup

	mu         sync.Mutex
	told       map[int64]bool         // group chats told to go private
	tapped     map[[2]int64]time.Time // (chat, message) whose buttons were answered
	apologised map[int64]bool         // updates that got the unavailable text
}

// runState is what a running Run shares with the workers and the webhook.
type runState struct {
	ctx  context.Context // cancelled when shutdown starts
	hard context.Context // cancelled when the shutdown grace is over
}

// New returns an adapter for the bot with token that passes messages to h.
// It makes no request; Run checks the token.
func New(token string, h bot.Handler, opts Options) (*Adapter, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("telegram: empty bot token")
	}
	if h == nil {
		return nil, errors.New("telegram: nil handler")
	}
	if opts.WebhookURL != "" && opts.WebhookSecret == "" {
		return nil, errors.New("telegram: webhook mode needs a WebhookSecret")
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	opts.APIURL = strings.TrimRight(opts.APIURL, "/")
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.GlobalRate == 0 {
		opts.GlobalRate = DefaultGlobalRate
	}
	if opts.GlobalBurst <= 0 {
		opts.GlobalBurst = max(1, int(opts.GlobalRate*2/3))
	}
	if opts.ChatRate == 0 {
		opts.ChatRate = DefaultChatRate
	}
	if opts.ChatBurst <= 0 {
		opts.ChatBurst = DefaultChatBurst
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = 50 * time.Second
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 30 * time.Second
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 30 * time.Second
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 250 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc := opts.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = opts.Concurrency + 8
		hc = &http.Client{Transport: tr}
	}
	txt, err := loadTexts()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	a := &Adapter{
		token: token, h: h, opts: opts, log: log, m: m,
		http:       apiClient{hc},
		lim:        newLimiter(opts.GlobalRate, opts.GlobalBurst, opts.ChatRate, opts.ChatBurst),
		cb:         newCallbacks(),
		texts:      txt,
		sem:        make(chan struct{}, opts.Concurrency),
		track:      newTracker(m),
		queues:     map[int64]*chatQueue{},
		told:       map[int64]bool{},
		tapped:     map[[2]int64]time.Time{},
		apologised: map[int64]bool{},
	}
	a.api, err = tgbot.New(token,
		tgbot.WithSkipGetMe(),
		tgbot.WithServerURL(opts.APIURL),
		tgbot.WithHTTPClient(opts.PollTimeout, a.http),
		tgbot.WithDefaultHandler(func(context.Context, *tgbot.Bot, *models.Update) {}),
		tgbot.WithErrorsHandler(func(err error) { log.Debug("telegram library", "err", a.scrub(err)) }),
	)
	if err != nil {
		return nil, a.scrub(err)
	}
	return a, nil
}

// Ready reports whether Run is running and the Bot API answered its last
// request for updates (or accepted the webhook).
func (a *Adapter) Ready() bool { return a.ready.Load() }

// Run receives updates until ctx is cancelled: by long polling, or in
// webhook mode from WebhookHandler after registering Options.WebhookURL.
// On cancellation it stops receiving, finishes the updates in flight
// (within Options.ShutdownTimeout), confirms them to Telegram and returns
// nil. It returns an error when the Bot API rejects the token or the
// webhook. Run may be called once.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("telegram: Run called twice")
	}
	hard, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hardCancel()
	a.run.Store(&runState{ctx: ctx, hard: hard})

	if err := a.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if a.opts.WebhookURL == "" {
		a.poll(ctx)
	} else {
		a.ready.Store(true)
		<-ctx.Done()
	}

	a.ready.Store(false)
	a.qmu.Lock()
	a.stopping = true
	a.qmu.Unlock()
	done := make(chan struct{})
	go func() { a.workers.Wait(); close(done) }()
	t := time.NewTimer(a.opts.ShutdownTimeout)
	select {
	case <-done:
	case <-t.C:
		a.log.Warn("shutdown grace over; unfinished updates stay unconfirmed for redelivery")
		hardCancel()
		<-done
	}
	t.Stop()
	if a.opts.WebhookURL == "" {
		a.confirm()
	}
	a.log.Info("telegram adapter stopped")
	return nil
}

// start checks the token and sets up polling or the webhook, retrying
// while the API cannot be reached.
func (a *Adapter) start(ctx context.Context) error {
	return a.do(ctx, 0, "start", false, 0, func(ctx context.Context) error {
		me, err := a.api.GetMe(ctx)
		if err != nil {
			return err
		}
		if a.opts.WebhookURL == "" {
			// getUpdates fails while a webhook is set; pending updates stay.
			if _, err := a.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
				return err
			}
			a.log.Info("telegram adapter polling", "bot", me.Username)
			return nil
		}
		if _, err := a.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL: a.opts.WebhookURL, SecretToken: a.opts.WebhookSecret, AllowedUpdates: allowedUpdates,
		}); err != nil {
			return err
		}
		a.log.Info("telegram adapter webhook set", "bot", me.Username)
		return nil
	})
}

// allowedUpdates are the kinds of update the adapter asks for.
var allowedUpdates = []string{"message", "callback_query"}

// scrub returns err with the bot token removed from its text.
func (a *Adapter) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if !strings.Contains(msg, a.token) {
		return err
	}
	return &scrubbed{msg: strings.ReplaceAll(msg, a.token, "<token>"), err: err}
}

// scrubbed is an error whose text has the token removed; errors.Is and
// errors.As still see the original.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }
