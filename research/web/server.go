package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/research"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Errors New returns.
var (
	// ErrConfig is returned by New when a required option is missing.
	ErrConfig = errors.New("review page configuration")
)

// Options configure New. AccountsPath, ReviewsPath and AuditPath are
// required; the rest has working zero values.
type Options struct {
	// AccountsPath is the file of researcher accounts (see Accounts),
	// conventionally "<db>.researchers.json".
	AccountsPath string
	// ReviewsPath is the JSON file that keeps reviews, tags and notes,
	// conventionally "<db>.reviews.json".
	ReviewsPath string
	// AuditPath is the audit log (see research.OpenAudit).
	AuditPath string
	// AllowedHosts are the Host headers served, with or without port
	// ("review.example.nl", "127.0.0.1:8090"); other requests get 400.
	// Empty means localhost, 127.0.0.1 and [::1] on any port.
	AllowedHosts []string
	// Secure marks cookies Secure (HTTPS only) and names the session cookie
	// with the __Host- prefix. Leave false only for plain HTTP on loopback.
	Secure bool
	// Logger receives operational logs (never transcript text); nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SignInLimit is how many sign-in attempts an address may make per
	// minute for one account (four times as many for all accounts); 0
	// means 5. An account that had more failed attempts than this in 15
	// minutes, from any address, is not locked: each attempt on it is
	// answered more slowly (see signInDelay), so the owner still gets in.
	SignInLimit int
}

// Server is the review page: sign-in, overview, transcripts, reviews,
// the study table, exports and the audit log.
type Server struct {
	store    bot.Store
	opts     Options
	log      *slog.Logger
	now      func() time.Time
	accounts *Accounts
	reviews  *Reviews
	audit    *research.Audit
	sessions *sessions
	byIP     *limiter // all attempts of an address
	byPair   *limiter // attempts of an address on one account
	failed   *limiter // failed attempts on an account, from anywhere
	sleep    func(context.Context, time.Duration) error
	warn     *sampler // warnings an outsider can cause, sampled
	pages    map[string]*template.Template
	hosts    []string
}

// New returns the review page over store, which it only reads. The store
// may be the live one of "proactief serve" or a read-only copy.
func New(store bot.Store, opts Options) (*Server, error) {
	switch {
	case store == nil:
		return nil, fmt.Errorf("%w: no store", ErrConfig)
	case opts.AccountsPath == "":
		return nil, fmt.Errorf("%w: no accounts file", ErrConfig)
	case opts.ReviewsPath == "":
		return nil, fmt.Errorf("%w: no reviews file", ErrConfig)
	case opts.AuditPath == "":
		return nil, fmt.Errorf("%w: no audit log", ErrConfig)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SignInLimit <= 0 {
		opts.SignInLimit = 5
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reviews, err := OpenReviews(opts.ReviewsPath)
	if err != nil {
		return nil, err
	}
	audit, err := research.OpenAudit(opts.AuditPath)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	hosts := []string{"localhost", "127.0.0.1", "[::1]", "::1"}
	if len(opts.AllowedHosts) > 0 {
		hosts = hosts[:0]
		for _, h := range opts.AllowedHosts {
			hosts = append(hosts, strings.ToLower(h))
		}
	}
	return &Server{
		store: store, opts: opts, log: log, now: opts.Now,
		accounts: OpenAccounts(opts.AccountsPath), reviews: reviews, audit: audit,
		sessions: newSessions(opts.Now),
		byIP:     newLimiter(4*opts.SignInLimit, time.Minute, opts.Now),
		byPair:   newLimiter(opts.SignInLimit, time.Minute, opts.Now),
		failed:   newLimiter(1<<20, 15*time.Minute, opts.Now),
		sleep:    sleepCtx,
		warn:     newSampler(log, opts.Now),
		pages:    pages, hosts: hosts,
	}, nil
}

// Handler returns the page's HTTP handler. Every path but the sign-in page
// and the style sheet needs a signed-in researcher.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /aanmelden", s.signInPage)
	mux.HandleFunc("POST /aanmelden", s.signIn)
	mux.HandleFunc("POST /afmelden", s.auth(s.signOut))
	mux.HandleFunc("GET /{$}", s.auth(s.overview))
	mux.HandleFunc("GET /gesprekken", s.auth(s.list))
	mux.HandleFunc("GET /gesprekken/{id}", s.auth(s.transcript))
	mux.HandleFunc("POST /gesprekken/{id}/beoordeling", s.auth(s.review))
	mux.HandleFunc("POST /gesprekken/{id}/redigeer", s.auth(s.redactTurn))
	mux.HandleFunc("GET /studie", s.auth(s.study))
	mux.HandleFunc("GET /export", s.auth(s.export))
	mux.HandleFunc("GET /logboek", s.auth(s.auditPage))
	mux.HandleFunc("/", s.auth(func(w http.ResponseWriter, r *http.Request, _ session) {
		s.fail(w, r, http.StatusNotFound, "Deze pagina bestaat niet.")
	}))
	return s.guard(mux)
}

// guard refuses unknown hosts and sets the security headers on every
// response.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.opts.Secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !s.hostAllowed(r.Host) {
			s.warn.warn("review: refused host", "host", cut(r.Host, 100))
			http.Error(w, "Onbekende host.", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) hostAllowed(host string) bool {
	host = strings.ToLower(host)
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
		if strings.Contains(h, ":") {
			name = "[" + h + "]"
		}
	}
	for _, a := range s.hosts {
		if a == host || a == name || (strings.Trim(a, "[]") == strings.Trim(name, "[]")) {
			return true
		}
	}
	return false
}

func (s *Server) cookieName() string {
	if s.opts.Secure {
		return "__Host-proactief-sessie"
	}
	return "proactief-sessie"
}

func (s *Server) preCookieName() string {
	if s.opts.Secure {
		return "__Host-proactief-aanmelden"
	}
	return "proactief-aanmelden"
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: s.opts.Secure, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// auth runs h for a signed-in researcher whose account still exists, and
// checks the CSRF token of every POST; otherwise it sends the browser to
// the sign-in page.
func (s *Server) auth(h func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var id string
		if c, err := r.Cookie(s.cookieName()); err == nil {
			id = c.Value
		}
		ses, ok := s.sessions.get(id)
		if ok {
			acc, exists := s.accounts.lookup(ses.name)
			if !exists {
				s.sessions.delete(id)
				ok = false
			} else {
				ses.admin = acc.Admin
			}
		}
		if !ok {
			if r.Method != http.MethodGet {
				s.fail(w, r, http.StatusForbidden, "Je bent niet (meer) aangemeld. Meld je opnieuw aan.")
				return
			}
			target := "/aanmelden"
			if r.URL.Path != "/" {
				target += "?terug=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !s.validPost(r, ses.csrf) {
			s.warn.warn("review: CSRF check failed", "path", cut(r.URL.Path, 200))
			s.fail(w, r, http.StatusForbidden, "Het formulier is verlopen of niet van deze site. Laad de pagina opnieuw en probeer het nog eens.")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, ses)
	}
}

// validPost checks the form's CSRF token and, when the browser sends one,
// that the Origin is this site.
func (s *Server) validPost(r *http.Request, token string) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return false
	}
	return tokensEqual(r.PostForm.Get("csrf"), token)
}

// safeReturn keeps a post-sign-in target on this site: a path with one
// leading "/", and no backslash or control character anywhere (browsers
// drop tabs and newlines from a Location, so "/\t/host" would read as
// "//host").
func safeReturn(t string) string {
	if !strings.HasPrefix(t, "/") || strings.HasPrefix(t, "//") || strings.HasPrefix(t, "/aanmelden") || len(t) > 2000 {
		return "/"
	}
	for _, r := range t {
		if r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r < 0xa0) || r == 0xfffd {
			return "/"
		}
	}
	return t
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	s.renderSignIn(w, r, http.StatusOK, "", "")
}

func (s *Server) renderSignIn(w http.ResponseWriter, r *http.Request, status int, name, problem string) {
	token := ""
	if c, err := r.Cookie(s.preCookieName()); err == nil && len(c.Value) >= 40 {
		token = c.Value
	} else {
		token = randomToken()
		s.setCookie(w, s.preCookieName(), token, 3600)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "signin", page{
		Title: "Aanmelden", CSRF: token, Data: signInData{Name: name, Problem: problem, Return: safeReturn(r.FormValue("terug"))},
	})
}

type signInData struct{ Name, Problem, Return string }

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "Het formulier kon niet gelezen worden.")
		return
	}
	c, err := r.Cookie(s.preCookieName())
	if err != nil || !s.validPost(r, c.Value) {
		s.renderSignIn(w, r, http.StatusForbidden, "", "Het formulier is verlopen. Probeer het nog eens.")
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("naam"))
	password := r.PostForm.Get("wachtwoord")
	ip := clientIP(r)
	account := strings.ToLower(name)
	pairOK := s.byPair.allow(account + "\x00" + ip)
	ipOK := pairOK && s.byIP.allow(ip)
	if !pairOK || !ipOK {
		s.warn.warn("review: sign-in rate limited", "name", cut(name, 100), "addr", ip)
		w.Header().Set("Retry-After", "60")
		s.renderSignIn(w, r, http.StatusTooManyRequests, name, "Te veel pogingen. Wacht een minuut en probeer het dan opnieuw.")
		return
	}
	// Many failures on this account from anywhere: answer more slowly
	// instead of locking the owner out. The password is checked only
	// after the wait, so hanging up early gains nothing.
	if d := signInDelay(s.failed.count(account), s.opts.SignInLimit); d > 0 {
		if err := s.sleep(r.Context(), d); err != nil {
			return
		}
	}
	acc, ok, err := s.accounts.check(name, password)
	if err != nil {
		s.log.Error("review: read accounts", "err", err)
		s.fail(w, r, http.StatusInternalServerError, "Aanmelden lukt nu niet. Probeer het later opnieuw.")
		return
	}
	if !ok {
		s.failed.allow(account)
		s.warn.info("review: sign-in failed", "name", cut(name, 100), "addr", ip)
		if err := s.audit.Log(name, "aanmelden mislukt", "adres="+ip, 0); err != nil {
			s.log.Error("review: audit log", "err", err)
		}
		s.renderSignIn(w, r, http.StatusUnauthorized, name, "Naam of wachtwoord klopt niet.")
		return
	}
	if old, err := r.Cookie(s.cookieName()); err == nil {
		s.sessions.delete(old.Value)
	}
	id, _ := s.sessions.create(acc.Name, acc.Admin)
	s.setCookie(w, s.cookieName(), id, int(sessionMax/time.Second))
	s.setCookie(w, s.preCookieName(), "", -1)
	if err := s.audit.Log(acc.Name, "aanmelden", "", 0); err != nil {
		s.log.Error("review: audit log", "err", err)
	}
	http.Redirect(w, r, safeReturn(r.PostForm.Get("terug")), http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, ses session) {
	if c, err := r.Cookie(s.cookieName()); err == nil {
		s.sessions.delete(c.Value)
	}
	s.setCookie(w, s.cookieName(), "", -1)
	if err := s.audit.Log(ses.name, "afmelden", "", 0); err != nil {
		s.log.Error("review: audit log", "err", err)
	}
	http.Redirect(w, r, "/aanmelden", http.StatusSeeOther)
}

// page is what every template gets.
type page struct {
	Title string
	Nav   string // the menu item to mark as current
	User  string
	Admin bool
	CSRF  string
	Data  any
}

func (s *Server) page(ses session, title, nav string, data any) page {
	return page{Title: title, Nav: nav, User: ses.name, Admin: ses.admin, CSRF: ses.csrf, Data: data}
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		panic("web: no template " + name)
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("review: render", "page", name, "err", err)
		http.Error(w, "Er ging iets mis.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

// fail shows an error page; details go only to the log.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", page{Title: http.StatusText(status), Data: msg})
}

// internal logs err and shows a generic error page.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, ses session, op string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("review: "+op, "err", err)
	p := s.page(ses, "Er ging iets mis", "", "Er ging iets mis bij het lezen van de gegevens. Probeer het later opnieuw.")
	s.render(w, r, http.StatusInternalServerError, "error", p)
}

// Close closes the audit log. The handler must not be used after Close.
func (s *Server) Close() error { return s.audit.Close() }
