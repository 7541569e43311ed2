package telegram_test

import (
	"context"
	"testing"

	"github.com/proactief/proactief/adapters/telegram/fakeapi"
	"github.com/proactief/proactief/bot"
)

// TestTypedDigitIsTypedText: a citizen who types "2" is recorded for
// research as having typed "2", a citizen who presses the button "2" as
// [KNOP 2]; both answers are read as 2.
func TestTypedDigitIsTypedText(t *testing.T) {
	e := start(t, fakeNoLimits, adapterNoLimits)
	u := fakeapi.User{ID: 1018, LanguageCode: "nl"}
	e.say(u, "/start")
	for range 2 { // keep: yes; research: yes
		m, ok := lastKeyboard(e.fake.BotMessages(u.ID))
		if !ok {
			t.Fatal("no consent question")
		}
		id, err := e.fake.Press(u, m.ID, "Ja")
		if err != nil {
			t.Fatal(err)
		}
		e.wait(id)
	}
	e.say(u, "2")
	m, ok := lastKeyboard(e.fake.BotMessages(u.ID))
	if !ok {
		t.Fatal("no second statement")
	}
	id, err := e.fake.Press(u, m.ID, "2 Oneens")
	if err != nil {
		id, err = e.fake.Press(u, m.ID, "2 Niet belangrijk")
	}
	if err != nil {
		t.Fatal(err)
	}
	e.wait(id)

	var answers []bot.ResearchTurn
	err = e.db.Research(context.Background(), func(r bot.ResearchTurn) error {
		if r.From == "citizen" && r.Value != nil {
			answers = append(answers, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 2 {
		t.Fatalf("%d answers recorded, want 2: %+v", len(answers), answers)
	}
	if a := answers[0]; a.Seq > answers[1].Seq {
		answers[0], answers[1] = answers[1], a
	}
	typed, pressed := answers[0], answers[1]
	if typed.Text != "2" || typed.Input != bot.InputTyped || *typed.Value != 2 {
		t.Errorf("typed 2 recorded as %q (%s), value %d; want typed text 2, value 2", typed.Text, typed.Input, *typed.Value)
	}
	if pressed.Text != "[KNOP 2]" || pressed.Input != bot.InputButton || *pressed.Value != 2 {
		t.Errorf("button 2 recorded as %q (%s), value %d; want [KNOP 2], value 2", pressed.Text, pressed.Input, *pressed.Value)
	}
}
