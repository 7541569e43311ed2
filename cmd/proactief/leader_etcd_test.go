package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// fakeElector hands out leadership terms that the test can end.
type fakeElector struct {
	lead func(ctx context.Context, name string) (context.Context, func(), error)
}

func (f fakeElector) Lead(ctx context.Context, name string) (context.Context, func(), error) {
	return f.lead(ctx, name)
}

func TestLeaderRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lose := make(chan context.CancelFunc, 4) // ends a term, as a lost lease does
	campaigns, resigns := 0, 0
	el := fakeElector{lead: func(ctx context.Context, name string) (context.Context, func(), error) {
		campaigns++
		if campaigns == 1 {
			return nil, nil, errors.New("etcd unavailable") // tried again
		}
		lctx, end := context.WithCancel(ctx)
		lose <- end
		return lctx, func() { resigns++; end() }, nil
	}}
	reg := prometheus.NewRegistry()
	l := newLeader(el, slog.New(slog.DiscardHandler), reg)
	l.retry = time.Millisecond
	terms := make(chan int, 4)
	n := 0
	job := func(ctx context.Context) error {
		n++
		if got := gathered(t, reg, "proactief_leader"); got != 1 {
			t.Errorf("leader gauge=%v while leading, want 1", got)
		}
		terms <- n
		<-ctx.Done()
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- l.run("job", job)(ctx) }()

	if got := <-terms; got != 1 {
		t.Fatalf("term=%d, want 1", got)
	}
	(<-lose)() // leadership lost: campaign again
	if got := <-terms; got != 2 {
		t.Fatalf("term=%d, want 2", got)
	}
	<-lose
	cancel() // shutting down
	if err := <-done; err != nil {
		t.Fatalf("run=%v, want nil on cancellation", err)
	}
	if campaigns != 3 || resigns != 2 {
		t.Fatalf("campaigns=%d resigns=%d, want 3 and 2", campaigns, resigns)
	}
	if got := gathered(t, reg, "proactief_leader"); got != 0 {
		t.Fatalf("leader gauge=%v after the last term, want 0", got)
	}
}

func TestLeaderRunJobError(t *testing.T) {
	boom := errors.New("token rejected")
	el := fakeElector{lead: func(ctx context.Context, name string) (context.Context, func(), error) {
		return ctx, func() {}, nil
	}}
	l := newLeader(el, nil, prometheus.NewRegistry())
	if err := l.run("job", func(context.Context) error { return boom })(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("run=%v, want the job's error", err)
	}
	// Without an elector the job runs directly.
	direct := newLeader(nil, nil, prometheus.NewRegistry())
	if err := direct.run("job", func(context.Context) error { return boom })(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("run=%v, want the job's error", err)
	}
}

func TestTermMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	var terms termMetrics
	reg.MustRegister(&terms)
	for term := 1; term <= 2; term++ {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "proactief_test_total", Help: "test"})
		if err := terms.next().Register(c); err != nil {
			t.Fatalf("term %d: register: %v", term, err)
		}
		c.Add(float64(term))
		if got := gathered(t, reg, "proactief_test_total"); got != float64(term) {
			t.Fatalf("term %d: counter=%v, want %d (this term's only)", term, got, term)
		}
	}
}

// gathered returns the sum of the values of the metric called name.
func gathered(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return sum
}
