package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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
	"github.com/proactief/proactief/store/codec"
	"github.com/proactief/proactief/store/etcd"
)

func init() {
	register(command{name: "bench", summary: "measure throughput and latency of simulated conversations (no network)", run: runBench})
}

// benchReport is the last line `proactief bench` prints, one JSON object
// (with several --concurrency levels: a JSON array of them).
type benchReport struct {
	Store             string  `json:"store,omitempty"` // "etcd"; empty for bbolt
	Concurrency       int     `json:"concurrency"`
	Conversations     int     `json:"conversations"`
	Messages          int     `json:"messages"`
	MessagesPerSec    float64 `json:"messages_per_sec"`
	P50ms             float64 `json:"p50_ms"`
	P95ms             float64 `json:"p95_ms"`
	P99ms             float64 `json:"p99_ms"`
	PeakRSSMB         float64 `json:"peak_rss_mb"`
	DBBytes           int64   `json:"db_bytes"`
	BaselinePutsPerS  float64 `json:"baseline_puts_per_sec"`
	BaselineP99ms     float64 `json:"baseline_p99_ms,omitempty"` // etcd only
	Ratio             float64 `json:"ratio"`
	SessionBytes      int     `json:"avg_session_bytes"`
	IdleBytesPerConv  float64 `json:"idle_heap_bytes_per_conversation"`
	TalliesDropped    int64   `json:"tallies_dropped"`
	Load1Before       float64 `json:"load1_before,omitempty"` // 1-minute load average (/proc/loadavg), when known
	Load1After        float64 `json:"load1_after,omitempty"`
	OpenSessions      int     `json:"open_check_sessions,omitempty"`
	OpenMS            float64 `json:"open_check_open_ms,omitempty"`
	OpenFirstHandleMS float64 `json:"open_check_first_handle_ms,omitempty"`
}

func runBench(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "bench", "bench [--conversations N] [--concurrency C[,C...]] [--db PATH | --store URL] [--open-check] [--open-sessions N] [--cpuprofile FILE] [--mutexprofile FILE] [--blockprofile FILE]")
	conversations := fs.Int("conversations", 2000, "simulated conversations (at each concurrency)")
	concurrencyList := fs.String("concurrency", "64", "conversations in flight at once; several, comma-separated (1,8,64,256), run one after the other in this process")
	dbPath := fs.String("db", "", "bbolt file to write (default: a temporary file, removed afterwards)")
	storeURL := fs.String("store", "", "store URL to measure instead of --db, e.g. etcd://host:2379?prefix=/bench/ (give it a prefix of its own: the sessions stay there)")
	openCheck := fs.Bool("open-check", false, "also store --open-sessions sessions and time Open plus the first message")
	openSessions := fs.Int("open-sessions", 100000, "sessions stored for --open-check")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the conversations to this file")
	mutexProfile := fs.String("mutexprofile", "", "write a mutex contention profile of the whole run to this file")
	blockProfile := fs.String("blockprofile", "", "write a blocking profile (time goroutines waited) of the whole run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	levels, err := parseLevels(*concurrencyList)
	if err != nil || *conversations <= 0 || *openSessions <= 0 {
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
		defer pprof.StopCPUProfile()
	}
	if *mutexProfile != "" {
		runtime.SetMutexProfileFraction(5)
		defer runtime.SetMutexProfileFraction(0)
		defer writeProfile("mutex", *mutexProfile)
	}
	if *blockProfile != "" {
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
		defer runtime.SetBlockProfileRate(0)
		defer writeProfile("block", *blockProfile)
	}

	var reps []benchReport
	for _, c := range levels {
		if len(levels) > 1 {
			fmt.Fprintf(out, "--- concurrency %d\n", c)
		}
		rep, err := benchLevel(ctx, env, out, *storeURL, dir, path, *conversations, c)
		if err != nil {
			return err
		}
		if *openCheck && c == levels[len(levels)-1] {
			n, openD, firstD, err := benchOpenCheck(ctx, filepath.Join(dir, "open-check.db"), *openSessions, c)
			if err != nil {
				return err
			}
			rep.OpenSessions, rep.OpenMS, rep.OpenFirstHandleMS = n, ms(openD), ms(firstD)
			fmt.Fprintf(out, "open check           %d stored sessions: open %.1f ms, first answer after %.1f ms\n", n, ms(openD), ms(openD+firstD))
		}
		reps = append(reps, rep)
		out.Flush()
	}
	var line []byte
	if len(reps) == 1 {
		line, err = json.Marshal(reps[0])
	} else {
		printLevels(out, reps)
		line, err = json.Marshal(reps)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n", line)
	return out.Flush()
}

// parseLevels reads --concurrency: positive numbers, comma-separated.
func parseLevels(s string) ([]int, error) {
	var levels []int
	for _, f := range strings.Split(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c <= 0 {
			return nil, fmt.Errorf("concurrency %q", f)
		}
		levels = append(levels, c)
	}
	return levels, nil
}

// printLevels prints the summary table of several concurrency levels and
// how throughput holds up from 8 to 64 when both ran.
func printLevels(out *bufio.Writer, reps []benchReport) {
	fmt.Fprintf(out, "--- summary\n%11s %10s %9s %9s %9s %12s %13s %6s %7s\n", "concurrency", "messages/s", "p50 ms", "p95 ms", "p99 ms", "baseline/s", "base p99 ms", "ratio", "counts")
	at := map[int]float64{}
	for _, r := range reps {
		// A run whose counters were not exact failed before this.
		baseP99 := "-" // bbolt's baseline is measured in batches, not per put
		if r.BaselineP99ms > 0 {
			baseP99 = strconv.FormatFloat(r.BaselineP99ms, 'f', 2, 64)
		}
		fmt.Fprintf(out, "%11d %10.0f %9.2f %9.2f %9.2f %12.0f %13s %6.2f %7s\n", r.Concurrency, r.MessagesPerSec, r.P50ms, r.P95ms, r.P99ms, r.BaselinePutsPerS, baseP99, r.Ratio, "exact")
		at[r.Concurrency] = r.MessagesPerSec
	}
	if at[8] > 0 && at[64] > 0 {
		fmt.Fprintf(out, "throughput at 64 over throughput at 8: %.2f\n", at[64]/at[8])
	}
}

func writeProfile(name, path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup(name).WriteTo(f, 0)
}

// benchLevel runs the conversations at concurrency c and the baseline of
// the same store, and prints the figures.
func benchLevel(ctx context.Context, env *Env, out *bufio.Writer, storeURL, dir, path string, n, c int) (benchReport, error) {
	load := load1()
	rep, err := benchConversationsIn(ctx, env, storeURL, path, n, c)
	if err != nil {
		return rep, err
	}
	rep.Load1Before = load
	kind := "bbolt"
	if rep.Store != "" {
		kind = rep.Store
	}
	fmt.Fprintf(out, "conversations        %d (concurrency %d, durable %s commits)\n", rep.Conversations, c, kind)
	fmt.Fprintf(out, "messages             %d\n", rep.Messages)
	fmt.Fprintf(out, "throughput           %.0f messages/s\n", rep.MessagesPerSec)
	fmt.Fprintf(out, "latency              p50 %.2f ms, p95 %.2f ms, p99 %.2f ms\n", rep.P50ms, rep.P95ms, rep.P99ms)
	fmt.Fprintf(out, "stored session       %d bytes on average\n", rep.SessionBytes)
	fmt.Fprintf(out, "idle conversation    %.0f bytes of heap each (state is in the store)\n", rep.IdleBytesPerConv)
	fmt.Fprintf(out, "counters             exact: every conversation counted once (%d counts dropped)\n", rep.TalliesDropped)
	if rep.Store != "" {
		base, err := benchEtcdBaseline(ctx, env, storeURL, rep.Messages, rep.SessionBytes, c)
		if err != nil {
			return rep, err
		}
		rep.BaselinePutsPerS = base.PerSecond
		rep.BaselineP99ms = ms(base.P99)
		rep.Ratio = rep.MessagesPerSec / base.PerSecond
		fmt.Fprintf(out, "baseline             %.0f raw etcd conditional puts/s, p50 %.2f ms, p99 %.2f ms (%d bytes, one transaction each, concurrency %d)\n", base.PerSecond, ms(base.P50), rep.BaselineP99ms, rep.SessionBytes, c)
	} else {
		fmt.Fprintf(out, "database file        %d bytes\n", rep.DBBytes)
		base, err := bolt.BaselinePuts(filepath.Join(dir, "baseline.db"), rep.Messages, rep.SessionBytes, c)
		if err != nil {
			return rep, err
		}
		rep.BaselinePutsPerS = base
		rep.Ratio = rep.MessagesPerSec / base
		fmt.Fprintf(out, "baseline             %.0f raw bbolt puts/s (%d bytes, db.Batch, concurrency %d)\n", base, rep.SessionBytes, c)
	}
	fmt.Fprintf(out, "ratio                %.2f (messages/s over baseline puts/s)\n", rep.Ratio)
	rep.PeakRSSMB = peakRSSMB()
	fmt.Fprintf(out, "peak RSS             %.1f MB\n", rep.PeakRSSMB)
	if rep.Load1Before > 0 {
		rep.Load1After = load1()
		fmt.Fprintf(out, "load average         %.2f before, %.2f after (1 minute; other work on the machine slows every figure)\n", rep.Load1Before, rep.Load1After)
	}
	return rep, nil
}

// load1 returns the 1-minute load average, 0 when /proc is not there.
func load1() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// benchEtcdBaseline measures raw conditional puts on the etcd store at url.
func benchEtcdBaseline(ctx context.Context, env *Env, url string, n, size, c int) (etcd.Baseline, error) {
	db, _, err := openStoreURL(ctx, env, url)
	if err != nil {
		return etcd.Baseline{}, err
	}
	defer db.Close()
	s, ok := db.(*etcd.Store)
	if !ok {
		return etcd.Baseline{}, fmt.Errorf("bench: %s is not an etcd store", url)
	}
	return s.BaselinePuts(ctx, n, size, c)
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

	// The counters before, so that a prefix or file used before still
	// gives exact differences.
	talliesBefore, err := db.Tallies(ctx)
	if err != nil {
		return benchReport{}, err
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	lat := make([][]time.Duration, c)
	var segments [4]atomic.Int64
	start := time.Now()
	err = parallel(ctx, n, c, func(i, w int) error {
		return simulateCitizen(ctx, timed{svc, &lat[w], &segments}, fmt.Sprintf("bench-%s-%d", run, i), i)
	})
	elapsed := time.Since(start)
	if err != nil {
		return benchReport{}, err
	}
	talliesAfter, err := db.Tallies(ctx)
	if err != nil {
		return benchReport{}, err
	}
	want := map[string]int{"started": n, "started:*": n, "consent_keep_yes": n, "consent_research_yes": n, "completed": n}
	for s := 1; s <= 3; s++ {
		if v := int(segments[s].Load()); v > 0 {
			want[fmt.Sprintf("segment_%d", s)] = v
		}
	}
	if diff := tallyDiff(talliesBefore, talliesAfter); !maps.Equal(diff, want) {
		return benchReport{}, fmt.Errorf("bench: counters changed by %v, want %v", diff, want)
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
		Concurrency:      c,
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
	// Session size as the store keeps it: the binary form of store/codec
	// (etcd puts a 14-byte header with the write's nonce before it).
	var total, count int
	err = db.Sessions(ctx, func(s *bot.Session) error {
		count++
		total += len(codec.Encode(s))
		if _, ok := db.(*etcd.Store); ok {
			total += 14
		}
		return nil
	})
	if err != nil {
		return benchReport{}, err
	}
	if count < n {
		return benchReport{}, fmt.Errorf("bench: %d sessions stored, want %d", count, n)
	}
	rep.SessionBytes = total / count
	if d, ok := db.(bot.TallyDrops); ok {
		rep.TalliesDropped = d.DroppedTallies()
	}
	if err := db.Close(); err != nil {
		return benchReport{}, err
	}
	if fi, err := os.Stat(path); err == nil && storeName == "" {
		rep.DBBytes = fi.Size()
	}
	return rep, nil
}

// tallyDiff returns after minus before for every counter that changed;
// the per-day "started:<day>" counters are summed under "started:*".
func tallyDiff(before, after map[string]int) map[string]int {
	diff := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			if strings.HasPrefix(k, "started:") {
				k = "started:*"
			}
			diff[k] += d
		}
	}
	for k, v := range before {
		if _, ok := after[k]; !ok && v != 0 {
			diff[k] -= v
		}
	}
	return diff
}

// timed is a handler that records how long each message takes, and the
// segments assigned.
type timed struct {
	h        bot.Handler
	lat      *[]time.Duration
	segments *[4]atomic.Int64
}

func (t timed) Handle(ctx context.Context, in bot.Inbound) (bot.Result, error) {
	t0 := time.Now()
	res, err := t.h.Handle(ctx, in)
	*t.lat = append(*t.lat, time.Since(t0))
	if err == nil && len(res.Replies) == 0 {
		err = errors.New("no reply")
	}
	if err == nil && res.Assigned > 0 && res.Assigned < len(t.segments) && !res.Duplicate {
		t.segments[res.Assigned].Add(1)
	}
	return res, err
}

// simulateCitizen runs one conversation through h: /start, consent yes
// and yes, the statements with buttons until the offer, and an offer.
func simulateCitizen(ctx context.Context, h timed, user string, i int) error {
	c := &bottest.Citizen{H: h, User: user}
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
	var segments [4]atomic.Int64
	// A conversation half way: consent given, some statements answered.
	if err := simulateCitizen(ctx, timed{svc, &tmplLat, &segments}, "open-template", 1); err != nil {
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
