package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/proactief/proactief/bot"
)

// handoverSettings documents the handover settings of serve (README:
// "A person when people want one").
var handoverSettings = []struct{ env, help string }{
	{"MATTERMOST_HANDOVER_CHANNEL", "team-name/channel-name where handover and callback cards go; without it a request for a person gets the contact route"},
	{"PROACTIEF_OFFICE_HOURS", "when staff answer handovers, e.g. \"ma-vr 09:00-17:00\" (Europe/Amsterdam), or \"altijd\" (default)"},
	{"PROACTIEF_HANDOVER_WAIT", "how long a handover waits for a worker before a callback is offered (default 10m)"},
	{"PROACTIEF_HANDOVER_WORKER_NAME", "\"ja\" shows the worker's first name to the person (default: not shown)"},
}

// handoverFromEnv reads the handover settings. A desk needs both
// MATTERMOST_URL and MATTERMOST_HANDOVER_CHANNEL.
func handoverFromEnv(env *Env) (bot.HandoverOptions, error) {
	var o bot.HandoverOptions
	channel := strings.TrimSpace(env.Getenv("MATTERMOST_HANDOVER_CHANNEL"))
	if channel != "" {
		team, name, ok := strings.Cut(channel, "/")
		if !ok || team == "" || name == "" || strings.Contains(name, "/") {
			return o, fmt.Errorf("MATTERMOST_HANDOVER_CHANNEL: %q must be team-name/channel-name", channel)
		}
		if env.Getenv("MATTERMOST_URL") == "" {
			return o, fmt.Errorf("MATTERMOST_HANDOVER_CHANNEL is set but MATTERMOST_URL is not")
		}
		o.Desk = true
	}
	hours, err := bot.ParseOfficeHours(env.Getenv("PROACTIEF_OFFICE_HOURS"), nil)
	if err != nil {
		return o, fmt.Errorf("PROACTIEF_OFFICE_HOURS: %w", err)
	}
	o.Hours = hours
	if s := env.Getenv("PROACTIEF_HANDOVER_WAIT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			return o, fmt.Errorf("PROACTIEF_HANDOVER_WAIT: %q is not a duration between 1m and 24h (e.g. 10m)", s)
		}
		o.Wait = d
	}
	switch strings.ToLower(env.Getenv("PROACTIEF_HANDOVER_WORKER_NAME")) {
	case "", "nee", "no", "false", "0":
	case "ja", "yes", "true", "1":
		o.WorkerName = true
	default:
		return o, fmt.Errorf("PROACTIEF_HANDOVER_WORKER_NAME: want ja or nee")
	}
	o.Metrics = newHandoverMetrics()
	return o, nil
}

// handoverMetrics exports handover events to Prometheus.
type handoverMetrics struct {
	events *prometheus.CounterVec
	first  prometheus.Histogram
}

func newHandoverMetrics() *handoverMetrics {
	return &handoverMetrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "proactief", Subsystem: "handover",
			Name: "events_total", Help: "Handover events: requested, taken, closed, stopped, timeout, callback, callback_done, callback_expired, erased, rating."}, []string{"event"}),
		first: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "proactief", Subsystem: "handover",
			Name: "first_reply_seconds", Help: "Time from a person's request to the first reply of a worker.",
			Buckets: []float64{15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 28800}}),
	}
}

func (m *handoverMetrics) Handover(event string)      { m.events.WithLabelValues(event).Inc() }
func (m *handoverMetrics) FirstReply(d time.Duration) { m.first.Observe(d.Seconds()) }

// register adds the metrics to reg.
func (m *handoverMetrics) register(reg prometheus.Registerer) {
	for _, e := range []string{"requested", "taken", "closed", "callback"} {
		m.events.WithLabelValues(e) // present at 0 from the start
	}
	reg.MustRegister(m.events, m.first)
}
