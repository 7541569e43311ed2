package terminal_test

import (
	"context"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/proactief/proactief/adapters/terminal"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// TestTypedDigitIsTypedText: in the terminal a typed "2" picks choice 2
// of the last question, and research keeps it as the typed text "2", not
// as a button press; a button press (as another channel sends it) stays
// [KNOP 2]. Both answers are read as 2.
func TestTypedDigitIsTypedText(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(db, eng, []byte("test-secret-0123456789abcdef"), bot.Options{})
	ctx := context.Background()
	// Keep: 1 (Ja); research: Ja (its label); the first statement: 2.
	chat := terminal.New(svc, "anna", strings.NewReader("1\nJa\n 2\n"), io.Discard, terminal.Options{})
	if err := chat.Run(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Handle(ctx, bot.Inbound{Channel: bot.Terminal, UserID: "anna", Choice: "2"})
	if err != nil || len(res.Replies) == 0 {
		t.Fatalf("button press: %v %+v", err, res)
	}

	var citizen []bot.ResearchTurn
	err = db.Research(ctx, func(r bot.ResearchTurn) error {
		if r.From == "citizen" {
			citizen = append(citizen, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(citizen, func(i, j int) bool { return citizen[i].Seq < citizen[j].Seq })
	if len(citizen) != 3 {
		t.Fatalf("%d citizen turns recorded, want 3 (research consent, two answers): %+v", len(citizen), citizen)
	}
	if c := citizen[0]; c.Text != "Ja" || c.Input != bot.InputTyped {
		t.Errorf("typed label recorded as %q (%s), want typed text Ja", c.Text, c.Input)
	}
	typed, pressed := citizen[1], citizen[2]
	if typed.Text != " 2" || typed.Input != bot.InputTyped || typed.Value == nil || *typed.Value != 2 {
		t.Errorf("typed 2 recorded as %q (%s), value %v; want typed text, value 2", typed.Text, typed.Input, typed.Value)
	}
	if pressed.Text != "[KNOP 2]" || pressed.Input != bot.InputButton || pressed.Value == nil || *pressed.Value != 2 {
		t.Errorf("button 2 recorded as %q (%s), value %v; want [KNOP 2], value 2", pressed.Text, pressed.Input, pressed.Value)
	}
	if typed.Statement == "" || typed.Statement == pressed.Statement {
		t.Errorf("answers to %q and %q, want two statements", typed.Statement, pressed.Statement)
	}
}
