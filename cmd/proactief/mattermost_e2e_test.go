package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/adapters/mattermost/fakemm"
)

// TestMattermostServeE2E runs `proactief serve` as a real process against
// the fake Mattermost server, holds a staff conversation by direct
// message (staff commands, numbered answers), kills the process with
// SIGKILL, writes while it is down, starts it again and checks that the
// message is answered after the restart and that nothing is answered
// twice.
func TestMattermostServeE2E(t *testing.T) {
	skipShort(t)
	fake := fakemm.New(t, fakemm.Options{PingInterval: 200 * time.Millisecond})
	botID, token := fake.AddBot("proactief")
	staffID, _ := fake.AddUser("medewerker")
	outsiderID, _ := fake.AddUser("buitenstaander")
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	var logs syncBuffer

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type proc struct {
		cmd  *exec.Cmd
		done chan struct{} // closed when the process has exited
	}
	start := func() *proc {
		t.Helper()
		cmd := serveCmd(t, dir, &logs, []string{"--db", db}, "MATTERMOST_URL="+fake.URL, "MATTERMOST_TOKEN="+token, "MATTERMOST_ALLOW_USERS="+staffID)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p := &proc{cmd, make(chan struct{})}
		go func() { _ = cmd.Wait(); close(p.done) }()
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-p.done:
				cancel()
			case <-wctx.Done():
			}
		}()
		if err := fake.WaitWebsockets(wctx, botID, 1); err != nil {
			t.Fatalf("proactief did not connect: %v\nlogs:\n%s", err, logs.String())
		}
		return p
	}
	stop := func(p *proc) {
		_ = p.cmd.Process.Kill()
		<-p.done
	}

	// waitFor waits for a bot post after the first skip that contains want.
	waitFor := func(skip int, want string) {
		t.Helper()
		if _, err := fake.WaitPost(ctx, botID, skip, func(p *model.Post) bool { return strings.Contains(p.Message, want) }); err != nil {
			var said []string
			for _, p := range fake.Posts(botID)[skip:] {
				said = append(said, p.Message)
			}
			t.Fatalf("no reply with %q: %v\nbot said:\n%s\nlogs:\n%s", want, err, strings.Join(said, "\n---\n"), logs.String())
		}
	}
	// say sends text and waits for all of its replies: with trace on, the
	// trace line comes last; before that, the question. want must be in
	// one of them.
	traceOn := false
	say := func(text, want string) {
		t.Helper()
		skip := len(fake.Posts(botID))
		fake.DM(staffID, botID, text)
		if text == "!trace on" {
			traceOn = true
		}
		if traceOn {
			waitFor(skip, "trace: P=[")
		}
		waitFor(skip, want)
	}

	cmd := start()
	defer func() { stop(cmd) }()
	say("hallo", "\n1. ")
	say("!trace on", "trace on:")
	say("1", "\n1. ")               // keep the answers: yes
	say("1", "trace: P=[")          // research: yes; the first statement
	say("!segment 2", `"autonomy"`) // staff preview of segment 2's tone
	say("4", "trace: P=[")

	// An outsider is refused and never reaches the conversation.
	skip := len(fake.Posts(botID))
	fake.DM(outsiderID, botID, "hallo")
	waitFor(skip, "nog getest door medewerkers")

	stop(cmd)
	if err := fake.WaitWebsockets(ctx, botID, 0); err != nil {
		t.Fatal(err)
	}
	skip = len(fake.Posts(botID))
	fake.DM(staffID, botID, "2") // written while proactief is down
	cmd = start()
	waitFor(skip, "trace: P=[")
	waitFor(skip, "\n1. ")
	say("!transcript", "statements:")

	count := func(s string) int {
		n := 0
		for _, p := range fake.Posts(botID) {
			if strings.Contains(p.Message, s) {
				n++
			}
		}
		return n
	}
	for _, s := range []string{"trace on:", `"autonomy"`, "nog getest door medewerkers", "statements:"} {
		if n := count(s); n != 1 {
			t.Errorf("%q answered %d times, want 1", s, n)
		}
	}
	last := fake.Posts(botID)
	var transcript string
	for _, p := range last {
		if strings.Contains(p.Message, "statements:") {
			transcript = p.Message
		}
	}
	if !strings.Contains(transcript, "= 4 ") || !strings.Contains(transcript, "= 2 ") {
		var all []string
		for _, p := range fake.Posts("") {
			all = append(all, p.UserId[:4]+": "+p.Message)
		}
		t.Errorf("transcript lacks the answers 4 and 2:\n%s\nconversation:\n%s\nlogs:\n%s", transcript, strings.Join(all, "\n---\n"), logs.String())
	}
	stop(cmd)
	for _, id := range []string{staffID, outsiderID, token} {
		if strings.Contains(logs.String(), id) {
			t.Errorf("logs contain a raw user id or the token")
		}
	}
}
