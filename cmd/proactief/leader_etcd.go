package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// elector is what serve needs of a store that several instances share:
// store/etcd's Lead.
type elector interface {
	// Lead blocks until this instance leads the job called name among all
	// instances on the store, or ctx ends. The context it returns ends
	// when the leadership does (resign, ctx, or the lease lost); resign
	// gives the leadership up.
	Lead(ctx context.Context, name string) (lctx context.Context, resign func(), err error)
}

// leader runs the jobs of which one instance at a time may run each: the
// sweeper, the Telegram poller, the Mattermost listener.
type leader struct {
	el      elector // nil: this is the only instance; jobs run directly
	log     *slog.Logger
	leading *prometheus.GaugeVec
	// retry is the pause after a failed campaign or a term that ended
	// while ctx did not; 0 means 1 second.
	retry time.Duration
}

// newLeader returns a leader over el (nil for a store of one instance)
// that reports proactief_leader{job} to reg.
func newLeader(el elector, log *slog.Logger, reg prometheus.Registerer) *leader {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "proactief_leader",
		Help: "1 while this instance runs the job (sweeper, telegram, mattermost), 0 while another instance does.",
	}, []string{"job"})
	reg.MustRegister(g)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &leader{el: el, log: log, leading: g, retry: time.Second}
}

// run returns job wrapped so that it runs only while this instance leads
// name: it campaigns, runs job under the leadership's context, and when
// the leadership is lost before ctx ends (this instance lost contact with
// the store for the lease's TTL) it campaigns again. An error of job ends
// the wrapper with that error, as if job ran directly; so does nothing
// else: a failed campaign is logged and tried again. With no elector job
// runs directly.
//
// A job that cannot be run twice (an adapter's Run) is made anew for each
// term by job itself.
func (l *leader) run(name string, job func(context.Context) error) func(context.Context) error {
	if l.el == nil {
		return func(ctx context.Context) error {
			l.leading.WithLabelValues(name).Set(1)
			return job(ctx)
		}
	}
	return func(ctx context.Context) error {
		g := l.leading.WithLabelValues(name)
		g.Set(0)
		for ctx.Err() == nil {
			lctx, resign, err := l.el.Lead(ctx, name)
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				l.log.Warn("campaign failed; trying again", "job", name, "err", err)
				l.pause(ctx)
				continue
			}
			l.log.Info("leading", "job", name)
			g.Set(1)
			err = job(lctx)
			lost := ctx.Err() == nil && lctx.Err() != nil
			g.Set(0)
			resign()
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				break
			}
			if lost {
				l.log.Warn("leadership lost; campaigning again", "job", name)
			} else {
				l.log.Warn("job stopped while leading; campaigning again", "job", name)
			}
			l.pause(ctx)
		}
		return nil
	}
}

func (l *leader) pause(ctx context.Context) {
	d := l.retry
	if d <= 0 {
		d = time.Second
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// termMetrics holds the metrics of the current leadership term of a job
// whose adapter is made anew for each term (and registers its metrics
// anew): register it once, and give each term's adapter next() as its
// Registerer. A term's counters start at zero, as after a restart.
type termMetrics struct {
	mu  sync.Mutex
	cur []prometheus.Collector
}

var (
	_ prometheus.Collector  = (*termMetrics)(nil)
	_ prometheus.Registerer = (*termRegisterer)(nil)
)

// next forgets the previous term's metrics and returns the Registerer of
// the next term's.
func (t *termMetrics) next() prometheus.Registerer {
	t.mu.Lock()
	t.cur = nil
	t.mu.Unlock()
	return (*termRegisterer)(t)
}

// Describe implements prometheus.Collector: it describes nothing, so the
// registry does not check the term's metrics ahead.
func (t *termMetrics) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector.
func (t *termMetrics) Collect(ch chan<- prometheus.Metric) {
	t.mu.Lock()
	cur := append([]prometheus.Collector(nil), t.cur...)
	t.mu.Unlock()
	for _, c := range cur {
		c.Collect(ch)
	}
}

// termRegisterer registers collectors into the current term.
type termRegisterer termMetrics

func (r *termRegisterer) Register(c prometheus.Collector) error {
	r.mu.Lock()
	r.cur = append(r.cur, c)
	r.mu.Unlock()
	return nil
}

func (r *termRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		r.Register(c)
	}
}

func (r *termRegisterer) Unregister(c prometheus.Collector) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.cur {
		if x == c {
			r.cur = append(r.cur[:i], r.cur[i+1:]...)
			return true
		}
	}
	return false
}

// termReady is the readiness of a job that runs under a leader: ready
// while it stands by (another instance does the work, and this one can
// take over), the job's own readiness while it leads.
type termReady struct {
	mu    sync.Mutex
	ready func() bool // nil while standing by
}

func (t *termReady) set(ready func() bool) {
	t.mu.Lock()
	t.ready = ready
	t.mu.Unlock()
}

func (t *termReady) get() bool {
	t.mu.Lock()
	r := t.ready
	t.mu.Unlock()
	return r == nil || r()
}
