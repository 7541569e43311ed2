package mattermost

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	messages   *prometheus.CounterVec
	intents    *prometheus.CounterVec
	sends      *prometheus.CounterVec
	reconnects prometheus.Counter
	connected  prometheus.Gauge
	handle     prometheus.Histogram
	catchUp    prometheus.Histogram
	desk       *prometheus.CounterVec
}

// newMetrics makes the adapter's metrics and registers them with reg, if
// any. A metric registered before (a second adapter) is shared.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proactief_mattermost_messages_total",
			Help: "Messages from Mattermost by outcome: handled, duplicate, refused (not allowed), unavailable (handler failed), forged (bad button signature).",
		}, []string{"result"}),
		intents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proactief_mattermost_intents_total",
			Help: "Messages by what they meant besides an answer (crisis, urgent, person, explain, privacy, stop, later, angry, offtopic). Only this count is kept of a crisis.",
		}, []string{"intent"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proactief_mattermost_sends_total",
			Help: "Attempts to post a reply by outcome: ok, retry, failed (given up).",
		}, []string{"result"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "proactief_mattermost_reconnects_total",
			Help: "Websocket connections lost and retried.",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "proactief_mattermost_connected",
			Help: "1 while the websocket is connected.",
		}),
		handle: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "proactief_mattermost_handle_seconds",
			Help:    "Time the handler took per message, commit included.",
			Buckets: prometheus.DefBuckets,
		}),
		catchUp: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "proactief_mattermost_catchup_seconds",
			Help:    "Time spent fetching missed posts after a (re)connect.",
			Buckets: prometheus.DefBuckets,
		}),
		desk: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proactief_mattermost_desk_total",
			Help: "Handover desk activity: card, relayed (citizen message posted), file, erased; workers' events applied: taken, reply, closed, callback_done; unknown (a card the bot does not know), failed (an event not applied).",
		}, []string{"event"}),
	}
	if reg == nil {
		return m
	}
	m.messages = register(reg, m.messages)
	m.intents = register(reg, m.intents)
	m.sends = register(reg, m.sends)
	m.reconnects = register(reg, m.reconnects)
	m.connected = register(reg, m.connected)
	m.handle = register(reg, m.handle)
	m.catchUp = register(reg, m.catchUp)
	m.desk = register(reg, m.desk)
	return m
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
