package bottest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/dialogue"
)

// handlerFunc adapts a function to bot.Handler.
type handlerFunc func(context.Context, bot.Inbound) (bot.Result, error)

func (f handlerFunc) Handle(ctx context.Context, in bot.Inbound) (bot.Result, error) {
	return f(ctx, in)
}

func TestButtonPressUsesLastPrompt(t *testing.T) {
	var got []bot.Inbound
	h := handlerFunc(func(_ context.Context, in bot.Inbound) (bot.Result, error) {
		got = append(got, in)
		return bot.Result{Replies: []dialogue.Reply{
			{Text: "vraag", Prompt: "q:x", Choices: []dialogue.Choice{{ID: "1"}}},
			{Text: "privacy", Prompt: "privacy"},
		}}, nil
	})
	c := &bottest.Citizen{H: h, User: "u"}
	if _, err := c.Say(context.Background(), "hallo"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Say(context.Background(), "#1"); err != nil {
		t.Fatal(err)
	}
	if got[1].Choice != "1" || got[1].Prompt != "q:x" || got[1].Text != "" {
		t.Fatalf("press=%+v, want choice 1 on prompt q:x", got[1])
	}
	if got[0].MessageID == got[1].MessageID || !got[1].Time.After(got[0].Time) {
		t.Fatalf("messages share an id or a time: %+v", got)
	}
	if id, ok := c.Pending(); !ok || id != "x" {
		t.Fatalf("Pending=%q,%v, want x", id, ok)
	}
}

func TestTypical(t *testing.T) {
	// doen_weet_niet_waar: 54 / 10 / 39 agree.
	for seg, want := range map[int]string{1: "5", 2: "2", 3: "2"} {
		if got := bottest.Typical(seg, "doen_weet_niet_waar"); got != want {
			t.Errorf("Typical(%d)=%s, want %s", seg, got, want)
		}
	}
	if got := bottest.Typical(1, "fast_snel"); got != "3" {
		t.Errorf("a statement without figures: %s, want 3", got)
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestFileLacks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	if err := os.WriteFile(path, []byte("\x00\x01kept-value\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	bottest.FileLacks(r, path, "erased-value", "kept-value")
	if len(r.errors) != 1 || r.errors[0] != `p.db contains "kept-value"` {
		t.Errorf("failures = %q, want one for kept-value", r.errors)
	}
}
