package dialogue_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/proactief/proactief/dialogue"
)

// FuzzStep sends arbitrary text, button choices and prompts through
// Engine.Step from several states, among them states no step produces (an
// unknown phase, a statement that does not exist, a tone that is not one).
// The engine must never panic, always answer, end in a known phase, and
// write valid UTF-8.
//
// Run: go test ./dialogue -run '^$' -fuzz FuzzStep -fuzztime 60s
func FuzzStep(f *testing.F) {
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		f.Fatalf("New: %v", err)
	}
	phases := []string{"", dialogue.PhaseWelcome, dialogue.PhaseConsentKeep, dialogue.PhaseConsentResearch,
		dialogue.PhaseProfiling, dialogue.PhaseOffer, dialogue.PhaseClosing, dialogue.PhaseConfirmErase, "garbage\xff"}
	for i, p := range phases {
		f.Add(p, "", "/start", "", "", "nl", false, false, uint8(i))
		f.Add(p, "", "ja", "", "", "en", false, false, uint8(i))
		f.Add(p, "", "", "yes", "consent_keep", "nl", false, false, uint8(i))
		f.Add(p, "nope", "", "3", "q:nope", "nl", false, false, uint8(i))
		f.Add(p, "", "", "offer_link", "offer", "nl", false, false, uint8(i))
		f.Add(p, "", "", "erase", "privacy", "nl", false, false, uint8(i))
		f.Add(p, "", "!segment 2", "", "", "nl", true, false, uint8(i))
		f.Add(p, "", "", "", "", "nl", false, true, uint8(i))
	}
	f.Add("garbage", "", "\xff\xfe\u202e\u200b/vergeet", "", "", "ar", false, false, uint8(0))
	f.Add(dialogue.PhaseProfiling, "", strings.Repeat("é", dialogue.MaxText), "", "", "nl", false, false, uint8(3))
	f.Add(dialogue.PhaseConfirmErase, "", "ja", "", "", "nl", false, false, uint8(7))

	f.Fuzz(func(t *testing.T, phase, pending, text, choice, prompt, lang string, staff, nonText bool, seed uint8) {
		st := fuzzState(eng, phase, pending, seed)
		before := st.Turns
		out := eng.Step(st, dialogue.Input{
			Time: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Text: text, Choice: choice, Prompt: prompt,
			Channel: "terminal", Lang: lang, Staff: staff, NonText: nonText,
		})
		if len(out.Replies) == 0 {
			t.Fatalf("no reply in phase %q to text %q choice %q prompt %q", phase, text, choice, prompt)
		}
		if !dialogue.KnownPhase(out.State.Phase) {
			t.Fatalf("phase after step %q, want a known phase", out.State.Phase)
		}
		if dialogue.KnownPhase(phase) && !out.Erase && out.State.Turns != before+1 {
			t.Fatalf("turns=%d, want %d", out.State.Turns, before+1)
		}
		for _, r := range out.Replies {
			if !utf8.ValidString(r.Text) {
				t.Fatalf("reply is not valid UTF-8: %q", r.Text)
			}
			if strings.TrimSpace(r.Text) == "" && r.Document == nil {
				t.Fatalf("empty reply text in %+v", out.Replies)
			}
			for _, c := range r.Choices {
				if c.ID == "" || !utf8.ValidString(c.Label) {
					t.Fatalf("bad choice %+v", c)
				}
			}
		}
	})
}

// fuzzState builds a state in phase: for a known phase by playing the
// conversation there, then it overwrites fields with what the fuzzer gave.
func fuzzState(eng *dialogue.Engine, phase, pending string, seed uint8) dialogue.State {
	st := playedState(eng, phase, seed)
	st.Steps = slices.Clone(st.Steps)
	st.Phase = phase
	if pending != "" {
		st.Pending = pending
	}
	switch seed % 4 {
	case 1:
		st.Style = dialogue.Tone("garbage")
	case 2:
		st.Steps = append(st.Steps, dialogue.Step{Statement: pending, Value: int(seed) - 100})
	case 3:
		st.Prev = phase
	}
	return st
}

// played caches playedState: replaying a conversation for every input
// would make the fuzzer slow.
var played sync.Map

// playedState is the state reached by playing a conversation towards phase
// (profiling for an unknown phase), with answers that depend on seed.
func playedState(eng *dialogue.Engine, phase string, seed uint8) dialogue.State {
	target := phase
	if !dialogue.KnownPhase(target) {
		target = dialogue.PhaseProfiling
	}
	key := fmt.Sprint(target, "/", seed)
	if st, ok := played.Load(key); ok {
		return st.(dialogue.State)
	}
	var st dialogue.State
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	step := func(in dialogue.Input) {
		at = at.Add(time.Minute)
		in.Time, in.Channel = at, "terminal"
		out := eng.Step(st, in)
		st = out.State
	}
	step(dialogue.Input{Text: "/start"})
	for i := 0; i < 40 && st.Phase != target; i++ {
		switch st.Phase {
		case dialogue.PhaseConsentKeep, dialogue.PhaseConsentResearch:
			step(dialogue.Input{Choice: []string{"yes", "no"}[int(seed)%2], Prompt: st.Prompt})
		case dialogue.PhaseProfiling:
			if target == dialogue.PhaseConfirmErase {
				step(dialogue.Input{Text: "/vergeet"})
				continue
			}
			step(dialogue.Input{Choice: string(rune('1' + (int(seed)+i)%5)), Prompt: st.Prompt})
		case dialogue.PhaseOffer:
			step(dialogue.Input{Choice: "offer_self", Prompt: st.Prompt})
		default:
			step(dialogue.Input{Text: "/opnieuw"})
		}
	}
	played.Store(key, st)
	return st
}
