package dialogue

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/looplab/fsm"

	"github.com/proactief/proactief/segment"
)

func newEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := New(Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// talk runs inputs through the engine and returns the final outcome.
type talk struct {
	t   *testing.T
	e   *Engine
	st  State
	out Outcome
	now time.Time
}

func (k *talk) say(text string) Outcome {
	k.now = k.now.Add(time.Minute)
	k.out = k.e.Step(k.st, Input{Time: k.now, Text: text, Channel: "test"})
	k.st = k.out.State
	return k.out
}

func (k *talk) choose(id string) Outcome {
	k.now = k.now.Add(time.Minute)
	k.out = k.e.Step(k.st, Input{Time: k.now, Choice: id, Prompt: k.st.Prompt, Channel: "test"})
	k.st = k.out.State
	return k.out
}

func start(t *testing.T) *talk {
	k := &talk{t: t, e: newEngine(t), now: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	k.say("/start")
	return k
}

func allText(o Outcome) string {
	var b strings.Builder
	for _, r := range o.Replies {
		b.WriteString(r.Text + "\n")
		for _, c := range r.Choices {
			b.WriteString(c.Label + "\n")
		}
	}
	return b.String()
}

func TestConsentFirst(t *testing.T) {
	k := start(t)
	if k.st.Phase != PhaseConsentKeep || k.st.Prompt != "consent_keep" {
		t.Fatalf("state=%v prompt=%v, want consent_keep", k.st.Phase, k.st.Prompt)
	}
	k.choose("more")
	if k.st.Phase != PhaseConsentKeep || !strings.Contains(allText(k.out), "30 dagen") {
		t.Fatalf("more: state=%v text=%q", k.st.Phase, allText(k.out))
	}
	k.say("misschien")
	if k.st.Consent.Keep != nil {
		t.Fatalf("an unclear answer was taken as consent")
	}
	k.choose("no")
	if k.st.Consent.Keep == nil || k.st.Consent.Keep.Given || k.st.Consent.Keep.Version != ConsentVersion || k.st.Consent.Keep.Channel != "test" {
		t.Fatalf("keep decision=%+v", k.st.Consent.Keep)
	}
	k.say("ja graag")
	if !k.st.Consent.Researchable() || k.st.Phase != PhaseProfiling || k.st.Pending == "" {
		t.Fatalf("after research yes: state=%v pending=%q", k.st.Phase, k.st.Pending)
	}
}

func TestStaleAndForgedButtons(t *testing.T) {
	k := start(t)
	k.choose("yes")
	k.choose("yes")
	first := k.st.Prompt
	k.choose("5")
	if k.st.Answered() != 1 {
		t.Fatalf("answered=%d", k.st.Answered())
	}
	// A second tap on the first question's button.
	k.out = k.e.Step(k.st, Input{Choice: "5", Prompt: first, Time: k.now})
	k.st = k.out.State
	if k.st.Answered() != 1 || !strings.Contains(allText(k.out), "eerdere vraag") {
		t.Fatalf("stale tap: answered=%d text=%q", k.st.Answered(), allText(k.out))
	}
	// A forged choice id on the current prompt.
	k.out = k.e.Step(k.st, Input{Choice: "99", Prompt: k.st.Prompt, Time: k.now})
	k.st = k.out.State
	if k.st.Answered() != 1 {
		t.Fatalf("forged choice was applied")
	}
}

func TestNotUnderstoodNeverGuesses(t *testing.T) {
	k := start(t)
	k.choose("yes")
	k.choose("no")
	pending := k.st.Pending
	k.say("de kat krabt de krullen van de trap")
	if k.st.Answered() != 0 || len(k.st.Steps) != 0 || k.st.Pending != pending {
		t.Fatalf("unreadable text changed the answers: %+v", k.st.Steps)
	}
	if !strings.Contains(allText(k.out), "begreep ik niet") {
		t.Fatalf("no not-understood reply: %q", allText(k.out))
	}
	k.say("blabla")
	k.say("4")
	if k.st.Answered() != 1 {
		t.Fatalf("answered=%d after a clear answer", k.st.Answered())
	}
}

func TestStyleChoiceWins(t *testing.T) {
	k := start(t)
	k.choose("yes")
	k.choose("no")
	k.say("meer uitleg")
	if k.out.Trace.Tone != Slow {
		t.Fatalf("tone=%v after 'meer uitleg', want slow", k.out.Trace.Tone)
	}
	// Answers of a short-and-fast person do not override the choice.
	for i := 0; i < 4 && k.st.Phase == PhaseProfiling; i++ {
		k.choose("5")
	}
	if k.out.Trace.Tone != Slow {
		t.Fatalf("tone=%v, the person's choice must win", k.out.Trace.Tone)
	}
	k.say("/stijl auto")
	if k.st.Style != "" {
		t.Fatalf("style=%q after /stijl auto", k.st.Style)
	}
}

func TestNoSegmentNames(t *testing.T) {
	names := []string{"Vertrouwende", "Volgers", "Zorgvuldige", "Zelfredzamen", "Voorzichtige", "Hulpzoekers", "segment"}
	for _, lang := range Languages {
		e := newEngine(t)
		for _, key := range e.Content().Keys() {
			for _, tone := range Tones {
				text := e.Content().Text(lang, key, tone)
				for _, n := range names {
					if strings.Contains(strings.ToLower(text), strings.ToLower(n)) {
						t.Errorf("%s %s (%s) shows %q", lang, key, tone, n)
					}
				}
			}
		}
	}
}

func TestGarbageStateStartsOver(t *testing.T) {
	e := newEngine(t)
	out := e.Step(State{Phase: "no-such-state", Pending: "nope"}, Input{Text: "hallo"})
	if out.State.Phase != PhaseConsentKeep || len(out.Replies) == 0 {
		t.Fatalf("state=%v replies=%d, want consent_keep with a welcome", out.State.Phase, len(out.Replies))
	}
	// An unknown pending statement is replaced, not asked.
	st := State{Phase: PhaseProfiling, Pending: "gone", Prompt: "q:gone", Lang: "nl"}
	out = e.Step(st, Input{Text: "4"})
	if out.State.Pending == "gone" {
		t.Fatalf("unknown pending statement kept")
	}
}

func TestEraseAndCancel(t *testing.T) {
	k := start(t)
	k.choose("yes")
	k.choose("yes")
	k.choose("4")
	k.say("/vergeet")
	if k.st.Phase != PhaseConfirmErase {
		t.Fatalf("state=%v, want confirm_erase", k.st.Phase)
	}
	k.choose("no")
	if k.st.Phase != PhaseProfiling || k.st.Answered() != 1 || k.out.Erase {
		t.Fatalf("cancel: state=%v answered=%d erase=%v", k.st.Phase, k.st.Answered(), k.out.Erase)
	}
	k.say("/vergeet")
	k.say("ja")
	if !k.out.Erase || k.st.Consent.Keep != nil || len(k.st.Steps) != 0 || k.st.Phase != PhaseWelcome {
		t.Fatalf("erase: erase=%v state=%+v", k.out.Erase, k.st)
	}
}

func TestStopEarlyGivesOffer(t *testing.T) {
	k := start(t)
	k.choose("yes")
	k.choose("no")
	k.choose("2")
	k.say("/stop")
	if k.st.Phase != PhaseOffer || !k.st.Stopped {
		t.Fatalf("state=%v stopped=%v, want offer", k.st.Phase, k.st.Stopped)
	}
	n := choiceNumber(t, k.out, "offer_person")
	k.say(strconv.Itoa(n))
	if k.st.Phase != PhaseClosing || k.st.Offer != "person" {
		t.Fatalf("state=%v offer=%q", k.st.Phase, k.st.Offer)
	}
}

func TestStaffCommands(t *testing.T) {
	e := newEngine(t)
	st := e.Step(State{}, Input{Text: "/start", Staff: true}).State
	out := e.Step(st, Input{Text: "!segment 3", Staff: true})
	if out.State.Forced != Slow || out.Trace.Tone != Slow {
		t.Fatalf("!segment 3: forced=%v tone=%v", out.State.Forced, out.Trace.Tone)
	}
	out = e.Step(out.State, Input{Text: "!trace on", Staff: true})
	if !out.State.Trace || !out.State.Test {
		t.Fatalf("!trace on: trace=%v test=%v", out.State.Trace, out.State.Test)
	}
	// A citizen cannot use staff commands.
	out = e.Step(State{}, Input{Text: "!trace on"})
	if out.State.Trace {
		t.Fatalf("a citizen switched the trace on")
	}
}

// TestEveryEventReachable checks that each event of the machine is valid
// from at least one state and that every state can be reached, so a
// misspelled event or state in the table cannot hide.
func TestEveryEventReachable(t *testing.T) {
	reached := map[string]bool{PhaseWelcome: true}
	for _, ev := range machineEvents() {
		if !KnownPhase(ev.Dst) {
			t.Errorf("event %s goes to unknown state %q", ev.Name, ev.Dst)
		}
		for _, src := range ev.Src {
			if !KnownPhase(src) {
				t.Errorf("event %s from unknown state %q", ev.Name, src)
			}
			m := fsm.NewFSM(src, machineEvents(), fsm.Callbacks{})
			if err := m.Event(context.Background(), ev.Name); err != nil {
				var nt fsm.NoTransitionError
				if !errorsAs(err, &nt) {
					t.Errorf("event %s from %s: %v", ev.Name, src, err)
				}
			}
			reached[ev.Dst] = true
		}
	}
	for _, p := range allPhases {
		if !reached[p] {
			t.Errorf("state %s is never reached", p)
		}
	}
	// Every event the engine fires exists in the table.
	src := engineSource(t)
	for _, ev := range machineEvents() {
		if !strings.Contains(src, `t.fire("`+ev.Name+`")`) {
			t.Errorf("event %s is in the table but never fired", ev.Name)
		}
	}
}

func TestExampleAnswersStayInRange(t *testing.T) {
	k := start(t)
	k.choose("yes")
	k.choose("no")
	for k.st.Phase == PhaseProfiling {
		k.choose("skip")
	}
	for _, s := range k.st.Steps {
		if s.Value != 0 {
			t.Fatalf("skipped statement got value %d", s.Value)
		}
		if _, ok := segment.Find(s.Statement); !ok {
			t.Fatalf("unknown statement %q asked", s.Statement)
		}
	}
}

// TestButtonOnUnknownConversation: after a restart a conversation without
// consent is gone, and a tap on one of its buttons must still get a
// question, not "this is the question now:" followed by nothing.
func TestButtonOnUnknownConversation(t *testing.T) {
	e := newEngine(t)
	for _, in := range []Input{
		{Choice: "4", Prompt: "q:vertrouwen_belooft"},
		{Choice: "yes", Prompt: "consent_research"},
		{Text: "korter"},
		{NonText: true},
	} {
		out := e.Step(State{}, in)
		last := out.Replies[len(out.Replies)-1]
		if out.State.Phase != PhaseConsentKeep || last.Prompt != "consent_keep" || len(last.Choices) == 0 {
			t.Fatalf("input %+v: state=%v last reply=%+v, want the consent question", in, out.State.Phase, last)
		}
	}
}

// choiceNumber returns the 1-based position of the button id in the last
// reply with buttons.
func choiceNumber(t *testing.T, o Outcome, id string) int {
	t.Helper()
	for i := len(o.Replies) - 1; i >= 0; i-- {
		if len(o.Replies[i].Choices) == 0 {
			continue
		}
		for j, c := range o.Replies[i].Choices {
			if c.ID == id {
				return j + 1
			}
		}
		t.Fatalf("no button %q in %+v", id, o.Replies[i].Choices)
	}
	t.Fatalf("no reply with buttons")
	return 0
}
