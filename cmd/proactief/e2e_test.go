package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/proactief/proactief/adapters/telegram/fakeapi"
)

// Helpers shared by the end-to-end tests that run proactief as a real
// process.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// proactiefBinary builds the program once for the end-to-end tests.
func proactiefBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "proactief-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "proactief")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = err
			t.Logf("%s", out)
		}
	})
	if binErr != nil {
		t.Fatalf("build proactief: %v", binErr)
	}
	return binPath
}

// syncBuffer collects a process's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveCmd returns `proactief serve` with the environment every
// end-to-end test needs (HOME in dir, no ops or review listener, JSON logs
// to logs) plus extra variables; args follow "serve".
func serveCmd(t *testing.T, dir string, logs io.Writer, args []string, extra ...string) *exec.Cmd {
	cmd := exec.Command(proactiefBinary(t), append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(),
		"HOME="+dir,
		"PROACTIEF_OPS_ADDR=off",
		"PROACTIEF_REVIEW_ADDR=off",
		"PROACTIEF_LOG_FORMAT=json",
	)
	cmd.Env = append(cmd.Env, extra...)
	cmd.Stderr = logs
	return cmd
}

// skipShort skips an end-to-end test under -short.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
}

// telegramServe is what the Telegram end-to-end tests share: the fake Bot
// API without its rate limits, a bbolt file in a fresh HOME, and the logs
// of every serve process started on them.
type telegramServe struct {
	fake    *fakeapi.Server
	dir, db string
	logs    syncBuffer
}

func newTelegramServe(t *testing.T) *telegramServe {
	skipShort(t)
	fake := fakeapi.New(fakeapi.Options{GlobalRate: -1, ChatRate: -1})
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	return &telegramServe{fake: fake, dir: dir, db: filepath.Join(dir, "p.db")}
}

// start starts `proactief serve` on the fake Bot API and the bbolt file.
func (s *telegramServe) start(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := serveCmd(t, s.dir, &s.logs, []string{"--db", s.db}, "TELEGRAM_BOT_TOKEN="+s.fake.Token, "TELEGRAM_API_URL="+s.fake.URL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}
