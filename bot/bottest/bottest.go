// Package bottest drives conversations through a bot.Handler for tests,
// benchmarks and seed data, the way a person in a chat would: a Citizen
// remembers the last question, so "#id" presses one of its buttons.
package bottest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/segment"
)

// messages numbers message ids across citizens; an id never holds the
// user id, which must not reach the store.
var messages atomic.Int64

// Start is the clock of a Citizen whose Clock is nil.
var Start = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Citizen is one person talking to a handler.
type Citizen struct {
	H       bot.Handler
	Channel string // bot.Terminal when empty
	User    string
	Staff   bool
	// Clock gives each message's time; nil means Start plus one minute per
	// message.
	Clock func() time.Time
	// Last holds the replies to the last message.
	Last []dialogue.Reply

	n int
}

// Inbound builds the next message: text, or with a leading "#" a press of
// that button of the last question. Each message gets a new MessageID.
func (c *Citizen) Inbound(text string) bot.Inbound {
	c.n++
	ch := c.Channel
	if ch == "" {
		ch = bot.Terminal
	}
	at := Start.Add(time.Duration(c.n) * time.Minute)
	if c.Clock != nil {
		at = c.Clock()
	}
	in := bot.Inbound{Channel: ch, UserID: c.User, Staff: c.Staff, Text: text, MessageID: fmt.Sprintf("m%d", messages.Add(1)), Time: at}
	if id, ok := strings.CutPrefix(text, "#"); ok {
		in.Text, in.Choice, in.Prompt = "", id, c.Prompt()
	}
	return in
}

// Say sends text (see Inbound) and keeps the replies in Last.
func (c *Citizen) Say(ctx context.Context, text string) (bot.Result, error) {
	res, err := c.H.Handle(ctx, c.Inbound(text))
	if err != nil {
		return res, fmt.Errorf("say %q: %w", text, err)
	}
	c.Last = res.Replies
	return res, nil
}

// Prompt returns the question the last replies ask, leaving out the
// privacy buttons, which stay valid beside any question.
func (c *Citizen) Prompt() string {
	for i := len(c.Last) - 1; i >= 0; i-- {
		if p := c.Last[i].Prompt; p != "" && p != "privacy" {
			return p
		}
	}
	return ""
}

// Pending returns the statement the last replies ask about, if any.
func (c *Citizen) Pending() (string, bool) {
	return strings.CutPrefix(c.Prompt(), "q:")
}

// Typical is how a typical member of segment seg (1..3) answers statement
// id: 5 where seg agrees most of the three segments, 2 elsewhere, and 3 for
// a statement without figures.
func Typical(seg int, id string) string {
	s, ok := segment.Find(id)
	if !ok || s.AgreePct == nil {
		return "3"
	}
	best := 0
	for i := range s.AgreePct {
		if s.AgreePct[i] > s.AgreePct[best] {
			best = i
		}
	}
	if best == seg-1 {
		return "5"
	}
	return "2"
}

// Profile answers up to max statements as Typical of seg, with the
// buttons, and stops when no statement is asked any more. It returns how
// many it answered.
func (c *Citizen) Profile(ctx context.Context, seg, max int) (int, error) {
	for n := 0; n < max; n++ {
		id, ok := c.Pending()
		if !ok {
			return n, nil
		}
		if _, err := c.Say(ctx, "#"+Typical(seg, id)); err != nil {
			return n, err
		}
	}
	return max, nil
}

// FileLacks fails t when any of needles occurs in the bytes of the file at
// path: proof that a database file keeps no trace of them.
func FileLacks(t testing.TB, path string, needles ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range needles {
		if bytes.Contains(data, []byte(n)) {
			t.Errorf("%s contains %q", filepath.Base(path), n)
		}
	}
}
