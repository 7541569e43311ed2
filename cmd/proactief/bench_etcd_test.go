package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/proactief/proactief/store/etcd/etcdtest"
)

// TestBenchEtcd runs a small bench against a real (embedded, one-member)
// etcd through --store, at two concurrency levels in one run: each level
// names the store, counts every message, checks the counters exactly and
// measures raw conditional puts for the ratio.
func TestBenchEtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an etcd member")
	}
	c := etcdtest.Start(t, 1)
	url := "etcd://" + strings.TrimPrefix(c.Endpoints()[0], "http://") + "?prefix=/bench/"
	// Twice on the same prefix: the counters are checked as differences.
	for range 2 {
		var out, errOut bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		err := run(context.Background(), env, []string{"bench", "--conversations", "20", "--concurrency", "1,4", "--store", url})
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, errOut.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var reps []struct {
			Store          string  `json:"store"`
			Concurrency    int     `json:"concurrency"`
			Conversations  int     `json:"conversations"`
			Messages       int     `json:"messages"`
			MessagesPerSec float64 `json:"messages_per_sec"`
			P95ms          float64 `json:"p95_ms"`
			SessionBytes   int     `json:"avg_session_bytes"`
			Baseline       float64 `json:"baseline_puts_per_sec"`
			Ratio          float64 `json:"ratio"`
			Dropped        *int64  `json:"tallies_dropped"`
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &reps); err != nil {
			t.Fatalf("last line is not the JSON reports: %v\n%s", err, out.String())
		}
		if len(reps) != 2 || reps[0].Concurrency != 1 || reps[1].Concurrency != 4 {
			t.Fatalf("reports %+v, want concurrency 1 and 4", reps)
		}
		for _, rep := range reps {
			if rep.Store != "etcd" || rep.Conversations != 20 || rep.Messages < 20*8 || rep.MessagesPerSec <= 0 || rep.P95ms <= 0 || rep.SessionBytes <= 0 {
				t.Fatalf("report %+v, want etcd, 20 conversations of at least 8 messages, and figures\n%s", rep, out.String())
			}
			if rep.Baseline <= 0 || rep.Ratio <= 0 || rep.Dropped == nil || *rep.Dropped != 0 {
				t.Fatalf("report %+v, want a baseline, a ratio and no dropped counts\n%s", rep, out.String())
			}
		}
		for _, want := range []string{"raw etcd conditional puts/s", "counters             exact", "--- summary"} {
			if !strings.Contains(out.String(), want) {
				t.Fatalf("output lacks %q:\n%s", want, out.String())
			}
		}
	}
}

func TestBenchStoreFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--store", "etcd://127.0.0.1:1", "--open-check"},
		{"bench", "--store", "etcd://127.0.0.1:1", "--db", "x.db"},
	} {
		var out, errOut bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		if err := run(context.Background(), env, args); !errors.Is(err, errUsage) {
			t.Errorf("%v: err=%v, want a usage error", args, err)
		}
	}
}
