package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// reviewSeed writes a database with n research conversations (each
// answering three statements) and returns its path.
func reviewSeed(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "proactief.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	svc := bot.New(db, eng, []byte("review-secret-0123456789abcdef"), bot.Options{Now: func() time.Time { return now }})
	for i := range n {
		c := &bottest.Citizen{H: svc, Channel: bot.Telegram, User: fmt.Sprintf("user-%d", i), Clock: func() time.Time { now = now.Add(time.Minute); return now }}
		for _, m := range []string{"/start", "#yes", "ja", "#4", "#2", "#5"} {
			if _, err := c.Say(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}

func reviewEnv(stdin string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}, &out, &errb
}

func TestResearcherCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	ctx := context.Background()
	env, out, _ := reviewEnv("een lang wachtwoord\n")
	if err := run(ctx, env, []string{"researcher", "add", "anna", "--db", db, "--admin"}); err != nil {
		t.Fatalf("add: %v", err)
	}
	env, _, _ = reviewEnv("nog een lang wachtwoord")
	if err := run(ctx, env, []string{"researcher", "--db", db, "add", "bob"}); err != nil {
		t.Fatalf("add without newline: %v", err)
	}
	fi, err := os.Stat(db + ".researchers.json")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("accounts file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	data, _ := os.ReadFile(db + ".researchers.json")
	if bytes.Contains(data, []byte("lang wachtwoord")) {
		t.Fatalf("password stored in clear")
	}
	env, out, _ = reviewEnv("")
	if err := run(ctx, env, []string{"researcher", "list", "--db", db}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !regexp.MustCompile(`(?m)^anna\tadmin\t`).MatchString(got) || !regexp.MustCompile(`(?m)^bob\tresearcher\t`).MatchString(got) {
		t.Fatalf("list:\n%s", got)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		usage bool
	}{
		{"een lang wachtwoord\n", []string{"researcher", "add", "anna", "--db", db}, false}, // exists
		{"kort\n", []string{"researcher", "add", "carla", "--db", db}, false},
		{"", []string{"researcher", "add", "carla", "--db", db}, false}, // no password
		{"", []string{"researcher", "remove", "niemand", "--db", db}, false},
		{"", []string{"researcher", "--db", db}, true},
		{"", []string{"researcher", "add", "--db", db}, true},
		{"", []string{"researcher", "rename", "x", "--db", db}, true},
	} {
		env, _, _ := reviewEnv(tc.stdin)
		err := run(ctx, env, tc.args)
		if err == nil || errors.Is(err, errUsage) != tc.usage {
			t.Errorf("%v: err=%v, want an error (usage=%v)", tc.args, err, tc.usage)
		}
	}
	env, _, _ = reviewEnv("")
	if err := run(ctx, env, []string{"researcher", "remove", "bob", "--db", db}); err != nil {
		t.Fatal(err)
	}
	env, out, _ = reviewEnv("")
	_ = run(ctx, env, []string{"researcher", "list", "--db", db})
	if strings.Contains(out.String(), "bob") {
		t.Fatalf("bob still listed:\n%s", out)
	}
}

// lineWriter sends what is written to it, line by line, on a channel.
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		select {
		case w.lines <- string(w.buf[:i]):
		default:
		}
		w.buf = w.buf[i+1:]
	}
}

func TestReviewCommand(t *testing.T) {
	db := reviewSeed(t, 3)
	before, _ := os.ReadFile(db)
	ctx := context.Background()
	env, _, _ := reviewEnv("een lang wachtwoord\n")
	if err := run(ctx, env, []string{"researcher", "add", "anna", "--db", db}); err != nil {
		t.Fatal(err)
	}

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stderr := &lineWriter{lines: make(chan string, 16)}
	renv := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() { done <- run(rctx, renv, []string{"review", "--db", db, "--addr", "127.0.0.1:0"}) }()
	var base string
	select {
	case line := <-stderr.lines:
		m := regexp.MustCompile(`http://[0-9.:]+`).FindString(line)
		if m == "" {
			t.Fatalf("review printed %q, want its address", line)
		}
		base = m
	case err := <-done:
		t.Fatalf("review stopped: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("review did not start")
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	_, body := get("/gesprekken") // redirected to the sign-in page
	m := csrf.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no sign-in form:\n%s", body)
	}
	resp, err := c.PostForm(base+"/aanmelden", url.Values{"csrf": {m[1]}, "naam": {"anna"}, "wachtwoord": {"een lang wachtwoord"}, "terug": {"/gesprekken"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), ">3 gesprekken</h2>") {
		t.Fatalf("after sign-in: status %d\n%s", resp.StatusCode, b)
	}
	pseudonym := regexp.MustCompile(`/gesprekken/(r-[0-9a-f]+)`).FindStringSubmatch(string(b))[1]
	_, body = get("/gesprekken/" + pseudonym)
	m = csrf.FindStringSubmatch(body)
	resp, err = c.PostForm(base+"/gesprekken/"+pseudonym+"/beoordeling", url.Values{"csrf": {m[1]}, "beoordeeld": {"1"}, "labels": {"eerste"}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("review: %v %v", err, resp.Status)
	}
	resp.Body.Close()

	// A Host other than the loopback names is refused.
	req, _ := http.NewRequest("GET", base+"/aanmelden", nil)
	req.Host = "evil.example"
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("wrong Host: %v %v, want 400", err, resp.Status)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("review: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("review did not stop")
	}
	// Reviews and the audit log are next to the real database, which the
	// page did not touch.
	if data, err := os.ReadFile(db + ".reviews.json"); err != nil || !strings.Contains(string(data), `"eerste"`) {
		t.Fatalf("reviews file: %v\n%s", err, data)
	}
	if data, err := os.ReadFile(auditPath(db)); err != nil || !strings.Contains(string(data), `"view"`) {
		t.Fatalf("audit log: %v\n%s", err, data)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Fatalf("the review page changed the database")
	}
}

func TestReviewServerHosts(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := newReviewServer(db, filepath.Join(dir, "p.db"), "0.0.0.0:8090", nil, nil); err == nil {
		t.Fatalf("a public address without host names: no error")
	}
	srv, err := newReviewServer(db, filepath.Join(dir, "p.db"), "0.0.0.0:8090", []string{"review.example.nl"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
}
