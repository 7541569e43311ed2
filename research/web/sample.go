package web

import (
	"context"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"
)

// sampler logs the warnings an outsider can cause at will (wrong hosts,
// failed CSRF checks, wrong passwords) at most perMinute times a minute
// per message; the rest are counted, reported with the next line logged,
// and kept in Counts for /metrics.
type sampler struct {
	log *slog.Logger
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*sampled
}

type sampled struct {
	start      time.Time // of the current minute
	logged     int       // lines logged in it
	suppressed int       // not logged since the last line
	total      int64     // every event, logged or not
}

// perMinute is how many lines of one message are logged per minute.
const perMinute = 10

func newSampler(log *slog.Logger, now func() time.Time) *sampler {
	return &sampler{log: log, now: now, m: map[string]*sampled{}}
}

func (s *sampler) warn(msg string, args ...any) { s.emit(slog.LevelWarn, msg, args) }
func (s *sampler) info(msg string, args ...any) { s.emit(slog.LevelInfo, msg, args) }

func (s *sampler) emit(level slog.Level, msg string, args []any) {
	s.mu.Lock()
	e := s.m[msg]
	if e == nil {
		e = &sampled{}
		s.m[msg] = e
	}
	now := s.now()
	e.total++
	if now.Sub(e.start) >= time.Minute {
		e.start, e.logged = now, 0
	}
	if e.logged >= perMinute {
		e.suppressed++
		s.mu.Unlock()
		return
	}
	e.logged++
	if e.suppressed > 0 {
		args = append(args, "suppressed_before", e.suppressed)
		e.suppressed = 0
	}
	s.mu.Unlock()
	s.log.Log(context.Background(), level, msg, args...)
}

// Counts returns how often each sampled message occurred, logged or not.
func (s *sampler) Counts() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.m))
	for k, v := range s.m {
		out[k] = v.total
	}
	return out
}

// Refused returns how often each warning an outsider can cause occurred
// since the start, whether or not it was logged (logging is sampled):
// for the ops listener's /metrics.
func (s *Server) Refused() map[string]int64 { return s.warn.Counts() }

// cut bounds s to max bytes on a rune boundary.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max] + "…"
}
