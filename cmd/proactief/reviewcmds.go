package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/term"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/research/web"
)

func init() {
	register(command{name: "review", summary: "serve the researchers' review page over a read-only copy of the data", run: runReview})
	register(command{name: "researcher", summary: "add, remove or list the review page's researcher accounts", run: runResearcher})
}

// The review page's files next to the database.
func accountsPath(dbPath string) string { return dbPath + ".researchers.json" }
func reviewsPath(dbPath string) string  { return dbPath + ".reviews.json" }

// newReviewServer returns the review page over st for the database at
// dbPath, to be served at addr. Accounts, reviews and the audit log are
// the files next to the database, whatever st is (the live store in serve,
// a read-only copy in review). hosts are the Host names the page answers
// to; empty means the loopback names with addr's port, which needs addr on
// loopback. Cookies are Secure unless addr is on loopback (plain HTTP
// there; put a TLS proxy in front of anything else).
func newReviewServer(st bot.Store, dbPath, addr string, hosts []string, log *slog.Logger) (*web.Server, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("review address %q: %w", addr, err)
	}
	loopback := host == "localhost"
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	if len(hosts) == 0 {
		if !loopback {
			return nil, fmt.Errorf("review address %s is not on loopback: name the host names it is reached by (--hosts or PROACTIEF_REVIEW_HOSTS)", addr)
		}
		hosts = []string{net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("localhost", port), net.JoinHostPort("::1", port)}
	}
	return web.New(st, web.Options{
		AccountsPath: accountsPath(dbPath),
		ReviewsPath:  reviewsPath(dbPath),
		AuditPath:    auditPath(dbPath),
		AllowedHosts: hosts,
		Secure:       !loopback,
		Logger:       log,
	})
}

// reviewRefused exports the review page's counts of refused requests
// (unknown hosts, failed CSRF checks, sign-ins rate limited or failed),
// whose log lines are sampled.
type reviewRefused struct{ srv *web.Server }

var reviewRefusedDesc = prometheus.NewDesc("proactief_review_refused_total",
	"Review page requests refused or failed, by the log message (logged lines are sampled; this counts all).", []string{"message"}, nil)

func (r reviewRefused) Describe(ch chan<- *prometheus.Desc) { ch <- reviewRefusedDesc }

func (r reviewRefused) Collect(ch chan<- prometheus.Metric) {
	for msg, n := range r.srv.Refused() {
		ch <- prometheus.MustNewConstMetric(reviewRefusedDesc, prometheus.CounterValue, float64(n), msg)
	}
}

// hostList splits a comma-separated list, dropping blanks.
func hostList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runReview(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "review", "review [--db PATH] [--addr 127.0.0.1:8090] [--hosts NAME,...]")
	dbPath := fs.String("db", defaultDBPath(env), "bbolt database file (env PROACTIEF_DB)")
	addr := fs.String("addr", "127.0.0.1:8090", "listen address; plain HTTP, so keep it on loopback or behind a TLS proxy")
	hosts := fs.String("hosts", env.Getenv("PROACTIEF_REVIEW_HOSTS"), "comma-separated Host names the page answers to (default: loopback names; env PROACTIEF_REVIEW_HOSTS)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fi, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("database %s: %w", *dbPath, err)
	} else if fi.IsDir() {
		return fmt.Errorf("%s is a directory, not a database file; give the file, e.g. --db %s", *dbPath, filepath.Join(*dbPath, "proactief.db"))
	}
	if list, err := web.OpenAccounts(accountsPath(*dbPath)).List(); err == nil && len(list) == 0 {
		fmt.Fprintf(env.Stderr, "proactief review: no researcher accounts yet; add one with: proactief researcher add NAME --db %s\n", *dbPath)
	}
	// The page reads a private copy, taken again every snapshotEvery, so
	// the bot can keep the database meanwhile and an erasure shows within
	// a minute; what researchers write (reviews, audit) goes next to the
	// real one, and loses what the copy no longer holds.
	db, err := openSnapshotStore(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	log := newLogger(env)
	cp := copiesOf(*dbPath)
	if err := cp.reconcile(ctx, db); err != nil {
		return fmt.Errorf("erase from reviews and audit log: %w", err)
	}
	// Later copies erase only what vanished since the one before: a
	// review that "proactief serve" wrote meanwhile of a conversation
	// newer than the copy stays.
	seen, err := livePseudonyms(ctx, db)
	if err != nil {
		return err
	}
	db.taken = func(ctx context.Context, st bot.Store) {
		now, err := livePseudonyms(ctx, st)
		if err != nil {
			log.Error("review: read the new copy", "err", err)
			return
		}
		gone := map[string]bool{}
		for p := range seen {
			if !now[p] {
				gone[p] = true
			}
		}
		if len(gone) > 0 {
			if err := cp.retain(func(p string) bool { return !gone[p] }, ""); err != nil {
				log.Error("review: erase from reviews and audit log", "err", err)
				return // tried again with the next copy
			}
		}
		seen = now
	}
	rctx, stopRefresh := context.WithCancel(ctx)
	defer stopRefresh()
	go db.run(rctx, log)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	// The address listened on, with the port chosen for ":0".
	srv, err := newReviewServer(db, *dbPath, ln.Addr().String(), hostList(*hosts), log)
	if err != nil {
		return err
	}
	defer srv.Close()
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(env.Stderr, "proactief review: http://%s/ (a read-only copy of %s, taken again every %s; stop with Ctrl-C)\n", ln.Addr(), *dbPath, snapshotEvery)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func runResearcher(ctx context.Context, env *Env, args []string) error {
	const usage = "researcher add|remove|list [NAME] [--db PATH] [--admin]"
	fs := newFlagSet(env, "researcher", usage)
	dbPath := fs.String("db", defaultDBPath(env), "bbolt database file (env PROACTIEF_DB); accounts are kept in <db>.researchers.json")
	admin := fs.Bool("admin", false, "with add: the researcher may read the audit log")
	// Flags may come before or after the subcommand and the name.
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	bad := func(msg string) error {
		fmt.Fprintf(env.Stderr, "proactief researcher: %s\n", msg)
		fs.Usage()
		return errUsage
	}
	if len(pos) == 0 {
		return bad("add, remove or list?")
	}
	accounts := web.OpenAccounts(accountsPath(*dbPath))
	switch sub := pos[0]; {
	case sub == "list" && len(pos) == 1:
		list, err := accounts.List()
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintf(env.Stdout, "no researcher accounts in %s\n", accounts.Path())
		}
		for _, a := range list {
			role := "researcher"
			if a.Admin {
				role = "admin"
			}
			fmt.Fprintf(env.Stdout, "%s\t%s\tsince %s\n", a.Name, role, a.Created.Format("2006-01-02"))
		}
		return nil
	case sub == "add" && len(pos) == 2:
		password, err := readPassword(env, pos[1])
		if err != nil {
			return err
		}
		if err := accounts.Add(pos[1], password, *admin, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "added %s to %s\n", pos[1], accounts.Path())
		return nil
	case sub == "remove" && len(pos) == 2:
		if err := accounts.Remove(pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "removed %s; their sessions end at their next click\n", pos[1])
		return nil
	case sub == "add" || sub == "remove":
		return bad(sub + " needs exactly one NAME")
	}
	return bad(fmt.Sprintf("unknown subcommand %q", strings.Join(pos, " ")))
}

// readPassword asks for a password: twice and without echo on a terminal,
// otherwise the first line of stdin (for scripts).
func readPassword(env *Env, name string) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var p1 []byte
		for {
			fmt.Fprintf(env.Stderr, "Password for %s (at least %d characters): ", name, web.MinPassword)
			var err error
			p1, err = term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(env.Stderr)
			if err != nil {
				return "", err
			}
			// Say so before asking again, not after.
			if err := web.CheckPassword(string(p1)); err != nil {
				fmt.Fprintf(env.Stderr, "%v\n", err)
				if len(p1) == 0 {
					return "", err
				}
				continue
			}
			break
		}
		fmt.Fprintf(env.Stderr, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the passwords differ")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on stdin (give it as one line)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
