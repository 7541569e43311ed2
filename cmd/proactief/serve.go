package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/proactief/proactief/adapters/mattermost"
	"github.com/proactief/proactief/adapters/telegram"
	"github.com/proactief/proactief/bot"
)

func init() {
	register(command{name: "serve", summary: "serve the configured channels (Telegram, Mattermost) and the ops listener", run: runServe})
}

// serveSettings documents every setting of serve; --help prints it.
var serveSettings = []struct{ env, help string }{
	{"PROACTIEF_STORE", storeSetting},
	{"PROACTIEF_CONFIG", "deployment file: the municipality's name, numbers, partners and texts (same as --config; see 'proactief config example')"},
	{"PROACTIEF_ETCD_PASSWORD_FILE", "file holding the etcd user's password (or PROACTIEF_ETCD_PASSWORD)"},
	{"PROACTIEF_DB", "bbolt database file (same as --db); with etcd, the review page's files go next to it"},
	{"PROACTIEF_SECRET_FILE", "pseudonym secret file (default: <db>.secret, generated at first start, mode 0600; required with etcd: the same file on every instance)"},
	{"PROACTIEF_RETENTION", "how long idle conversations are kept (default 30d)"},
	{"PROACTIEF_RESEARCH_RETENTION", "how long research records are kept (default 365d)"},
	{"PROACTIEF_OPS_ADDR", "ops listener for /healthz, /readyz, /metrics (default 127.0.0.1:9090; \"off\" disables)"},
	{"PROACTIEF_LOG_FORMAT", "json or text (default: text on a terminal, json otherwise)"},
	{"PROACTIEF_REVIEW_ADDR", "researchers' review page (default 127.0.0.1:8090; \"off\" disables)"},
	{"PROACTIEF_REVIEW_HOSTS", "host names the review page answers to, comma-separated (needed off loopback)"},
	{"TELEGRAM_BOT_TOKEN", "Telegram bot token (or TELEGRAM_BOT_TOKEN_FILE: a file holding it)"},
	{"TELEGRAM_API_URL", "another Bot API server (tests, or a self-hosted Bot API server)"},
	{"TELEGRAM_WEBHOOK_URL", "use webhook mode with this public URL instead of polling"},
	{"TELEGRAM_WEBHOOK_SECRET", "secret token Telegram sends with every webhook request (or _FILE)"},
	{"TELEGRAM_WEBHOOK_ADDR", "listen address for the webhook (default 127.0.0.1:8443)"},
	{"MATTERMOST_URL", "Mattermost server URL"},
	{"MATTERMOST_TOKEN", "the bot account's token (or MATTERMOST_TOKEN_FILE)"},
	{"MATTERMOST_ALLOW_USERS", "comma-separated Mattermost user ids allowed to test the bot"},
	{"MATTERMOST_ALLOW_TEAM", "a team id whose members may test the bot"},
	{"MATTERMOST_ACTIONS_URL", "URL at which Mattermost reaches the ops listener's /mattermost/actions (enables buttons)"},
}

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "serve", "serve [--db PATH] [--config FILE]\n\nSettings come from the environment:")
	dbPath := fs.String("db", defaultDBPath(env), "bbolt database file (env PROACTIEF_DB)")
	config := fs.String("config", env.Getenv("PROACTIEF_CONFIG"), "deployment file (env PROACTIEF_CONFIG; see 'proactief config example')")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: proactief serve [--db PATH] [--config FILE]\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(env.Stderr, "\nEnvironment (secrets only from the environment or a file, never a flag):\n")
		for _, s := range serveSettings {
			fmt.Fprintf(env.Stderr, "  %-30s %s\n", s.env, s.help)
		}
		for _, s := range handoverSettings {
			fmt.Fprintf(env.Stderr, "  %-30s %s\n", s.env, s.help)
		}
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newLogger(env)
	ret, err := retentionFromEnv(env)
	if err != nil {
		return err
	}
	dep, err := loadDeployment(*config)
	if err != nil {
		return err
	}
	if !channelConfigured(env) {
		// Before the store is opened: nothing is created for nothing.
		return errNoChannel
	}
	svc, reviewPath, el, closeStore, err := openServiceFor(ctx, env, *dbPath, dep)
	if err != nil {
		return err
	}
	defer closeStore()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if d, ok := svc.Store().(bot.TallyDrops); ok {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "proactief_tally_dropped_total",
			Help: "Counts (aggregate counters) the store took but could not commit; each loss is also logged.",
		}, func() float64 { return float64(d.DroppedTallies()) }))
	}
	// With a shared store (etcd), what only one instance may do runs on
	// the elected one: the sweeper, Telegram polling, the Mattermost
	// listener. Telegram webhooks are served by every instance.
	lead := newLeader(el, log.With("component", "leader"), reg)
	ho := svc.Handover()
	if m, ok := ho.Metrics.(*handoverMetrics); ok {
		m.register(reg)
	}
	// The outbox (relayed messages, cards, timers) is drained by the
	// elected instance, one drainer per queue.
	always := func() bool { return true }
	relay := func(tg *telegram.Adapter) func(context.Context) error {
		return func(ctx context.Context) error {
			return svc.Drain(ctx, bot.Telegram, tg, bot.DrainOptions{})
		}
	}

	type channel struct {
		name  string
		run   func(context.Context) error
		ready func() bool
	}
	var channels []channel
	mux := http.NewServeMux()

	tgToken, err := secretFromEnv(env, "TELEGRAM_BOT_TOKEN")
	if err != nil {
		return err
	}
	var webhook http.Handler
	if tgToken != "" {
		whSecret, err := secretFromEnv(env, "TELEGRAM_WEBHOOK_SECRET")
		if err != nil {
			return err
		}
		tgOpts := telegram.Options{
			APIURL:        env.Getenv("TELEGRAM_API_URL"),
			Logger:        log.With("channel", "telegram"),
			Registerer:    reg,
			WebhookURL:    env.Getenv("TELEGRAM_WEBHOOK_URL"),
			WebhookSecret: whSecret,
			Unavailable:   func(lang string) string { return svc.Unavailable(lang).Text },
			Formal:        dep.Municipality.Formal,
		}
		switch {
		case tgOpts.WebhookURL != "":
			// Every instance takes any update; the store's conditional
			// writes keep each chat in order and each update applied once.
			tg, err := telegram.New(tgToken, svc, tgOpts)
			if err != nil {
				return fmt.Errorf("telegram: %w", err)
			}
			channels = append(channels, channel{"telegram", tg.Run, tg.Ready})
			channels = append(channels, channel{"telegram-outbox", lead.run("telegram-outbox", relay(tg)), always})
			webhook = tg.WebhookHandler()
		case el == nil:
			tg, err := telegram.New(tgToken, svc, tgOpts)
			if err != nil {
				return fmt.Errorf("telegram: %w", err)
			}
			channels = append(channels, channel{"telegram", lead.run("telegram", tg.Run), tg.Ready})
			channels = append(channels, channel{"telegram-outbox", lead.run("telegram-outbox", relay(tg)), always})
		default:
			// One poller per bot token: the elected instance polls. An
			// adapter runs once, so each term makes its own.
			check := tgOpts
			check.Registerer = nil
			if _, err := telegram.New(tgToken, svc, check); err != nil {
				return fmt.Errorf("telegram: %w", err)
			}
			terms := &termMetrics{}
			reg.MustRegister(terms)
			var ready termReady
			run := lead.run("telegram", func(ctx context.Context) error {
				o := tgOpts
				o.Registerer = terms.next()
				tg, err := telegram.New(tgToken, svc, o)
				if err != nil {
					return err
				}
				ready.set(tg.Ready)
				defer ready.set(nil)
				// The poller's adapter also relays, so relayed messages
				// share its per-chat limits.
				rctx, stop := context.WithCancel(ctx)
				relayed := make(chan error, 1)
				go func() { relayed <- relay(tg)(rctx) }()
				err = tg.Run(ctx)
				stop()
				<-relayed
				return err
			})
			channels = append(channels, channel{"telegram", run, ready.get})
		}
	}
	if mmURL := env.Getenv("MATTERMOST_URL"); mmURL != "" {
		mmToken, err := secretFromEnv(env, "MATTERMOST_TOKEN")
		if err != nil {
			return err
		}
		if mmToken == "" {
			return errors.New("MATTERMOST_URL is set but MATTERMOST_TOKEN (or MATTERMOST_TOKEN_FILE) is not")
		}
		mm, err := mattermost.New(mmURL, mmToken, svc, mattermost.Options{
			Logger:     log.With("channel", "mattermost"),
			Registerer: reg,
			AllowUsers: hostList(env.Getenv("MATTERMOST_ALLOW_USERS")),
			AllowTeam:  env.Getenv("MATTERMOST_ALLOW_TEAM"),
			ActionsURL: env.Getenv("MATTERMOST_ACTIONS_URL"),
			// The desk: cards and relayed messages go to this channel.
			HandoverChannel: env.Getenv("MATTERMOST_HANDOVER_CHANNEL"),
		})
		if err != nil {
			return fmt.Errorf("mattermost: %w", err)
		}
		// One websocket listener: the elected instance listens. Button
		// presses (ActionsHandler) are taken by the listening instance
		// only; the others answer them 503.
		run, ready := mm.Run, mm.Ready
		if el != nil {
			var tr termReady
			run = func(ctx context.Context) error {
				tr.set(mm.Ready)
				defer tr.set(nil)
				return mm.Run(ctx)
			}
			ready = tr.get
		}
		channels = append(channels, channel{"mattermost", lead.run("mattermost", run), ready})
		if ho.Desk {
			channels = append(channels,
				channel{"desk-outbox", lead.run("desk-outbox", func(ctx context.Context) error { return svc.DrainDesk(ctx, mm, bot.DrainOptions{}) }), always},
				channel{"handover-timers", lead.run("handover-timers", func(ctx context.Context) error { return svc.RunTimers(ctx, bot.DrainOptions{}) }), always})
		}
		if c, ok := any(mm).(bot.Courier); ok {
			// Staff testing in a Mattermost DM get relayed replies there.
			channels = append(channels, channel{"mattermost-outbox", lead.run("mattermost-outbox", func(ctx context.Context) error { return svc.Drain(ctx, bot.Mattermost, c, bot.DrainOptions{}) }), always})
		}
		mux.Handle("/mattermost/actions", mm.ActionsHandler())
	}
	if len(channels) == 0 {
		return errNoChannel
	}

	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		var notReady []string
		if _, err := svc.Store().Get(r.Context(), "s-readyz"); err != nil && !errors.Is(err, bot.ErrNotFound) {
			notReady = append(notReady, "store")
		}
		for _, c := range channels {
			if !c.ready() {
				notReady = append(notReady, c.name)
			}
		}
		if len(notReady) > 0 {
			http.Error(w, "not ready: "+strings.Join(notReady, ", "), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(channels)+3)
	serveHTTP := func(name, addr string, h http.Handler) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s listener: %w", name, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		log.Info("listening", "listener", name, "addr", ln.Addr().String())
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("%s listener: %w", name, err)
			}
		}()
		go func() {
			defer wg.Done()
			<-ctx.Done()
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			srv.Shutdown(sctx)
		}()
		return nil
	}
	if addr := envOr(env, "PROACTIEF_OPS_ADDR", "127.0.0.1:9090"); addr != "off" {
		if err := serveHTTP("ops", addr, mux); err != nil {
			return err
		}
	}
	if addr := envOr(env, "PROACTIEF_REVIEW_ADDR", "127.0.0.1:8090"); addr != "off" {
		rev, err := newReviewServer(svc.Store(), reviewPath, addr, hostList(env.Getenv("PROACTIEF_REVIEW_HOSTS")), log.With("component", "review"))
		if err != nil {
			return err
		}
		defer rev.Close()
		reg.MustRegister(reviewRefused{rev})
		if err := serveHTTP("review", addr, rev.Handler()); err != nil {
			return err
		}
	}
	if webhook != nil {
		if err := serveHTTP("telegram-webhook", envOr(env, "TELEGRAM_WEBHOOK_ADDR", "127.0.0.1:8443"), webhook); err != nil {
			return err
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		lead.run("sweeper", func(ctx context.Context) error {
			return bot.Sweeper(ctx, svc.Store(), ret, time.Hour, log.With("component", "sweeper"))
		})(ctx)
	}()
	for _, c := range channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			log.Info("channel starting", "channel", c.name)
			if err := c.run(ctx); err != nil {
				errs <- fmt.Errorf("%s: %w", c.name, err)
			}
		}()
	}
	var first error
	select {
	case <-ctx.Done():
	case first = <-errs:
		log.Error("stopping", "err", first)
	}
	cancel()
	wg.Wait()
	log.Info("stopped")
	return first
}

// errNoChannel is serve's error when no channel is configured.
var errNoChannel = errors.New("no channel configured: set TELEGRAM_BOT_TOKEN or MATTERMOST_URL (see proactief serve --help), or run proactief chat")

// secretFromEnv reads NAME from the environment or from the file named by
// NAME_FILE. Secrets never come from flags, so they are not in argv.
func secretFromEnv(env *Env, name string) (string, error) {
	if v := env.Getenv(name); v != "" {
		return strings.TrimSpace(v), nil
	}
	path := env.Getenv(name + "_FILE")
	if path == "" {
		return "", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimSpace(string(data)), nil
}

func envOr(env *Env, name, def string) string {
	if v := env.Getenv(name); v != "" {
		return v
	}
	return def
}

// newLogger logs JSON when stderr is not a terminal, text otherwise.
func newLogger(env *Env) *slog.Logger {
	format := env.Getenv("PROACTIEF_LOG_FORMAT")
	if format == "" {
		format = "json"
		if f, ok := env.Stderr.(*os.File); ok && isTerminal(f) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(env.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(env.Stderr, nil))
}
