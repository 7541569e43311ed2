package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/proactief/proactief/adapters/telegram/fakeapi"
)

// followupCitizen drives one person on the fake Bot API.
type followupCitizen struct {
	t    *testing.T
	ctx  context.Context
	ts   *telegramServe
	u    fakeapi.User
	logs func() string
}

func (c *followupCitizen) wait(id int64) {
	c.t.Helper()
	if err := c.ts.fake.WaitConfirmed(c.ctx, id); err != nil {
		c.t.Fatalf("update %d not confirmed: %v\nlogs:\n%s", id, err, c.logs())
	}
}

// press taps the button with choice id under the newest message that has
// one, and waits until the update is handled.
func (c *followupCitizen) press(choice string) {
	c.t.Helper()
	msgs := c.ts.fake.BotMessages(c.u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, row := range msgs[i].Keyboard {
			for _, b := range row {
				if strings.HasSuffix(b.Data, "|"+choice) {
					id, err := c.ts.fake.Press(c.u, msgs[i].ID, b.Text)
					if err != nil {
						c.t.Fatal(err)
					}
					c.wait(id)
					return
				}
			}
		}
	}
	c.t.Fatalf("no %q button; bot said: %v", choice, texts(msgs))
}

func (c *followupCitizen) say(text string) { c.t.Helper(); c.wait(c.ts.fake.Text(c.u, text)) }

// followups returns the follow-up messages the person got (their
// buttons go once one is tapped; every tone asks "Is het gelukt?").
func (c *followupCitizen) followups() []fakeapi.Message {
	var out []fakeapi.Message
	for _, m := range c.ts.fake.BotMessages(c.u.ID) {
		if strings.Contains(m.SentText, "Is het gelukt?") {
			out = append(out, m)
		}
	}
	return out
}

// waitFollowups waits until the person got n follow-ups.
func (c *followupCitizen) waitFollowups(n int) fakeapi.Message {
	c.t.Helper()
	for {
		if f := c.followups(); len(f) >= n {
			return f[n-1]
		}
		have := len(c.ts.fake.BotMessages(c.u.ID))
		if _, err := c.ts.fake.WaitMessages(c.ctx, c.u.ID, have+1); err != nil {
			c.t.Fatalf("no follow-up came: %v\nlogs:\n%s", err, c.logs())
		}
	}
}

func texts(ms []fakeapi.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

// toFollowup runs a conversation to the offer and agrees to a follow-up
// at the default moment; it returns when the agreement is handled.
func (c *followupCitizen) toFollowup() (agreed time.Time) {
	c.t.Helper()
	c.say("/start")
	c.press("yes") // keep answers
	c.press("yes") // research
	c.say("/stop") // enough questions: the offer
	c.press("offer_link")
	agreed = time.Now()
	c.press("yes") // a follow-up, at PROACTIEF_FOLLOWUP_AFTER
	return agreed
}

// TestFollowupE2E: with PROACTIEF_FOLLOWUP_AFTER=5s and quiet hours off, a
// citizen who agrees gets exactly one follow-up about five seconds later,
// also when serve is killed with -9 before it is due; answering Gelukt
// records the outcome; a blocked chat is never tried again.
func TestFollowupE2E(t *testing.T) {
	ts := newTelegramServe(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := func() *exec.Cmd {
		cmd := serveCmd(t, ts.dir, &ts.logs, []string{"--db", ts.db},
			"TELEGRAM_BOT_TOKEN="+ts.fake.Token, "TELEGRAM_API_URL="+ts.fake.URL,
			"PROACTIEF_FOLLOWUP_AFTER=5s", "PROACTIEF_QUIET_HOURS=off")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	citizen := func(id int64) *followupCitizen {
		return &followupCitizen{t: t, ctx: ctx, ts: ts, u: fakeapi.User{ID: id, FirstName: "Eva", LanguageCode: "nl"}, logs: ts.logs.String}
	}
	proc := start()

	// 1. Agree, wait: one follow-up, about five seconds later.
	a := citizen(700001)
	agreed := a.toFollowup()
	said := false
	for _, m := range ts.fake.BotMessages(a.u.ID) {
		said = said || strings.Contains(m.Text, "over 5 seconden")
	}
	if !said {
		t.Fatalf("the bot did not say when: %v", texts(ts.fake.BotMessages(a.u.ID)))
	}
	f := a.waitFollowups(1)
	// Telegram dates a message to the second, so "5s" may start up to a
	// second before the tap.
	if d := f.Date.Sub(agreed); d < 4*time.Second || d > 30*time.Second {
		t.Fatalf("the follow-up came %v after agreeing, want about 5s", d)
	}
	if !strings.Contains(f.Text, "gelukt") {
		t.Fatalf("follow-up text %q", f.Text)
	}

	// 2. Agree, kill -9 before it is due, start again: still exactly one.
	b := citizen(700002)
	b.toFollowup()
	if len(b.followups()) != 0 {
		t.Log("the follow-up came before the kill; the restart path is not exercised this time")
	}
	if err := proc.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	proc = start()
	b.waitFollowups(1)

	// 3. A chat that blocked the bot is tried once, never again.
	c := citizen(700003)
	c.toFollowup()
	ts.fake.Block(c.u.ID)
	before := ts.fake.Stats().Forbidden
	if err := ts.fake.WaitForbidden(ctx, before+1); err != nil {
		t.Fatalf("the blocked chat was never tried: %v", err)
	}

	// 4. Gelukt is recorded with the conversation.
	a.press("gelukt")
	n := len(ts.fake.BotMessages(a.u.ID))
	a.say("/gegevens")
	var doc *fakeapi.Document
	for _, m := range ts.fake.BotMessages(a.u.ID)[n:] {
		if m.Document != nil {
			doc = m.Document
		}
	}
	if doc == nil {
		t.Fatal("no document after /gegevens")
	}
	var data struct {
		Conversation struct {
			Followup struct {
				Result  string `json:"result"`
				Pending bool   `json:"pending"`
			} `json:"followup"`
			Consent struct {
				Followup struct {
					Given   bool   `json:"given"`
					Version string `json:"version"`
					Channel string `json:"channel"`
				} `json:"followup"`
			} `json:"consent"`
		} `json:"conversation"`
	}
	if err := json.Unmarshal(doc.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.Conversation.Followup.Result != "gelukt" || data.Conversation.Followup.Pending {
		t.Fatalf("follow-up after Gelukt: %+v", data.Conversation.Followup)
	}
	if d := data.Conversation.Consent.Followup; !d.Given || d.Version == "" || d.Channel != "telegram" {
		t.Fatalf("follow-up consent: %+v", d)
	}

	// Let any second copy arrive before counting: a graceful stop sends
	// what is due and confirms everything.
	if err := proc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\nlogs:\n%s", err, ts.logs.String())
	}
	for _, p := range []*followupCitizen{a, b} {
		if got := len(p.followups()); got != 1 {
			t.Fatalf("citizen %d got %d follow-ups, want exactly 1", p.u.ID, got)
		}
	}
	if got := ts.fake.Stats().Forbidden - before; got != 1 {
		t.Fatalf("the blocked chat was tried %d times, want once", got)
	}
	if strings.Contains(ts.logs.String(), "700001") {
		t.Fatal("the logs contain a Telegram user id")
	}
}
