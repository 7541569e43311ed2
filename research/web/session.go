package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"sync"
	"time"
)

// Session lifetimes.
const (
	sessionIdle = 30 * time.Minute // signed out after this long without a request
	sessionMax  = 8 * time.Hour    // signed out after this long whatever happens
)

// session is one signed-in researcher.
type session struct {
	name    string
	admin   bool
	csrf    string
	created time.Time
	seen    time.Time
}

// sessions keeps signed-in researchers in memory, keyed by a hash of the
// cookie's random id; a restart signs everybody out.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	now func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, now: now}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: no randomness: " + err.Error()) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// create starts a session and returns the cookie value.
func (s *sessions) create(name string, admin bool) (string, *session) {
	id := randomToken()
	now := s.now()
	ses := &session{name: name, admin: admin, csrf: randomToken(), created: now, seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m { // drop expired sessions now and then
		if s.expired(v, now) {
			delete(s.m, k)
		}
	}
	s.m[hashID(id)] = ses
	return id, ses
}

func (s *sessions) expired(v *session, now time.Time) bool {
	return now.Sub(v.seen) > sessionIdle || now.Sub(v.created) > sessionMax
}

// get returns a copy of the live session of cookie id and marks it used.
func (s *sessions) get(id string) (session, bool) {
	if id == "" {
		return session{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := hashID(id)
	v, ok := s.m[k]
	if !ok {
		return session{}, false
	}
	now := s.now()
	if s.expired(v, now) {
		delete(s.m, k)
		return session{}, false
	}
	v.seen = now
	return *v, true
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, hashID(id))
}

func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// limiter allows at most n events per key within window (a sliding
// window); it is the sign-in rate limit per address and per account.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	hits   map[string][]time.Time
	now    func() time.Time
}

func newLimiter(n int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{n: n, window: window, hits: map[string][]time.Time{}, now: now}
}

// allow records an attempt for key and reports whether it is within the
// limit.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.hits) > 10000 { // bound memory under a flood of keys
		for k, v := range l.hits {
			if len(v) == 0 || now.Sub(v[len(v)-1]) > l.window {
				delete(l.hits, k)
			}
		}
	}
	recent := l.hits[key][:0]
	for _, t := range l.hits[key] {
		if now.Sub(t) < l.window {
			recent = append(recent, t)
		}
	}
	if len(recent) >= l.n {
		l.hits[key] = recent
		return false
	}
	l.hits[key] = append(recent, now)
	return true
}

// count returns how many events key had within the window.
func (l *limiter) count(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	n := 0
	for _, t := range l.hits[key] {
		if now.Sub(t) < l.window {
			n++
		}
	}
	return n
}

// signInDelay is how long a sign-in on an account waits after failed
// recent attempts on it (from any address): nothing up to limit, then
// doubling from half a second up to 8 seconds. The owner, who knows the
// password, waits once; someone guessing waits at every guess.
func signInDelay(failed, limit int) time.Duration {
	if failed < limit {
		return 0
	}
	d := 500 * time.Millisecond << min(failed-limit, 4)
	return min(d, 8*time.Second)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// clientIP is the address the request came from. Headers such as
// X-Forwarded-For are not trusted: they are the client's to choose.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
