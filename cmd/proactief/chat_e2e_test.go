package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chatProc is a running `proactief chat` fed through a pipe.
type chatProc struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
	trace chan map[string]any
}

func startChat(t *testing.T, db string) *chatProc {
	t.Helper()
	cmd := exec.Command(proactiefBinary(t), "chat", "--db", db, "--user", "e2e-user", "--trace")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := cmd.StdoutPipe()
	errp, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &chatProc{cmd: cmd, in: in, lines: make(chan string, 1000), trace: make(chan map[string]any, 100)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	go func() {
		sc := bufio.NewScanner(errp)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				p.trace <- m
			}
		}
		close(p.trace)
	}()
	return p
}

// turn sends a line (or nothing, for the automatic /start) and waits for
// the bot's trace line of that turn.
func (p *chatProc) turn(t *testing.T, line string) map[string]any {
	t.Helper()
	if line != "" {
		if _, err := io.WriteString(p.in, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case m, ok := <-p.trace:
		if !ok {
			t.Fatalf("chat ended before answering %q", line)
		}
		return m
	case <-time.After(30 * time.Second):
		t.Fatalf("no answer to %q", line)
	}
	return nil
}

// waitOutput reads the chat's output until a line contains want (stdout
// and the trace on stderr are read separately, so the text may come after
// the trace line of its turn). It returns what it read.
func (p *chatProc) waitOutput(want string) (string, bool) {
	var b strings.Builder
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return b.String(), false
			}
			b.WriteString(l + "\n")
			if strings.Contains(l, want) {
				return b.String(), true
			}
		case <-deadline:
			return b.String(), false
		}
	}
}

// TestChatKill9Resumes kills the chat with SIGKILL mid-conversation and
// checks that a restart resumes at the same statement with every answer.
func TestChatKill9Resumes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	p := startChat(t, db)
	p.turn(t, "")    // automatic /start
	p.turn(t, "ja")  // keep answers
	p.turn(t, "nee") // no research
	p.turn(t, "4")
	tr := p.turn(t, "helemaal mee eens")
	if tr["answered"].(float64) != 2 {
		t.Fatalf("answered=%v, want 2", tr["answered"])
	}
	pending := tr["next"].(string)
	if pending == "" {
		t.Fatalf("no pending statement")
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()

	q := startChat(t, db)
	defer func() { q.in.Close(); q.cmd.Wait() }()
	tr = q.turn(t, "")
	if tr["next"] != pending || tr["answered"].(float64) != 2 || tr["state"] != "profiling" {
		t.Fatalf("after kill -9: state=%v next=%v answered=%v, want profiling %s 2", tr["state"], tr["next"], tr["answered"], pending)
	}
	if out, ok := q.waitOutput("Welkom terug"); !ok {
		t.Fatalf("no welcome back after restart:\n%s", out)
	}
	tr = q.turn(t, "2")
	if tr["answered"].(float64) != 3 {
		t.Fatalf("answer after restart: answered=%v, want 3", tr["answered"])
	}
}

// TestChatScriptedBadInput pipes a whole conversation with bad input and
// expects a friendly answer to each line and exit status 0 at end of input.
func TestChatScriptedBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	input := strings.Join([]string{
		"ja", "nee", "", strings.Repeat("x", 100000), "\xff\xfe kapot", "\u202egeheim\u200b", "/onzin",
		"4", "1", "5", "weet ik niet", "3", "2", "4", "5", "1", "2", "3", "4", "5",
	}, "\n") + "\n"
	cmd := exec.CommandContext(context.Background(), proactiefBinary(t), "chat", "--db", db, "--user", "pipe")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	cmd.Stdin = strings.NewReader(input)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chat exited with %v\nstderr:\n%s", err, errb.String())
	}
	for _, want := range []string{"Ik zag geen tekst", "erg lang", "kon ik niet lezen", "commando ken ik niet"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if errb.Len() > 0 {
		t.Errorf("stderr not empty: %s", errb.String())
	}
}
