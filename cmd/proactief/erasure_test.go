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
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/research"
	"github.com/proactief/proactief/store/bolt"
)

// reviewProc is an in-process "proactief review" and a signed-in browser.
type reviewProc struct {
	t      *testing.T
	base   string
	c      *http.Client
	done   chan error
	cancel func()
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func startReview(t *testing.T, db, name, password string) *reviewProc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &lineWriter{lines: make(chan string, 64)}
	renv := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Getenv: func(string) string { return "" }}
	p := &reviewProc{t: t, done: make(chan error, 1), cancel: cancel}
	go func() { p.done <- run(ctx, renv, []string{"review", "--db", db, "--addr", "127.0.0.1:0"}) }()
	for p.base == "" {
		select {
		case line := <-stderr.lines:
			p.base = regexp.MustCompile(`http://[0-9.:]+`).FindString(line)
		case err := <-p.done:
			t.Fatalf("review stopped: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("review did not start")
		}
	}
	jar, _ := cookiejar.New(nil)
	p.c = &http.Client{Jar: jar}
	_, body := p.get("/aanmelden")
	m := csrfPattern.FindStringSubmatch(body)
	resp, err := p.c.PostForm(p.base+"/aanmelden", url.Values{"csrf": {m[1]}, "naam": {name}, "wachtwoord": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return p
}

func (p *reviewProc) get(path string) (int, string) {
	p.t.Helper()
	resp, err := p.c.Get(p.base + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *reviewProc) post(path string, form url.Values) int {
	p.t.Helper()
	_, body := p.get(strings.SplitN(path, "/beoordeling", 2)[0])
	m := csrfPattern.FindStringSubmatch(body)
	if m == nil {
		p.t.Fatalf("no form on %s", path)
	}
	form.Set("csrf", m[1])
	resp, err := p.c.PostForm(p.base+path, form)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (p *reviewProc) stop() {
	p.t.Helper()
	p.cancel()
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Fatalf("review: %v", err)
		}
	case <-time.After(20 * time.Second):
		p.t.Fatal("review did not stop")
	}
}

// allFiles returns every regular file under dir.
func allFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestErasureReachesEveryFile: after /vergeet no file the program wrote
// (database, reviews, audit log, review snapshots, an export made
// afterwards) holds the person's pseudonym, text, tags or notes, and a
// running review page stops showing them within one snapshot period.
func TestErasureReachesEveryFile(t *testing.T) {
	dir := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where review snapshots would be
	old := snapshotEvery
	snapshotEvery = 50 * time.Millisecond
	defer func() { snapshotEvery = old }()
	db := filepath.Join(dir, "proactief.db")
	ctx := context.Background()
	env, _, _ := researchEnv(map[string]string{"HOME": dir})
	svc, _, _, closeFn, err := openService(ctx, env, db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if closeFn != nil {
			closeFn()
		}
	}()
	const typed = "de waterrekening xqzzy blijft maar komen"
	talk := func(user string, msgs ...string) *bottest.Citizen {
		c := &bottest.Citizen{H: svc, Channel: bot.Telegram, User: user}
		for _, m := range msgs {
			if _, err := c.Say(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	gone := talk("111", "/start", "#yes", "#yes", typed, "#4", "#2")
	talk("222", "/start", "#yes", "#yes", "#5", "#1")
	goneP := svc.Pseudonyms().Research(bot.Telegram, "111")
	keptP := svc.Pseudonyms().Research(bot.Telegram, "222")

	renv, _, _ := reviewEnv("een lang wachtwoord\n")
	if err := run(ctx, renv, []string{"researcher", "add", "anna", "--db", db, "--admin"}); err != nil {
		t.Fatal(err)
	}
	rv := startReview(t, db, "anna", "een lang wachtwoord")
	const tag, note = "tagxqzzy", "ze schrijft over de waterrekening xqzzy"
	for p, n := range map[string][2]string{goneP: {tag, note}, keptP: {"anders", "een andere notitie"}} {
		if code := rv.post("/gesprekken/"+p+"/beoordeling", url.Values{"beoordeeld": {"1"}, "labels": {n[0]}, "notitie": {n[1]}}); code != http.StatusOK {
			t.Fatalf("review of %s: status %d", p, code)
		}
	}
	if _, body := rv.get("/export?formaat=jsonl"); !strings.Contains(body, "xqzzy") {
		t.Fatalf("web export before the erasure lacks the typed text")
	}

	// The person erases everything.
	if _, err := gone.Say(ctx, "/vergeet"); err != nil {
		t.Fatal(err)
	}
	res, err := gone.Say(ctx, "#yes")
	if err != nil {
		t.Fatal(err)
	}
	if res.Stored {
		t.Fatal("session still stored after /vergeet")
	}

	// The running review page stops showing it (within a snapshot period;
	// waited for, not timed).
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, list := rv.get("/gesprekken")
		_, export := rv.get("/export?formaat=jsonl")
		if !strings.Contains(list, goneP) && !strings.Contains(export, "xqzzy") {
			if !strings.Contains(list, keptP) {
				t.Fatalf("the other conversation vanished too")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the review page still shows the erased conversation after 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _ := rv.get("/gesprekken/" + goneP); code != http.StatusNotFound {
		t.Fatalf("erased transcript: status %d, want 404", code)
	}
	rv.stop()
	closeFn()
	closeFn = nil

	out := filepath.Join(dir, "export-after.jsonl")
	eenv, _, _ := researchEnv(map[string]string{"USER": "anna"})
	if err := run(ctx, eenv, []string{"export", "--db", db, "--out", out}); err != nil {
		t.Fatal(err)
	}
	files := append(allFiles(t, dir), allFiles(t, tmp)...)
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
		bottest.FileLacks(t, f, goneP, "xqzzy", "waterrekening", tag, note)
	}
	t.Logf("scanned %s", strings.Join(names, ", "))
	if len(allFiles(t, tmp)) != 0 {
		t.Errorf("review left files in the temporary folder: %v", allFiles(t, tmp))
	}
	// What was not erased stays: the other person's review and the log's
	// record of who did what.
	reviews, _ := os.ReadFile(db + ".reviews.json")
	if !bytes.Contains(reviews, []byte(keptP)) || !bytes.Contains(reviews, []byte("een andere notitie")) {
		t.Fatalf("reviews after the erasure:\n%s", reviews)
	}
	audit, _ := os.ReadFile(auditPath(db))
	if !bytes.Contains(audit, []byte(`"detail":"[gewist]"`)) || !bytes.Contains(audit, []byte(`"action":"erasure"`)) || !bytes.Contains(audit, []byte(keptP)) {
		t.Fatalf("audit log after the erasure:\n%s", audit)
	}
}

// TestReviewKill9LeavesNoCopy: the review page's copy of the database is
// unlinked as soon as it is open, so a kill -9 leaves nothing behind.
func TestReviewKill9LeavesNoCopy(t *testing.T) {
	db := reviewSeed(t, 2)
	tmp := t.TempDir()
	cmd := exec.Command(proactiefBinary(t), "review", "--db", db, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "TMPDIR="+tmp)
	stderr := &lineWriter{lines: make(chan string, 16)}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for started := false; !started; {
		select {
		case line := <-stderr.lines:
			started = strings.Contains(line, "http://")
		case <-time.After(30 * time.Second):
			t.Fatal("review did not start")
		}
	}
	if files := allFiles(t, tmp); len(files) != 0 {
		t.Fatalf("copies on disk while review runs: %v", files)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if files := allFiles(t, tmp); len(files) != 0 {
		t.Fatalf("copies left after kill -9: %v", files)
	}
}

// TestSecretChecks: a missing secret beside a database with data, a
// secret of another database and a secret others may read are refused,
// and nothing is generated or written meanwhile.
func TestSecretChecks(t *testing.T) {
	ctx := context.Background()
	db := researchSeed(t)
	secret := db + ".secret"
	env, _, _ := researchEnv(map[string]string{"HOME": t.TempDir()})

	// Missing: refused, not regenerated.
	if err := os.Rename(secret, secret+".away"); err != nil {
		t.Fatal(err)
	}
	_, _, _, _, err := openService(ctx, env, db)
	if !errors.Is(err, errSecretMissing) {
		t.Fatalf("missing secret beside data: err=%v, want errSecretMissing", err)
	}
	if _, err := os.Stat(secret); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a new secret was generated: %v", err)
	}

	// Another secret: refused.
	other := filepath.Join(t.TempDir(), "other.secret")
	if err := os.WriteFile(other, []byte("een heel ander geheim van genoeg tekens\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	envOther, _, _ := researchEnv(map[string]string{"HOME": t.TempDir(), "PROACTIEF_SECRET_FILE": other})
	if _, _, _, _, err := openService(ctx, envOther, db); !errors.Is(err, errSecretMismatch) {
		t.Fatalf("another secret: err=%v, want errSecretMismatch", err)
	}

	// Readable by others: refused with the fix in the message.
	if err := os.Rename(secret+".away", secret); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, _, _, err = openService(ctx, env, db)
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+secret) {
		t.Fatalf("world-readable secret: err=%v, want a refusal naming chmod 600", err)
	}
	if err := os.Chmod(secret, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, _, _, err = openService(ctx, env, db); err == nil {
		t.Fatalf("group-readable secret accepted")
	}

	// The right secret, mode 0600: accepted.
	if err := os.Chmod(secret, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, _, closeFn, err := openService(ctx, env, db)
	if err != nil {
		t.Fatalf("the database's own secret: %v", err)
	}
	closeFn()

	// An empty database gets a new secret, as before.
	fresh := filepath.Join(t.TempDir(), "new.db")
	_, _, _, closeFn, err = openService(ctx, env, fresh)
	if err != nil {
		t.Fatalf("new database: %v", err)
	}
	closeFn()
	if fi, err := os.Stat(fresh + ".secret"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new secret: %v", err)
	}
}

// TestCommandErrors: what a new user meets first says what is wrong in
// their own terms.
func TestCommandErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		vars map[string]string
		want string
		not  []string
	}{
		{"directory as --db", []string{"chat", "--db", dir}, nil, "is a directory", []string{"PROACTIEF_STORE", "damaged"}},
		{"chat --lang de", []string{"chat", "--db", filepath.Join(dir, "x.db"), "--lang", "de"}, nil, "nl, en", nil},
		{"serve without a channel", []string{"serve", "--db", filepath.Join(dir, "serve.db")}, nil, "no channel configured", nil},
		{"export over a file", []string{"export", "--db", researchSeed(t), "--out", filepath.Join(dir, "exists.jsonl")}, nil, "--force", nil},
	}
	if err := os.WriteFile(filepath.Join(dir, "exists.jsonl"), []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		env, _, errb := researchEnv(tc.vars)
		err := run(ctx, env, tc.args)
		if err == nil || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%s: err=%v, stderr %q, want it to say %q", tc.name, err, errb, tc.want)
		}
		for _, n := range tc.not {
			if strings.Contains(errb.String(), n) {
				t.Errorf("%s: stderr %q says %q", tc.name, errb, n)
			}
		}
	}
	// Nothing was created for the refused commands.
	for _, f := range []string{"x.db", "x.db.secret", "serve.db", "serve.db.secret"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was created: %v", f, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "exists.jsonl")); string(data) != "keep me\n" {
		t.Errorf("export overwrote an existing file without --force")
	}
}

// TestDamagedPageEveryCommand: a database with one damaged page in the
// middle gives every command the same clean error, and none writes to it.
func TestDamagedPageEveryCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "proactief.db")
	st, err := bolt.Open(db, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 400 {
		err := st.Update(context.Background(), fmt.Sprintf("s-%04d", i), func(s *bot.Session) error {
			s.Conv.Consent.Keep = &dialogue.Decision{Given: true}
			s.Conv.Updated = time.Now()
			s.Conv.Steps = make([]dialogue.Step, 20)
			s.Research = fmt.Sprintf("r-%04d", i)
			for j := range 5 {
				s.ResearchOut = append(s.ResearchOut, bot.ResearchTurn{Pseudonym: s.Research, Seq: j, Day: bot.Day(time.Now()), From: "citizen", Text: "some research text"})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5, 0x5A, 0xFF, 0x13}, 1024), fi.Size()/2/4096*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()
	before, _ := os.ReadFile(db)
	if err := os.WriteFile(db+".secret", []byte("review-secret-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, args := range [][]string{
		{"chat", "--db", db},
		{"export", "--db", db},
		{"report", "--db", db},
		{"serve", "--db", db},
		{"review", "--db", db, "--addr", "127.0.0.1:0"},
	} {
		env, _, errb := researchEnv(map[string]string{"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_URL": "http://127.0.0.1:1", "PROACTIEF_OPS_ADDR": "off", "PROACTIEF_REVIEW_ADDR": "off"})
		env.Stdin = strings.NewReader("hallo\n")
		err := run(ctx, env, args)
		if err == nil || !strings.Contains(errb.String(), "is damaged or not a proactief database") {
			t.Errorf("%s: err=%v, stderr %q; want the damaged-database error", args[0], err, errb)
		}
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Fatal("a command wrote to the damaged database")
	}
}

// TestServeStoreCorrects: the store serve hands the review page still
// corrects research records in place (the erasure wrapper passes it on).
func TestServeStoreCorrects(t *testing.T) {
	db := researchSeed(t)
	env, _, _ := researchEnv(map[string]string{"HOME": t.TempDir()})
	ctx := context.Background()
	svc, _, _, closeFn, err := openService(ctx, env, db)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	c, ok := svc.Store().(research.Corrector)
	if !ok {
		t.Fatal("serve's store is no research.Corrector")
	}
	var first bot.ResearchTurn
	errStop := errors.New("stop")
	svc.Store().Research(ctx, func(tr bot.ResearchTurn) error { first = tr; return errStop })
	err = c.CorrectResearch(ctx, first.Pseudonym, first.Seq, func(s string) (string, error) { return s + " [NAAM]", nil })
	if err != nil {
		t.Fatalf("CorrectResearch through serve's store: %v", err)
	}
}
