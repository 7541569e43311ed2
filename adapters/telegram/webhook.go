package telegram

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Log lines anyone can cause by sending requests are written at most once
// a minute each, with the number refused since the last line; the metric
// webhook_refused_total counts every one.
var refusedLog, undecodableLog sampledLine

// sampledLine lets one log line through per minute and counts the rest.
type sampledLine struct {
	mu   sync.Mutex
	last time.Time
	n    int
}

// due counts an event and reports whether to log it now, with the number
// of events since the last line logged (this one included).
func (s *sampledLine) due(now time.Time) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if !s.last.IsZero() && now.Sub(s.last) < time.Minute {
		return 0, false
	}
	n := s.n
	s.last, s.n = now, 0
	return n, true
}

// maxUpdate is the largest webhook body read.
const maxUpdate = 1 << 20

// WebhookHandler returns the handler for Telegram's webhook requests (mount
// it at the path of Options.WebhookURL). It checks the secret token in
// constant time, handles the update in its chat's order and answers 200
// only once the update is committed and its replies are sent; otherwise
// it answers 503 so that Telegram delivers the update again. It answers
// 503 while Run is not running.
//
// The library's own WebhookHandler is not used: it answers 200 before the
// update is handled.
func (a *Adapter) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if a.opts.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.opts.WebhookSecret)) != 1 {
			a.m.refused.WithLabelValues("secret").Inc()
			if n, ok := refusedLog.due(time.Now()); ok {
				a.log.Warn("webhook request with a wrong secret token refused", "refused_since_last_line", n)
			}
			http.Error(w, "forbidden", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxUpdate+1))
		if err != nil || len(body) > maxUpdate {
			a.m.refused.WithLabelValues("body").Inc()
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		upd := &models.Update{}
		if err := json.Unmarshal(body, upd); err != nil || upd.ID == 0 {
			a.m.refused.WithLabelValues("update").Inc()
			if n, ok := undecodableLog.due(time.Now()); ok {
				a.log.Warn("undecodable webhook update refused", "refused_since_last_line", n)
			}
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if a.run.Load() == nil {
			http.Error(w, "not running", http.StatusServiceUnavailable)
			return
		}
		it := &item{upd: upd, received: time.Now(), result: make(chan bool, 1)}
		if !a.dispatch(it) {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		// The update is handled to the end even if Telegram hangs up.
		if !<-it.result {
			http.Error(w, "not committed, try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
