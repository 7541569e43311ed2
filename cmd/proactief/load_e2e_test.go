package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/proactief/proactief/adapters/telegram/fakeapi"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// TestKillUnderLoad runs `proactief serve` against the fake Bot API while
// 30 citizens converse at once (ten messages each), kills it with SIGKILL twice at random
// moments and starts it again each time. At the end, in the bbolt file:
// every citizen's answers are stored once each, in the order given, none
// lost; and in the chats: every message got its replies, and a reply sent
// again after a crash is counted and bounded (at most one repeat of one
// update's replies per citizen and crash).
//
// The adapter keeps its default limits (1 message per second per chat, 30
// per second overall), so the citizens are paced by them.
func TestKillUnderLoad(t *testing.T) {
	ts := newTelegramServe(t)
	fake, db, logs := ts.fake, ts.db, &ts.logs
	var (
		pmu  sync.Mutex
		proc *exec.Cmd
	)
	start := func() {
		cmd := ts.start(t)
		pmu.Lock()
		proc = cmd
		pmu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	defer func() {
		pmu.Lock()
		defer pmu.Unlock()
		if proc.ProcessState == nil {
			proc.Process.Kill()
			proc.Wait()
		}
	}()

	const citizens, kills = 30, 2
	type answer struct {
		statement string
		value     int
	}
	type outcome struct {
		user      fakeapi.User
		answers   []answer // the scale buttons pressed, in order
		updates   int      // messages sent
		repeated  int      // replies sent again after a crash
		repeats   int      // updates whose replies were sent again
		restarts  int      // conversations started again: a crash before consent
		consented bool
		err       error
	}
	results := make([]outcome, citizens)
	start()
	begin := time.Now()

	var wg sync.WaitGroup
	for i := range results {
		results[i].user = fakeapi.User{ID: int64(4_000_000 + i), LanguageCode: []string{"nl", "en"}[i%2]}
		wg.Add(1)
		go func(r *outcome) {
			defer wg.Done()
			r.err = func() error {
				u := r.user
				// send puts an update in, waits until it is done, and
				// returns the bot's messages it brought.
				send := func(put func() (int64, error)) ([]fakeapi.Message, error) {
					before := len(fake.BotMessages(u.ID))
					id, err := put()
					if err != nil {
						return nil, err
					}
					r.updates++
					if err := fake.WaitConfirmed(ctx, id); err != nil {
						return nil, fmt.Errorf("update %d: %w", id, err)
					}
					msgs := fake.BotMessages(u.ID)[before:]
					if len(msgs) == 0 {
						return nil, fmt.Errorf("update %d: no reply (%v after the start)", id, time.Since(begin).Round(time.Millisecond))
					}
					// After a crash the replies of an update are sent again
					// in full, after the part sent before the crash.
					if p := repeatedPrefix(msgs); p > 0 {
						r.repeated += p
						r.repeats++
					}
					return msgs, nil
				}
				msgs, err := send(func() (int64, error) { return fake.Text(u, "/start"), nil })
				// Ten messages each: /start, two consents, seven answers.
				for step := 1; err == nil && step < 10; step++ {
					m, ok := lastKeyboard(msgs)
					if !ok && len(r.answers) == 0 && !r.consented {
						// Before consent a conversation lives only in
						// memory, by design: after a crash the bot knows
						// nothing of it, and the citizen starts again.
						r.restarts++
						msgs, err = send(func() (int64, error) { return fake.Text(u, "/start"), nil })
						continue
					}
					if !ok {
						return fmt.Errorf("the replies to step %d ask nothing", step)
					}
					b := choose(m, step+int(u.ID))
					prompt, choice, _ := strings.Cut(b.Data, "|")
					r.consented = r.consented || prompt == "consent_research" // keep consent is stored
					if st, ok := strings.CutPrefix(prompt, "q:"); ok {
						v, _ := strconv.Atoi(choice)
						r.answers = append(r.answers, answer{st, v})
					}
					msgs, err = send(func() (int64, error) { return fake.Press(u, m.ID, b.Text) })
					// A tap on a conversation the bot lost (before consent)
					// begins it again: the reply asks the first consent
					// question once more.
					if next, ok := lastKeyboard(msgs); err == nil && ok && prompt != "consent_research" && !r.consented && len(r.answers) == 0 {
						if p, _, _ := strings.Cut(next.Keyboard[0][0].Data, "|"); p == "consent_keep" {
							r.restarts++
						}
					}
				}
				return err
			}()
		}(&results[i])
	}

	// Two kills at random moments while the citizens converse.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	killed := 0
	for k := range kills {
		d := time.Duration(2000+rand.IntN(4000)) * time.Millisecond
		select {
		case <-done:
		case <-time.After(d):
			pmu.Lock()
			p := proc
			pmu.Unlock()
			if err := p.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			p.Wait()
			killed++
			t.Logf("kill %d after %v", k+1, time.Since(begin).Round(time.Millisecond))
			start()
		}
	}
	<-done
	if killed != kills {
		t.Fatalf("the conversations ended before %d kills (%d)", kills, killed)
	}
	pmu.Lock()
	p := proc
	pmu.Unlock()
	if err := p.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\nlogs:\n%s", err, logs.String())
	}
	if n := fake.Pending(); n != 0 {
		t.Fatalf("%d updates unconfirmed after a graceful stop", n)
	}

	secret, err := os.ReadFile(db + ".secret")
	if err != nil {
		t.Fatal(err)
	}
	ps := bot.NewPseudonymizer([]byte(strings.TrimSpace(string(secret))))
	store, err := bolt.Open(db, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	updates, repeated, repeats, restarts := 0, 0, 0, 0
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("citizen %d: %v\nlogs:\n%s", r.user.ID, r.err, tail(logs.String(), 4000))
		}
		updates += r.updates
		repeated += r.repeated
		repeats += r.repeats
		restarts += r.restarts
		s, err := store.Get(ctx, ps.Key(bot.Telegram, strconv.FormatInt(r.user.ID, 10)))
		if err != nil {
			t.Fatalf("citizen %d: %v", r.user.ID, err)
		}
		var got []answer
		for _, st := range s.Conv.Steps {
			got = append(got, answer{st.Statement, st.Value})
		}
		if fmt.Sprint(got) != fmt.Sprint(r.answers) {
			t.Fatalf("citizen %d: stored answers %v, sent %v", r.user.ID, got, r.answers)
		}
		if len(got) == 0 || s.Conv.Phase == dialogue.PhaseWelcome {
			t.Fatalf("citizen %d: nothing answered (phase %s)", r.user.ID, s.Conv.Phase)
		}
		if r.restarts == 0 && s.Conv.Turns != r.updates {
			t.Fatalf("citizen %d: %d messages handled, %d sent", r.user.ID, s.Conv.Turns, r.updates)
		}
	}
	// A crash can catch at most one update per citizen between its
	// commit and its confirmation.
	if repeats > kills*citizens {
		t.Fatalf("%d updates answered again, more than %d citizens × %d kills", repeats, citizens, kills)
	}
	t.Logf("%d citizens, %d messages, %d kills in %v: 0 answers lost, 0 applied twice; %d replies sent again (for %d updates); %d conversations started again (crash before consent)",
		citizens, updates, killed, time.Since(begin).Round(time.Millisecond), repeated, repeats, restarts)
}

// repeatedPrefix returns p > 0 when msgs are a part of a reply list sent
// before a crash followed by the whole list sent again: msgs[:p] ==
// msgs[p:2p]. Replies of one update never repeat themselves otherwise.
func repeatedPrefix(msgs []fakeapi.Message) int {
	for p := 1; 2*p <= len(msgs); p++ {
		same := true
		for i := range p {
			if msgs[i].SentText != msgs[p+i].SentText {
				same = false
				break
			}
		}
		if same {
			return p
		}
	}
	return 0
}

// lastKeyboard returns the last of msgs with buttons.
func lastKeyboard(msgs []fakeapi.Message) (fakeapi.Message, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if len(msgs[i].Keyboard) > 0 {
			return msgs[i], true
		}
	}
	return fakeapi.Message{}, false
}

// choose picks a button as a cooperative citizen: yes to consent, an
// answer on the scale varying with seed, else the first (an offer).
func choose(m fakeapi.Message, seed int) fakeapi.Button {
	var all, scale []fakeapi.Button
	for _, row := range m.Keyboard {
		for _, b := range row {
			all = append(all, b)
			_, c, _ := strings.Cut(b.Data, "|")
			if c == "yes" {
				return b
			}
			if len(c) == 1 && c >= "1" && c <= "5" {
				scale = append(scale, b)
			}
		}
	}
	if len(scale) > 0 {
		return scale[seed%len(scale)]
	}
	return all[0]
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
