package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/proactief/proactief/adapters/telegram/fakeapi"
	"github.com/proactief/proactief/bot/bottest"
)

// TestTelegramServeE2E runs `proactief serve` as a real process against the
// fake Bot API, holds a conversation, kills the process with SIGKILL in the
// middle of an update, starts it again and checks that every answer is
// kept exactly once and that nothing was lost. The adapter runs with its
// default limits (1 message per second per chat), so this takes a while.
func TestTelegramServeE2E(t *testing.T) {
	ts := newTelegramServe(t)
	fake, logs := ts.fake, &ts.logs
	start := func() *exec.Cmd { return ts.start(t) }
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	u := fakeapi.User{ID: 987654321, FirstName: "Eva", LanguageCode: "nl"}
	wait := func(id int64) {
		t.Helper()
		if err := fake.WaitConfirmed(ctx, id); err != nil {
			t.Fatalf("update %d not confirmed: %v\nlogs:\n%s", id, err, logs.String())
		}
	}
	// press answers the last question with buttons and returns the update.
	answered := 0
	press := func() int64 {
		t.Helper()
		msgs := fake.BotMessages(u.ID)
		for i := len(msgs) - 1; i >= 0; i-- {
			if len(msgs[i].Keyboard) == 0 {
				continue
			}
			var choice fakeapi.Button
			for _, row := range msgs[i].Keyboard {
				for _, b := range row {
					_, c, _ := strings.Cut(b.Data, "|")
					if choice.Data == "" && (c == "yes" || c == "3") {
						choice = b
					}
				}
			}
			if choice.Data == "" {
				t.Fatalf("no yes or 3 button under %q", msgs[i].Text)
			}
			if strings.HasSuffix(choice.Data, "|3") {
				answered++
			}
			id, err := fake.Press(u, msgs[i].ID, choice.Text)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		t.Fatal("no question with buttons")
		return 0
	}

	proc := start()
	wait(fake.Text(u, "/start e2e_campagne"))
	wait(press()) // keep answers: yes
	wait(press()) // research: yes
	wait(press()) // first statement
	wait(press()) // second statement

	// Kill -9 while an update is being answered: after its first reply was
	// sent (so it is committed), before it is confirmed.
	before := len(fake.BotMessages(u.ID))
	id := press()
	if _, err := fake.WaitMessages(ctx, u.ID, before+1); err != nil {
		t.Fatal(err)
	}
	if err := proc.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	if fake.Confirmed(id) {
		t.Log("the update was confirmed before the kill; the redelivery path is not exercised this time")
	}
	// A message sent while the bot is down is kept by Telegram.
	down := fake.Text(u, "/help")

	proc = start()
	wait(id)
	wait(down)
	wait(press()) // third statement
	msgs0 := len(fake.BotMessages(u.ID))
	wait(fake.Text(u, "/gegevens"))

	var doc *fakeapi.Document
	for _, m := range fake.BotMessages(u.ID)[msgs0:] {
		if m.Document != nil {
			doc = m.Document
		}
	}
	if doc == nil {
		t.Fatal("no document after /gegevens")
	}
	var data struct {
		Conversation struct {
			Source string `json:"source"`
			Steps  []struct {
				Statement string `json:"statement"`
				Value     int    `json:"value"`
			} `json:"steps"`
		} `json:"conversation"`
	}
	if err := json.Unmarshal(doc.Data, &data); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, s := range data.Conversation.Steps {
		seen[s.Statement]++
		if seen[s.Statement] > 1 {
			t.Fatalf("statement %s answered twice: %+v", s.Statement, data.Conversation.Steps)
		}
		if s.Value != 3 {
			t.Fatalf("statement %s value %d, want 3", s.Statement, s.Value)
		}
	}
	if len(data.Conversation.Steps) != answered {
		t.Fatalf("%d answers kept, want %d: %+v", len(data.Conversation.Steps), answered, data.Conversation.Steps)
	}
	if data.Conversation.Source != "e2e_campagne" {
		t.Fatalf("source = %q, want e2e_campagne", data.Conversation.Source)
	}

	// A graceful stop confirms everything and exits 0.
	if err := proc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\nlogs:\n%s", err, logs.String())
	}
	if n := fake.Pending(); n != 0 {
		t.Fatalf("%d updates unconfirmed after a graceful stop", n)
	}
	l := logs.String()
	if strings.Contains(l, fake.Token) || strings.Contains(l, strings.SplitN(fake.Token, ":", 2)[1]) {
		t.Fatal("the logs contain the bot token")
	}
	if strings.Contains(l, "987654321") {
		t.Fatal("the logs contain the Telegram user id")
	}
}

// TestTelegramCrisisServeE2E runs `proactief serve` on the fake Bot API: a
// citizen in crisis gets 113 and 112, /metrics counts the crisis, and
// neither the logs nor the bbolt file hold the text.
func TestTelegramCrisisServeE2E(t *testing.T) {
	ts := newTelegramServe(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ops := l.Addr().String()
	l.Close()
	cmd := serveCmd(t, ts.dir, &ts.logs, []string{"--db", ts.db}, "TELEGRAM_BOT_TOKEN="+ts.fake.Token, "TELEGRAM_API_URL="+ts.fake.URL, "PROACTIEF_OPS_ADDR="+ops)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	u := fakeapi.User{ID: 113113113, LanguageCode: "nl"}
	say := func(text string) []fakeapi.Message {
		t.Helper()
		before := len(ts.fake.BotMessages(u.ID))
		if err := ts.fake.WaitConfirmed(ctx, ts.fake.Text(u, text)); err != nil {
			t.Fatalf("%q not confirmed: %v\nlogs:\n%s", text, err, ts.logs.String())
		}
		return ts.fake.BotMessages(u.ID)[before:]
	}
	say("/start")
	say("ja")
	say("ja")
	const crisis = "ik zie het niet meer zitten, ik wil niet meer leven"
	var got string
	for _, m := range say(crisis) {
		got += m.Text + "\n"
	}
	for _, want := range []string{"113", "0800-0113", "113.nl", "112"} {
		if !strings.Contains(got, want) {
			t.Fatalf("crisis reply lacks %q:\n%s", want, got)
		}
	}
	var metrics string
	for metrics == "" {
		resp, err := http.Get("http://" + ops + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			metrics = string(b)
		} else if ctx.Err() != nil {
			t.Fatalf("no /metrics: %v", err)
		}
	}
	if !strings.Contains(metrics, `proactief_telegram_intents_total{intent="crisis"} 1`) {
		t.Fatalf("/metrics lacks the crisis counter:\n%s", grepLines(metrics, "intents"))
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	if strings.Contains(ts.logs.String(), "zitten") {
		t.Fatal("the logs hold the crisis text")
	}
	bottest.FileLacks(t, ts.db, "113113113", crisis, "niet meer zitten", "niet meer leven")
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
