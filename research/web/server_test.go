package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proactief/proactief/research"
)

// shared is the seeded store all tests read; the review page never
// writes to it.
var shared *seeded

// accountsFile holds the test accounts; each fixture gets a copy.
var accountsFile string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "proactief-web-")
	if err != nil {
		log.Fatal(err)
	}
	shared = seed(dir, log.Fatalf)
	// bcrypt is slow on purpose: hash the test accounts once.
	accountsFile = filepath.Join(dir, "researchers.json")
	a := OpenAccounts(accountsFile)
	if err := a.Add("onderzoeker", researcherPW, false, seedStart); err != nil {
		log.Fatal(err)
	}
	if err := a.Add("beheerder", adminPW, true, seedStart); err != nil {
		log.Fatal(err)
	}
	code := m.Run()
	shared.db.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	researcherPW = "lang genoeg wachtwoord 1"
	adminPW      = "nog een lang wachtwoord 2"
)

// fixture is a review page over the shared store, with its own accounts,
// reviews and audit log.
type fixture struct {
	t     *testing.T
	srv   *Server
	ts    *httptest.Server
	dir   string
	mu    sync.Mutex
	clock time.Time
}

func newFixture(t *testing.T, opts ...func(*Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), clock: time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)}
	data, err := os.ReadFile(accountsFile)
	if err != nil {
		t.Fatal(err)
	}
	accounts := OpenAccounts(filepath.Join(f.dir, "p.db.researchers.json"))
	if err := os.WriteFile(accounts.Path(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	o := Options{
		AccountsPath: accounts.Path(),
		ReviewsPath:  filepath.Join(f.dir, "p.db.reviews.json"),
		AuditPath:    filepath.Join(f.dir, "p.db.audit.jsonl"),
		Now:          f.now,
	}
	for _, fn := range opts {
		fn(&o)
	}
	srv, err := New(shared.db, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.srv = srv
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(func() { f.ts.Close(); srv.Close() })
	return f
}

func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(d)
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed.
type client struct {
	f    *fixture
	http *http.Client
	csrf string
}

func (f *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{f: f, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.f.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		c.csrf = string(m[1])
	}
	return resp, string(body)
}

func (c *client) get(path string) (*http.Response, string) {
	c.f.t.Helper()
	req, _ := http.NewRequest("GET", c.f.ts.URL+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.f.t.Helper()
	req, _ := http.NewRequest("POST", c.f.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// signIn signs in and fails the test unless it worked.
func (c *client) signIn(name, pw string) {
	c.f.t.Helper()
	resp, body := c.trySignIn(name, pw)
	if resp.StatusCode != http.StatusSeeOther {
		c.f.t.Fatalf("sign in %s: status=%d, want 303\n%s", name, resp.StatusCode, body)
	}
	c.get("/") // picks up the session's CSRF token
}

func (c *client) trySignIn(name, pw string) (*http.Response, string) {
	c.f.t.Helper()
	c.get("/aanmelden")
	return c.post("/aanmelden", url.Values{"csrf": {c.csrf}, "naam": {name}, "wachtwoord": {pw}})
}

func wantStatus(t *testing.T, resp *http.Response, want int, body string) {
	t.Helper()
	if resp.StatusCode != want {
		if len(body) > 600 {
			body = body[:600]
		}
		t.Fatalf("%s %s: status=%d, want %d\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func auditEntries(t *testing.T, f *fixture) []research.AuditEntry {
	t.Helper()
	var out []research.AuditEntry
	if err := f.srv.audit.Read(func(e research.AuditEntry) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func conversations(t *testing.T, f research.Filter) []research.Conversation {
	t.Helper()
	cs, err := research.Load(context.Background(), shared.db, f)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for _, path := range []string{"/aanmelden", "/", "/static/style.css", "/gesprekken"} {
		resp, _ := c.get(path)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP=%q", path, csp)
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s=%q, want %q", path, k, got, want)
			}
		}
	}
}

func TestWrongHostRefused(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for _, host := range []string{"evil.example", "evil.example:80", "127.0.0.2"} {
		req, _ := http.NewRequest("GET", f.ts.URL+"/aanmelden", nil)
		req.Host = host
		resp, body := c.do(req)
		wantStatus(t, resp, http.StatusBadRequest, body)
		if resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("headers missing on refused request")
		}
	}
	g := newFixture(t, func(o *Options) { o.AllowedHosts = []string{"review.example.nl"} })
	req, _ := http.NewRequest("GET", g.ts.URL+"/aanmelden", nil)
	resp, body := g.client().do(req) // Host is 127.0.0.1:port: not allowed
	wantStatus(t, resp, http.StatusBadRequest, body)
	req.Host = "review.example.nl"
	resp, body = g.client().do(req)
	wantStatus(t, resp, http.StatusOK, body)
}

func TestNoSessionNoAccess(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	pseudonym := conversations(t, research.Filter{})[0].Pseudonym
	for _, path := range []string{"/", "/gesprekken", "/gesprekken/" + pseudonym, "/studie", "/export?formaat=csv", "/export?formaat=jsonl", "/logboek", "/bestaat-niet"} {
		resp, body := c.get(path)
		wantStatus(t, resp, http.StatusSeeOther, body)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/aanmelden") {
			t.Errorf("GET %s: Location=%q, want the sign-in page", path, loc)
		}
		if strings.Contains(body, "Inwoner") || strings.Contains(body, "<table") {
			t.Errorf("GET %s without session shows data", path)
		}
	}
	for _, path := range []string{"/afmelden", "/gesprekken/" + pseudonym + "/beoordeling"} {
		resp, body := c.post(path, url.Values{"csrf": {"x"}, "beoordeeld": {"1"}})
		wantStatus(t, resp, http.StatusForbidden, body)
	}
	// A forged session cookie is no session.
	u, _ := url.Parse(f.ts.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "proactief-sessie", Value: randomToken()}})
	resp, body := c.get("/gesprekken")
	wantStatus(t, resp, http.StatusSeeOther, body)
	if got := f.srv.reviews.Get(pseudonym); got.Reviewed {
		t.Fatalf("a POST without session changed a review")
	}
}

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	resp, body := c.get("/aanmelden")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, `<html lang="nl">`, `<label for="naam">`, `<label for="wachtwoord">`, `href="#inhoud"`, `autocomplete="current-password"`)

	for _, tc := range []struct{ name, pw string }{{"onderzoeker", "fout wachtwoord 123"}, {"niemand", researcherPW}, {"", ""}} {
		resp, body = c.trySignIn(tc.name, tc.pw)
		wantStatus(t, resp, http.StatusUnauthorized, body)
		wantContains(t, body, "Naam of wachtwoord klopt niet.")
	}
	// Without the sign-in form's token.
	resp, body = c.post("/aanmelden", url.Values{"naam": {"onderzoeker"}, "wachtwoord": {researcherPW}})
	wantStatus(t, resp, http.StatusForbidden, body)
	// A cross-site form post.
	c.get("/aanmelden")
	req, _ := http.NewRequest("POST", f.ts.URL+"/aanmelden", strings.NewReader(url.Values{"csrf": {c.csrf}, "naam": {"onderzoeker"}, "wachtwoord": {researcherPW}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, body = c.do(req)
	wantStatus(t, resp, http.StatusForbidden, body)

	resp, body = c.trySignIn("onderzoeker", researcherPW)
	wantStatus(t, resp, http.StatusSeeOther, body)
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Fatalf("after sign-in Location=%q, want /", loc)
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "proactief-sessie" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/" || len(session.Value) < 40 {
		t.Fatalf("session cookie=%+v, want HttpOnly, SameSite=Strict, Path=/ and a long random value", session)
	}
	resp, body = c.get("/")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "Aangemeld als <strong>onderzoeker</strong>")
	if strings.Contains(body, "/logboek") {
		t.Errorf("a researcher who is no admin sees the audit log link")
	}
}

func TestSignInReturnsToPage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	resp, _ := c.get("/gesprekken?segment=2")
	loc := resp.Header.Get("Location")
	resp, body := c.get(loc)
	wantStatus(t, resp, http.StatusOK, body)
	resp, _ = c.post("/aanmelden", url.Values{"csrf": {c.csrf}, "naam": {"onderzoeker"}, "wachtwoord": {researcherPW}, "terug": {"/gesprekken?segment=2"}})
	if got := resp.Header.Get("Location"); got != "/gesprekken?segment=2" {
		t.Fatalf("Location=%q, want the page asked for", got)
	}
	for _, bad := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example",
		"/\t/evil.example/", "/\n/evil.example", "/\r//evil.example", "/x\\..\\\\evil.example", "/\x00/evil", "/\u0085/evil", "/\x7f/evil"} {
		if got := safeReturn(bad); got != "/" {
			t.Errorf("safeReturn(%q)=%q, want /", bad, got)
		}
	}
	// Through the form, as the attack came: a tab after the slash.
	c = f.client()
	c.get("/aanmelden?terug=" + url.QueryEscape("/\t/evil.example/x"))
	resp, _ = c.post("/aanmelden", url.Values{"csrf": {c.csrf}, "naam": {"onderzoeker"}, "wachtwoord": {researcherPW}, "terug": {"/\t/evil.example/x"}})
	if got := resp.Header.Get("Location"); got != "/" {
		t.Fatalf("Location=%q after terug=/%%09/evil.example, want /", got)
	}
}

func TestSecureCookies(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Secure = true })
	c := f.client()
	resp, _ := c.get("/aanmelden")
	var names []string
	for _, ck := range resp.Cookies() {
		names = append(names, ck.Name)
		if !ck.Secure || !strings.HasPrefix(ck.Name, "__Host-") {
			t.Errorf("cookie %s: Secure=%v, want Secure and a __Host- name", ck.Name, ck.Secure)
		}
	}
	if len(names) == 0 {
		t.Fatal("no cookie for the sign-in form")
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("no HSTS header with Secure")
	}
}

func TestSignInRateLimit(t *testing.T) {
	f := newFixture(t)
	var waits []time.Duration
	f.srv.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	c := f.client()
	for i := 0; i < 5; i++ {
		resp, body := c.trySignIn("onderzoeker", "verkeerd wachtwoord!")
		wantStatus(t, resp, http.StatusUnauthorized, body)
	}
	// This address is limited for this account ...
	resp, body := c.trySignIn("onderzoeker", researcherPW)
	wantStatus(t, resp, http.StatusTooManyRequests, body)
	wantContains(t, body, "Te veel pogingen")
	// ... not for another one.
	resp, body = c.trySignIn("beheerder", adminPW)
	wantStatus(t, resp, http.StatusSeeOther, body)
	f.advance(61 * time.Second)
	resp, body = c.trySignIn("onderzoeker", researcherPW)
	wantStatus(t, resp, http.StatusSeeOther, body)
	if len(waits) == 0 {
		t.Fatalf("no slow-down after 5 failed attempts on the account")
	}

	// One address trying many accounts is limited too.
	g := newFixture(t)
	g.srv.sleep = func(context.Context, time.Duration) error { return nil }
	d := g.client()
	refused := false
	for i := 0; i < 4*5+1 && !refused; i++ {
		resp, _ := d.trySignIn(fmt.Sprintf("naam%d", i), "fout fout fout fout")
		refused = resp.StatusCode == http.StatusTooManyRequests
	}
	if !refused {
		t.Fatalf("21 accounts tried from one address within a minute, none refused")
	}
}

// TestSignInNoLockout: whoever fails on an account from many addresses
// slows it down but cannot keep its owner out.
func TestSignInNoLockout(t *testing.T) {
	f := newFixture(t)
	var waits []time.Duration
	f.srv.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	h := f.srv.Handler()
	attempt := func(addr, pw string) int {
		cl := f.client()
		cl.get("/aanmelden")
		req := httptest.NewRequest("POST", "/aanmelden", strings.NewReader(url.Values{"csrf": {cl.csrf}, "naam": {"beheerder"}, "wachtwoord": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = addr + ":1234"
		req.Host = "127.0.0.1"
		u, _ := url.Parse(f.ts.URL)
		for _, ck := range cl.http.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := 0; i < 30; i++ {
		if code := attempt(fmt.Sprintf("192.0.2.%d", i+1), "fout fout fout fout"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d from a new address: status=%d, want 401 (slowed, not refused)", i+1, code)
		}
	}
	if len(waits) == 0 || waits[len(waits)-1] <= waits[0] {
		t.Fatalf("waits %v: want them to grow with the failures", waits)
	}
	if code := attempt("198.51.100.7", adminPW); code != http.StatusSeeOther {
		t.Fatalf("the owner after 30 failures by others: status=%d, want 303", code)
	}
	// The failures are in the audit log with the name and the address.
	n := 0
	for _, e := range auditEntries(t, f) {
		if e.Action == "aanmelden mislukt" && e.Who == "beheerder" && strings.HasPrefix(e.Detail, "adres=192.0.2.") {
			n++
		}
	}
	if n != 30 {
		t.Fatalf("%d failed sign-ins in the audit log, want 30", n)
	}
}

// TestWarningsSampled: a flood of refused requests writes a bounded number
// of log lines, and all of them are counted.
func TestWarningsSampled(t *testing.T) {
	var logged strings.Builder
	var mu sync.Mutex
	f := newFixture(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return logged.Write(p)
		}), nil))
	})
	h := f.srv.Handler()
	for range 3000 {
		req := httptest.NewRequest("GET", "/aanmelden", nil)
		req.Host = "evil.example"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("status=%d for an unknown host, want 400", rec.Code)
		}
	}
	mu.Lock()
	lines := strings.Count(logged.String(), "refused host")
	mu.Unlock()
	if lines > perMinute {
		t.Fatalf("%d log lines for 3000 refused requests within a minute, want at most %d", lines, perMinute)
	}
	if got := f.srv.Refused()["review: refused host"]; got != 3000 {
		t.Fatalf("counted %d refused hosts, want 3000", got)
	}
	f.advance(time.Minute)
	req := httptest.NewRequest("GET", "/aanmelden", nil)
	req.Host = "evil.example"
	h.ServeHTTP(httptest.NewRecorder(), req)
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "suppressed_before=2990") {
		t.Fatalf("the next minute's line does not say how many were left out:\n%s", logged.String()[max(0, logged.Len()-400):])
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestCSRFAndReview(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	cs := conversations(t, research.Filter{})
	p := cs[0].Pseudonym
	path := "/gesprekken/" + p + "/beoordeling"
	form := url.Values{"beoordeeld": {"1"}, "labels": {"Verwarring, lange zinnen,verwarring"}, "notitie": {"Vraag 3 was onduidelijk."}}

	resp, body := c.post(path, form) // no token
	wantStatus(t, resp, http.StatusForbidden, body)
	form.Set("csrf", "verkeerd")
	resp, body = c.post(path, form)
	wantStatus(t, resp, http.StatusForbidden, body)
	other := f.client()
	other.signIn("beheerder", adminPW)
	form.Set("csrf", other.csrf) // another session's token
	resp, body = c.post(path, form)
	wantStatus(t, resp, http.StatusForbidden, body)
	if f.srv.reviews.Get(p).Reviewed {
		t.Fatalf("review saved without a valid CSRF token")
	}

	form.Set("csrf", c.csrf)
	resp, body = c.post(path, form)
	wantStatus(t, resp, http.StatusSeeOther, body)
	rv := f.srv.reviews.Get(p)
	if !rv.Reviewed || rv.ReviewedBy != "onderzoeker" || strings.Join(rv.Tags, "|") != "lange zinnen|verwarring" || len(rv.Notes) != 1 || rv.Notes[0].By != "onderzoeker" || rv.Notes[0].At.IsZero() {
		t.Fatalf("review=%+v", rv)
	}
	fi, err := os.Stat(f.srv.opts.ReviewsPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("reviews file: %v mode=%v, want 0600", err, fi.Mode().Perm())
	}
	resp, body = c.get(resp.Header.Get("Location"))
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "De beoordeling is opgeslagen.", "Vraag 3 was onduidelijk.", `value="lange zinnen, verwarring"`, "Beoordeeld door <strong>onderzoeker</strong>")

	// A new server reads the same file.
	again, err := OpenReviews(f.srv.opts.ReviewsPath)
	if err != nil || !again.Get(p).Reviewed {
		t.Fatalf("reviews not persisted: %v", err)
	}

	// Filters on review status and tag.
	_, body = c.get("/gesprekken?label=verwarring")
	wantContains(t, body, "<h2 id=\"kop-resultaat\">1 gesprek</h2>", p)
	_, body = c.get("/gesprekken?status=open")
	wantContains(t, body, fmt.Sprintf("%d gesprekken", len(cs)-1))
	_, body = c.get("/gesprekken?status=beoordeeld")
	wantContains(t, body, "1 gesprek<")

	// Unmark, keep the note.
	resp, _ = c.post(path, url.Values{"csrf": {c.csrf}, "labels": {""}})
	wantStatus(t, resp, http.StatusSeeOther, "")
	if rv := f.srv.reviews.Get(p); rv.Reviewed || len(rv.Tags) != 0 || len(rv.Notes) != 1 {
		t.Fatalf("after unmarking review=%+v", rv)
	}
	// Sign-out ends the session.
	resp, body = c.post("/afmelden", url.Values{"csrf": {c.csrf}})
	wantStatus(t, resp, http.StatusSeeOther, body)
	resp, _ = c.get("/gesprekken")
	wantStatus(t, resp, http.StatusSeeOther, "")
}

func TestOverview(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	resp, body := c.get("/")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body,
		"<h1>Overzicht</h1>", `role="img"`, `<title id="segmenten-t">`, `<desc id="segmenten-d">`,
		`<title id="perdag-t">`, `<title id="toestemming-t">`, `<title id="afhaken-t">`,
		"1 Vertrouwende Volgers", "39%", "22%", // the study beside ours
		"&lt;10",      // suppressed cells
		"2026-11-02",  // a day
		"<dd>48</dd>", // research conversations
	)
	// The twelve who stopped at one statement are shown; no cell of 1..9 is.
	if !regexp.MustCompile(`<td class="num">12</td>`).MatchString(body) {
		t.Errorf("drop-off of 12 not shown")
	}
	for _, n := range []string{">1<", ">2<", ">3<", ">4<", ">9<"} {
		if strings.Contains(body, `<td class="num"`+n) {
			t.Errorf("a small cell %s is shown", n)
		}
	}
}

func TestTranscriptList(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	all := conversations(t, research.Filter{})
	resp, body := c.get("/gesprekken")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, fmt.Sprintf("%d gesprekken", len(all)), "Pagina 1 van 2", `rel="next"`, `<label for="segment">`, `<label for="van">`)
	if strings.Contains(body, ">test</span>") {
		t.Errorf("staff test conversation listed without asking")
	}
	_, body = c.get("/gesprekken?pagina=2")
	wantContains(t, body, "Pagina 2 van 2", `rel="prev"`)

	for _, tc := range []struct {
		query string
		f     research.Filter
	}{
		{"segment=1", research.Filter{Segment: 1}},
		{"kanaal=mattermost", research.Filter{Channel: "mattermost"}},
		{"bron=folder", research.Filter{Source: "folder"}},
		{"afgerond=nee", research.Filter{Completed: new(false)}},
		{"van=2026-11-03&tot=2026-11-03", research.Filter{Since: seedStart.Add(24 * time.Hour), Until: seedStart.Add(24 * time.Hour)}},
		{"test=1", research.Filter{IncludeTest: true}},
	} {
		want := len(conversations(t, tc.f))
		if want == 0 || want == len(all) && tc.query != "test=1" {
			t.Fatalf("%s: filter selects %d of %d: not a useful test", tc.query, want, len(all))
		}
		_, body := c.get("/gesprekken?" + tc.query)
		word := "gesprekken"
		if want == 1 {
			word = "gesprek"
		}
		if !strings.Contains(body, fmt.Sprintf(">%d %s</h2>", want, word)) {
			t.Errorf("%s: want %d %s", tc.query, want, word)
		}
	}
	_, body = c.get("/gesprekken?test=1")
	wantContains(t, body, ">test</span>")
	resp, body = c.get("/gesprekken?van=gisteren&segment=7")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "Schrijf een datum als JJJJ-MM-DD", "Kies segment 1, 2 of 3.")
}

func TestTranscriptView(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	var conv research.Conversation
	for _, x := range conversations(t, research.Filter{}) {
		if x.Completed && len(x.Answers) >= 4 {
			conv = x
			break
		}
	}
	resp, body := c.get("/gesprekken/" + conv.Pseudonym)
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, conv.Pseudonym, "Kans per segment na elk antwoord", "<polyline", "[KNOP ", "Chatbot", "Inwoner",
		"toon: ", `<label for="labels">`, `<label for="notitie">`, `name="csrf"`, "Segment</dt><dd>"+fmt.Sprint(conv.Segment))
	if strings.Contains(body, "Jan de Vries") {
		t.Errorf("transcript shows a name the citizen typed; redaction failed")
	}
	// The view is in the audit log.
	var seen bool
	for _, e := range auditEntries(t, f) {
		if e.Who == "onderzoeker" && e.Action == "view" && e.Detail == conv.Pseudonym && e.N == 1 {
			seen = true
		}
	}
	if !seen {
		t.Fatalf("transcript view not in the audit log: %+v", auditEntries(t, f))
	}
	// Staff tests only when asked for.
	test := conversations(t, research.Filter{IncludeTest: true})
	var tp string
	for _, x := range test {
		if x.Test {
			tp = x.Pseudonym
		}
	}
	resp, _ = c.get("/gesprekken/" + tp)
	wantStatus(t, resp, http.StatusNotFound, "")
	resp, body = c.get("/gesprekken/" + tp + "?test=1")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "testgesprek")
	for _, bad := range []string{"r-onbekend", "..%2f..%2fetc", "%3Cscript%3E"} {
		resp, _ = c.get("/gesprekken/" + bad)
		wantStatus(t, resp, http.StatusNotFound, "")
	}
}

func TestStudyTable(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	resp, body := c.get("/studie")
	wantStatus(t, resp, http.StatusOK, body)
	rep, err := research.Compute(context.Background(), shared.db, research.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, body, "<h1>Studietabel</h1>", "privacy_veilig", "vertrouwen_goed", "39%", "22%", "&lt;10", "proactief research report")
	// Every statement row's first segment cell matches the report.
	for _, row := range rep.Statements {
		cell := row.Agree[0]
		want := research.Suppressed
		if cell.Shown() {
			want = fmt.Sprintf("%.0f%%", cell.Pct())
		}
		want = strings.ReplaceAll(want, "<", "&lt;")
		re := regexp.MustCompile(`<code>` + row.ID + `</code>.*?</th>\s*<td class="num">([^<]*(?:&lt;10)?)</td>`)
		m := re.FindStringSubmatch(strings.ReplaceAll(body, "\n", " "))
		if m == nil || m[1] != want {
			t.Errorf("%s segment 1: got %v, want %q", row.ID, m, want)
		}
	}
	// Follow-up outcomes per segment and campaign, with the study beside them.
	wantContains(t, body, "4. Vervolgberichten per segment en per campagne", "geen antwoord", "91% of those who used one", "(no campaign)")
	_, body = c.get("/studie?kanaal=mattermost")
	wantContains(t, body, `<option value="mattermost" selected>`)
}

func TestExport(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	want := conversations(t, research.Filter{Segment: 2})
	resp, body := c.get("/export?formaat=jsonl&segment=2")
	wantStatus(t, resp, http.StatusOK, body)
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.HasSuffix(cd, `.jsonl"`) {
		t.Errorf("Content-Disposition=%q", cd)
	}
	var n int
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var conv research.Conversation
		if err := json.Unmarshal(sc.Bytes(), &conv); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if conv.Segment != 2 || conv.Test {
			t.Fatalf("exported %+v with segment=2", conv)
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("exported %d conversations, want %d", n, len(want))
	}
	resp, body = c.get("/export?formaat=csv&afgerond=nee")
	wantStatus(t, resp, http.StatusOK, body)
	if !strings.HasPrefix(body, strings.Join(research.CSVHeader(), ",")) {
		t.Fatalf("CSV header=%q", strings.SplitN(body, "\n", 2)[0])
	}
	if rows := strings.Count(body, "\nr-"); rows != len(conversations(t, research.Filter{Completed: new(false)})) {
		t.Fatalf("CSV rows=%d", rows)
	}
	resp, body = c.get("/export?formaat=xlsx")
	wantStatus(t, resp, http.StatusBadRequest, body)

	entries := auditEntries(t, f)
	var got []string
	for _, e := range entries {
		if e.Action == "export" {
			got = append(got, fmt.Sprintf("%s %s %d", e.Who, e.Detail, e.N))
		}
	}
	wantLog := []string{
		fmt.Sprintf("onderzoeker format=jsonl segment=2 %d", len(want)),
		fmt.Sprintf("onderzoeker format=csv completed=false %d", len(conversations(t, research.Filter{Completed: new(false)}))),
	}
	if strings.Join(got, "\n") != strings.Join(wantLog, "\n") {
		t.Fatalf("audit exports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLog, "\n"))
	}
}

func TestExportRefusedWithoutAudit(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	f.srv.audit.Close() // writing the audit log now fails
	resp, body := c.get("/export?formaat=jsonl")
	wantStatus(t, resp, http.StatusInternalServerError, body)
	if strings.Contains(body, `"pseudonym"`) {
		t.Fatalf("export sent although the audit log failed")
	}
	resp, body = c.get("/gesprekken/" + conversations(t, research.Filter{})[0].Pseudonym)
	wantStatus(t, resp, http.StatusInternalServerError, body)
}

func TestAuditPage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	c.get("/export?formaat=csv")
	resp, body := c.get("/logboek")
	wantStatus(t, resp, http.StatusForbidden, body)

	a := f.client()
	a.signIn("beheerder", adminPW)
	resp, body = a.get("/logboek")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "<h1>Logboek</h1>", "export gedownload", "format=csv", "onderzoeker", "aangemeld", `href="/logboek" aria-current="page"`)
}

func TestRemovedAccountLosesSession(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	if err := f.srv.accounts.Remove("onderzoeker"); err != nil {
		t.Fatal(err)
	}
	resp, _ := c.get("/gesprekken")
	wantStatus(t, resp, http.StatusSeeOther, "")
}

func TestSessionExpires(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	f.advance(sessionIdle + time.Second)
	resp, _ := c.get("/gesprekken")
	wantStatus(t, resp, http.StatusSeeOther, "")
}

// rawID matches what must never be on a page: session keys and the
// channel user ids the seed used.
var rawID = regexp.MustCompile(`s-[0-9a-f]{40}|citizen-\d\d|staff-1`)

func TestNoRawIDs(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("beheerder", adminPW)
	cs := conversations(t, research.Filter{IncludeTest: true})
	pages := []string{"/", "/gesprekken?test=1", "/gesprekken?test=1&pagina=2", "/studie?test=1", "/export?formaat=jsonl&test=1", "/export?formaat=csv&test=1", "/logboek"}
	for _, x := range cs {
		pages = append(pages, "/gesprekken/"+x.Pseudonym+"?test=1")
	}
	for _, p := range pages {
		resp, body := c.get(p)
		wantStatus(t, resp, http.StatusOK, body)
		if m := rawID.FindString(body); m != "" {
			t.Errorf("%s shows a raw id %q", p, m)
		}
	}
}

func TestNewNeedsFiles(t *testing.T) {
	dir := t.TempDir()
	full := Options{AccountsPath: filepath.Join(dir, "a"), ReviewsPath: filepath.Join(dir, "r"), AuditPath: filepath.Join(dir, "l")}
	if _, err := New(nil, full); err == nil {
		t.Errorf("New without a store: no error")
	}
	for _, clear := range []func(*Options){
		func(o *Options) { o.AccountsPath = "" },
		func(o *Options) { o.ReviewsPath = "" },
		func(o *Options) { o.AuditPath = "" },
	} {
		o := full
		clear(&o)
		if _, err := New(shared.db, o); err == nil {
			t.Errorf("New(%+v): no error", o)
		}
	}
	if err := os.WriteFile(full.ReviewsPath, []byte("{kapot"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(shared.db, full); err == nil {
		t.Errorf("New with a damaged reviews file: no error")
	}
}

func TestAccounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db.researchers.json")
	a := OpenAccounts(path)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := a.Add("anna", "kort", false, now); err != ErrWeakPassword {
		t.Fatalf("weak password: err=%v, want ErrWeakPassword", err)
	}
	for _, bad := range []string{"", "an na", "anna/../x", strings.Repeat("a", 65)} {
		if err := a.Add(bad, researcherPW, false, now); err != ErrBadName {
			t.Errorf("Add(%q): err=%v, want ErrBadName", bad, err)
		}
	}
	if err := a.Add("anna", researcherPW, true, now); err != nil {
		t.Fatal(err)
	}
	if err := a.Add("Anna", researcherPW, false, now); err == nil {
		t.Fatalf("duplicate account (other case) accepted")
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("accounts file mode=%v err=%v, want 0600", fi.Mode().Perm(), err)
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte(researcherPW)) || !bytes.Contains(data, []byte(`"$2a$`)) {
		t.Fatalf("accounts file does not hold only a bcrypt hash:\n%s", data)
	}
	if acc, ok, _ := a.check("anna", researcherPW); !ok || !acc.Admin {
		t.Fatalf("check with the right password failed")
	}
	if _, ok, _ := a.check("anna", adminPW); ok {
		t.Fatalf("check with a wrong password passed")
	}
	list, _ := a.List()
	if len(list) != 1 || list[0].Name != "anna" || !list[0].Admin {
		t.Fatalf("List=%+v", list)
	}
	if err := a.Remove("bob"); err == nil {
		t.Fatalf("Remove of no account: no error")
	}
	if err := a.Remove("anna"); err != nil {
		t.Fatal(err)
	}
	if list, _ := a.List(); len(list) != 0 {
		t.Fatalf("after Remove List=%+v", list)
	}
}

func TestParseTags(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" Verwarring ,lange   zinnen, verwarring,,", "lange zinnen|verwarring"},
		{strings.Repeat("x", 50), strings.Repeat("x", 40)},
	} {
		if got := strings.Join(parseTags(tc.in), "|"); got != tc.want {
			t.Errorf("parseTags(%q)=%q, want %q", tc.in, got, tc.want)
		}
	}
}
