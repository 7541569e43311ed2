package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBench runs a small bench in-process: the last line is the JSON
// report, with every field the figures need.
func TestBench(t *testing.T) {
	var out, errOut bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	db := filepath.Join(t.TempDir(), "bench.db")
	err := run(context.Background(), env, []string{"bench", "--conversations", "20", "--concurrency", "4", "--db", db, "--open-check", "--open-sessions", "300"})
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var rep map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("last line is not the JSON report: %v\n%s", err, out.String())
	}
	for _, k := range []string{"conversations", "messages", "messages_per_sec", "p50_ms", "p95_ms", "p99_ms",
		"peak_rss_mb", "db_bytes", "baseline_puts_per_sec", "ratio", "open_check_sessions"} {
		if rep[k] <= 0 {
			t.Errorf("%s=%v, want > 0", k, rep[k])
		}
	}
	if rep["conversations"] != 20 || rep["messages"] < 20*8 {
		t.Errorf("conversations=%v messages=%v, want 20 and at least 8 messages each", rep["conversations"], rep["messages"])
	}
	if rep["open_check_sessions"] != 300 {
		t.Errorf("open_check_sessions=%v, want 300", rep["open_check_sessions"])
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("--db file: %v", err)
	}
}

func TestBenchFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	for _, args := range [][]string{
		{"bench", "--conversations", "0"},
		{"bench", "--concurrency", "0"},
		{"bench", "--concurrency", "8,x"},
		{"bench", "--concurrency", "8,,64"},
	} {
		if err := run(context.Background(), env, args); !errors.Is(err, errUsage) {
			t.Fatalf("%v: err=%v, want a usage error", args, err)
		}
	}
}
