package telegram

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the adapter's Prometheus collectors. They exist whether or
// not they are registered, so the code never checks for nil.
type metrics struct {
	received   *prometheus.CounterVec   // kind
	handled    *prometheus.CounterVec   // outcome
	duplicates prometheus.Counter       //
	latency    prometheus.Histogram     // update received -> last reply sent
	sent       *prometheus.CounterVec   // method
	sendErrors *prometheus.CounterVec   // kind
	throttled  prometheus.Counter       // 429 answers
	phases     *prometheus.CounterVec   // phase after a step
	segments   *prometheus.CounterVec   // segment assigned when the statements end
	intents    *prometheus.CounterVec   // what the understanding step heard (crisis, urgent, ...)
	inFlight   prometheus.Gauge         //
	unacked    prometheus.Gauge         //
	requests   *prometheus.HistogramVec // method
	relayed    prometheus.Counter       // replies delivered from the outbox
	refused    *prometheus.CounterVec   // webhook requests refused, by reason
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "proactief", "telegram"
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "updates_received_total", Help: "Updates received from Telegram, by kind (message, callback, group, other)."}, []string{"kind"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "updates_handled_total", Help: "Updates finished, by outcome (ok, duplicate, unavailable, error, panic, refused_group, invalid_callback, answered_callback, ignored)."}, []string{"outcome"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "duplicates_total", Help: "Redelivered updates recognised by the store; their replies were sent again."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "reply_latency_seconds", Help: "Time from receiving an update to its last reply being sent.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "sent_total", Help: "Successful Bot API calls that send or change messages, by method."}, []string{"method"}),
		sendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "send_errors_total", Help: "Failed Bot API calls, by kind (too_many_requests, server, network, timeout, bad_response, forbidden, bad_request, other)."}, []string{"kind"}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "too_many_requests_total", Help: "429 answers from the Bot API."}),
		phases: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "steps_total", Help: "Conversation steps, by the conversation's state after the step."}, []string{"phase"}),
		segments: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "segments_assigned_total", Help: "Conversations whose statements ended, by the segment inferred (1, 2, 3)."}, []string{"segment"}),
		intents: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "intents_total", Help: "Messages by what they meant besides an answer (crisis, urgent, person, explain, privacy, stop, later, angry, offtopic). Only this count is kept of a crisis."}, []string{"intent"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "updates_in_flight", Help: "Updates being handled now."}),
		unacked: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "updates_unconfirmed", Help: "Updates received and not yet confirmed to Telegram."}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "request_seconds", Help: "Bot API request durations, by method.",
			Buckets: prometheus.DefBuckets}, []string{"method"}),
		relayed: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "relayed_total", Help: "Messages from the outbox (a worker's replies) delivered to chats."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "webhook_refused_total", Help: "Webhook requests refused, by reason (secret, body, update); their log lines are sampled, these counts are not."}, []string{"reason"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.received, m.handled, m.duplicates, m.latency, m.sent, m.sendErrors, m.throttled, m.phases, m.segments, m.intents, m.inFlight, m.unacked, m.requests, m.relayed, m.refused} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register telegram metrics: %w", err)
		}
	}
	return m, nil
}
