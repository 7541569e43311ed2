package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

func init() {
	register(command{name: "bench", summary: "measure throughput and latency of simulated conversations (no network)", run: runBench})
}

// benchReport is the last line `proactief bench` prints, one JSON object.
type benchReport struct {
	Store             string  `json:"store,omitempty"` // "etcd"; empty for bbolt
	Conversations     int     `json:"conversations"`
	Messages          int     `json:"messages"`
	MessagesPerSec    float64 `json:"messages_per_sec"`
	P50ms             float64 `json:"p50_ms"`
	P95ms             float64 `json:"p95_ms"`
	P99ms             float64 `json:"p99_ms"`
	PeakRSSMB         float64 `json:"peak_rss_mb"`
	DBBytes           int64   `json:"db_bytes"`
	BaselinePutsPerS  float64 `json:"baseline_puts_per_sec"`
	Ratio             float64 `json:"ratio"`
	SessionBytes      int     `json:"avg_session_bytes"`
	IdleBytesPerConv  float64 `json:"idle_heap_bytes_per_conversation"`
	OpenSessions      int     `json:"open_check_sessions,omitempty"`
	OpenMS            float64 `json:"open_check_open_ms,omitempty"`
	OpenFirstHandleMS float64 `json:"open_check_first_handle_ms,omitempty"`
}

func runBench(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "bench", "bench [--conversations N] [--concurrency C] [--db PATH | --store URL] [--open-check] [--open-sessions N] [--cpuprofile FILE]")
	conversations := fs.Int("conversations", 2000, "simulated conversations")
	concurrency := fs.Int("concurrency", 64, "conversations in flight at once")
	dbPath := fs.String("db", "", "bbolt file to write (default: a temporary file, removed afterwards)")
	storeURL := fs.String("store", "", "store URL to measure instead of --db, e.g. etcd://host:2379?prefix=/bench/ (give it a prefix of its own: the sessions stay there)")
	openCheck := fs.Bool("open-check", false, "also store --open-sessions sessions and time Open plus the first message")
	openSessions := fs.Int("open-sessions", 100000, "sessions stored for --open-check")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the conversations to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *conversations <= 0 || *concurrency <= 0 || *openSessions <= 0 {
		fmt.Fprintln(env.Stderr, "proactief bench: --conversations, --concurrency and --open-sessions must be positive")
		return errUsage
	}
	if *storeURL != "" && (*dbPath != "" || *openCheck) {
		fmt.Fprintln(env.Stderr, "proactief bench: --store replaces --db, and --open-check measures a bbolt file only")
		return errUsage
	}
	dir, err := os.MkdirTemp(benchTempDir(*dbPath), "proactief-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := *dbPath
	if path == "" {
		path = filepath.Join(dir, "bench.db")
	}

	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	rep, err := benchConversationsIn(ctx, env, *storeURL, path, *conversations, *concurrency)
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	kind := "bbolt"
	if rep.Store != "" {
		kind = rep.Store
	}
	fmt.Fprintf(out, "conversations        %d (concurrency %d, durable %s commits)\n", rep.Conversations, *concurrency, kind)
	fmt.Fprintf(out, "messages             %d\n", rep.Messages)
	fmt.Fprintf(out, "throughput           %.0f messages/s\n", rep.MessagesPerSec)
	fmt.Fprintf(out, "latency              p50 %.2f ms, p95 %.2f ms, p99 %.2f ms\n", rep.P50ms, rep.P95ms, rep.P99ms)
	fmt.Fprintf(out, "stored session       %d bytes on average\n", rep.SessionBytes)
	fmt.Fprintf(out, "idle conversation    %.0f bytes of heap each (state is in the store)\n", rep.IdleBytesPerConv)
	if rep.Store != "" {
		// The baseline and the file size are those of a bbolt file.
		rep.PeakRSSMB = peakRSSMB()
		fmt.Fprintf(out, "peak RSS             %.1f MB\n", rep.PeakRSSMB)
		line, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s\n", line)
		return out.Flush()
	}
	fmt.Fprintf(out, "database file        %d bytes\n", rep.DBBytes)

	base, err := bolt.BaselinePuts(filepath.Join(dir, "baseline.db"), rep.Messages, rep.SessionBytes, *concurrency)
	if err != nil {
		return err
	}
	rep.BaselinePutsPerS = base
	rep.Ratio = rep.MessagesPerSec / base
	fmt.Fprintf(out, "baseline             %.0f raw bbolt puts/s (%d bytes, db.Batch, concurrency %d)\n", base, rep.SessionBytes, *concurrency)
	fmt.Fprintf(out, "ratio                %.2f (messages/s over baseline puts/s)\n", rep.Ratio)
	rep.PeakRSSMB = peakRSSMB()
	fmt.Fprintf(out, "peak RSS             %.1f MB\n", rep.PeakRSSMB)

	if *openCheck {
		n, openD, firstD, err := benchOpenCheck(ctx, filepath.Join(dir, "open-check.db"), *openSessions, *concurrency)
		if err != nil {
			return err
		}
		rep.OpenSessions, rep.OpenMS, rep.OpenFirstHandleMS = n, ms(openD), ms(firstD)
		fmt.Fprintf(out, "open check           %d stored sessions: open %.1f ms, first answer after %.1f ms\n", n, ms(openD), ms(openD+firstD))
	}
	line, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n", line)
	return out.Flush()
}

// benchTempDir puts the temporary files next to --db, so that the baseline
// runs on the same file system.
func benchTempDir(dbPath string) string {
	if dbPath == "" {
		return ""
	}
	d := filepath.Dir(dbPath)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return ""
	}
	return d
}

// benchService opens the store at url and wires a service as serve does.
func benchService(ctx context.Context, env *Env, url string, secret []byte) (*bot.Service, bot.Store, error) {
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		return nil, nil, err
	}
	db, _, err := openStoreURL(ctx, env, url)
	if err != nil {
		return nil, nil, err
	}
	return bot.New(db, eng, secret, bot.Options{}), db, nil
}

// parallel calls fn(i, w) for every i in [0, n) on c workers (w is the
// worker's number) and returns the errors joined; it stops early when fn
// fails or ctx ends.
func parallel(ctx context.Context, n, c int, fn func(i, w int) error) error {
	var next atomic.Int64
	errs := make([]error, c)
	var wg sync.WaitGroup
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i, w); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(append(errs, ctx.Err())...)
}

func benchSecret() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return []byte(hex.EncodeToString(b))
}

// benchConversations runs n simulated citizens, c at a time, through the
// real service and the bbolt file path.
func benchConversations(ctx context.Context, path string, n, c int) (benchReport, error) {
	return benchConversationsIn(ctx, nil, "", path, n, c)
}

// benchConversationsIn is benchConversations on the store at storeURL, or
// else on the bbolt file path.
func benchConversationsIn(ctx context.Context, env *Env, storeURL, path string, n, c int) (benchReport, error) {
	secret := benchSecret()
	run := string(secret[:8]) // user ids differ per run, so an existing --db is not resumed
	if storeURL == "" {
		storeURL = "bolt:" + path
	}
	svc, db, err := benchService(ctx, env, storeURL, secret)
	if err != nil {
		return benchReport{}, err
	}
	defer db.Close()
	storeName := "etcd"
	if b, ok := db.(*bolt.DB); ok {
		storeName, path = "", b.Path()
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	lat := make([][]time.Duration, c)
	start := time.Now()
	err = parallel(ctx, n, c, func(i, w int) error {
		return simulateCitizen(ctx, svc, fmt.Sprintf("bench-%s-%d", run, i), i, &lat[w])
	})
	elapsed := time.Since(start)
	if err != nil {
		return benchReport{}, err
	}

	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	rep := benchReport{
		Store:            storeName,
		Conversations:    n,
		Messages:         len(all),
		MessagesPerSec:   float64(len(all)) / elapsed.Seconds(),
		P50ms:            ms(percentile(all, 0.50)),
		P95ms:            ms(percentile(all, 0.95)),
		P99ms:            ms(percentile(all, 0.99)),
		IdleBytesPerConv: (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n),
	}
	if rep.IdleBytesPerConv < 0 {
		rep.IdleBytesPerConv = 0
	}
	// Session size as the store keeps it: bbolt's binary form, or JSON.
	var total, count int
	err = db.Sessions(ctx, func(s *bot.Session) error {
		count++
		if _, ok := db.(*bolt.DB); ok {
			total += len(bolt.EncodeSession(s))
			return nil
		}
		b, err := json.Marshal(s)
		total += len(b)
		return err
	})
	if err != nil {
		return benchReport{}, err
	}
	if count < n {
		return benchReport{}, fmt.Errorf("bench: %d sessions stored, want %d", count, n)
	}
	rep.SessionBytes = total / count
	if err := db.Close(); err != nil {
		return benchReport{}, err
	}
	if fi, err := os.Stat(path); err == nil && storeName == "" {
		rep.DBBytes = fi.Size()
	}
	return rep, nil
}

// timed is a handler that records how long each message takes.
type timed struct {
	h   bot.Handler
	lat *[]time.Duration
}

func (t timed) Handle(ctx context.Context, in bot.Inbound) (bot.Result, error) {
	t0 := time.Now()
	res, err := t.h.Handle(ctx, in)
	*t.lat = append(*t.lat, time.Since(t0))
	if err == nil && len(res.Replies) == 0 {
		err = errors.New("no reply")
	}
	return res, err
}

// simulateCitizen runs one conversation: /start, consent yes and yes, the
// statements with buttons until the offer, and an offer.
func simulateCitizen(ctx context.Context, svc *bot.Service, user string, i int, lat *[]time.Duration) error {
	c := &bottest.Citizen{H: timed{svc, lat}, User: user}
	res, err := c.Say(ctx, "/start")
	if err != nil {
		return fmt.Errorf("bench %s: %w", user, err)
	}
	for _, want := range []string{dialogue.PhaseConsentResearch, dialogue.PhaseProfiling} {
		if res, err = c.Say(ctx, "#yes"); err != nil {
			return fmt.Errorf("bench %s: %w", user, err)
		}
		if res.Phase != want {
			return fmt.Errorf("bench %s: phase %s after consent, want %s", user, res.Phase, want)
		}
	}
	for step := 0; res.Phase == dialogue.PhaseProfiling; step++ {
		if step > 60 {
			return fmt.Errorf("bench %s: profiling did not end", user)
		}
		// Answers vary per citizen, so that every segment and length occurs.
		v := 1 + (i*7+step*(1+i%3))%5
		if res, err = c.Say(ctx, "#"+strconv.Itoa(v)); err != nil {
			return fmt.Errorf("bench %s: %w", user, err)
		}
	}
	offers := []string{"offer_link", "offer_person", "offer_self", "offer_later"}
	if res, err = c.Say(ctx, "#"+offers[i%len(offers)]); err != nil {
		return fmt.Errorf("bench %s: %w", user, err)
	}
	if res.Phase != dialogue.PhaseClosing || !res.Stored {
		return fmt.Errorf("bench %s: phase %s stored %v at the end, want %s stored", user, res.Phase, res.Stored, dialogue.PhaseClosing)
	}
	return nil
}

// benchOpenCheck stores n sessions like the bench's (a template session
// under n pseudonyms), closes the store, and times Open and the first
// message of one of them.
func benchOpenCheck(ctx context.Context, path string, n, c int) (int, time.Duration, time.Duration, error) {
	secret := benchSecret()
	svc, db, err := benchService(ctx, nil, "bolt:"+path, secret)
	if err != nil {
		return 0, 0, 0, err
	}
	var tmplLat []time.Duration
	// A conversation half way: consent given, some statements answered.
	if err := simulateCitizen(ctx, svc, "open-template", 1, &tmplLat); err != nil {
		db.Close()
		return 0, 0, 0, err
	}
	tmpl, err := db.Get(ctx, svc.Pseudonyms().Key(bot.Terminal, "open-template"))
	if err != nil {
		db.Close()
		return 0, 0, 0, err
	}
	err = parallel(ctx, n, c, func(i, _ int) error {
		key := svc.Pseudonyms().Key(bot.Terminal, "open-"+strconv.Itoa(i))
		return db.Update(ctx, key, func(s *bot.Session) error {
			v := s.Version
			*s = *tmpl
			s.Key, s.Version = key, v
			return nil
		})
	})
	if err := errors.Join(err, db.Close()); err != nil {
		return 0, 0, 0, err
	}

	t0 := time.Now()
	svc, db, err = benchService(ctx, nil, "bolt:"+path, secret)
	if err != nil {
		return 0, 0, 0, err
	}
	defer db.Close()
	openD := time.Since(t0)
	t1 := time.Now()
	res, err := svc.Handle(ctx, bot.Inbound{Channel: bot.Terminal, UserID: "open-" + strconv.Itoa(n/2), MessageID: "again", Text: "/start"})
	firstD := time.Since(t1)
	if err != nil {
		return 0, 0, 0, err
	}
	if !res.Stored || res.Phase != tmpl.Conv.Phase {
		return 0, 0, 0, fmt.Errorf("open check: stored conversation not resumed (phase %s, want %s)", res.Phase, tmpl.Conv.Phase)
	}
	sessions, _, err := db.(*bolt.DB).Count()
	if err != nil {
		return 0, 0, 0, err
	}
	if sessions < n {
		return 0, 0, 0, fmt.Errorf("open check: %d sessions stored, want %d", sessions, n)
	}
	return n, openD, firstD, nil
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSSMB reads this process's peak resident set (VmHWM) in MB; 0 when
// /proc is not there.
func peakRSSMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return 0
}
