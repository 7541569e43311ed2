package telegram_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/proactief/proactief/adapters/telegram"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestWebhookFloodLogsSampled: thousands of requests with a wrong secret
// write at most one log line a minute, and /metrics counts every one.
func TestWebhookFloodLogsSampled(t *testing.T) {
	svc, db := newService(t, t.TempDir())
	defer db.Close()
	var logged lockedBuffer
	reg := prometheus.NewRegistry()
	a, err := telegram.New("123:abc", svc, telegram.Options{APIURL: "http://127.0.0.1:1", WebhookURL: "https://bot.example/hook", WebhookSecret: "s3cret-token_1",
		Registerer: reg, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := a.WebhookHandler()
	for range 3000 {
		req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(`{"update_id":1}`))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "wrong")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("status=%d, want 401", rec.Code)
		}
	}
	if n := strings.Count(logged.b.String(), "wrong secret token"); n > 1 {
		t.Fatalf("%d log lines for 3000 refused requests within a minute, want at most 1", n)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for _, mf := range mfs {
		if mf.GetName() == "proactief_telegram_webhook_refused_total" {
			for _, m := range mf.GetMetric() {
				got += m.GetCounter().GetValue()
			}
		}
	}
	if got != 3000 {
		t.Fatalf("webhook_refused_total=%v, want 3000", got)
	}
}
