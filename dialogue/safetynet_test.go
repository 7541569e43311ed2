package dialogue

import (
	"strings"
	"testing"
)

// A typed message the bot does not understand gets one calm 113 line
// after the "not understood" reply; short scraps, answers, buttons and
// messages understood as something else do not.
func TestSafetyNet(t *testing.T) {
	count := func(o Outcome) int { return strings.Count(allText(o), "0800-0113") }

	k := start(t)
	if o := k.say("blablabla weet ik veel"); count(o) != 1 || k.st.Consent.Keep != nil {
		t.Fatalf("consent, not understood: %d times 113 in %q", count(o), allText(o))
	}
	if o := k.say("asdf"); count(o) != 0 {
		t.Fatalf("a four-letter scrap got the safety net: %q", allText(o))
	}
	k.choose("yes")
	k.choose("yes")
	if k.st.Phase != PhaseProfiling {
		t.Fatalf("phase %v", k.st.Phase)
	}
	pending := k.st.Pending
	o := k.say("pfff blablabla")
	if count(o) != 1 || o.Intent != IntentNone || k.st.Pending != pending || o.Sensitive {
		t.Fatalf("question, not understood: 113 %d times, intent %q, pending %q (was %q), sensitive %v: %q", count(o), o.Intent, k.st.Pending, pending, o.Sensitive, allText(o))
	}
	if last := o.Replies[len(o.Replies)-1].Text; !strings.Contains(last, "113") {
		t.Fatalf("the safety net is not the last reply: %q", last)
	}
	if o := k.say("4"); count(o) != 0 {
		t.Fatalf("an answer got the safety net: %q", allText(o))
	}
	// An answer read beside other words is kept, and gets the safety net:
	// the words may say more than the number.
	before := k.st.Answered()
	if o := k.say("3, want ik praat graag rustig met een medewerker"); count(o) != 1 || o.Intent != IntentNone || k.st.Answered() != before+1 {
		t.Fatalf("answer beside words: intent %q, answered %d (was %d), 113 %d times: %q", o.Intent, k.st.Answered(), before, count(o), allText(o))
	}
	if got := k.st.Steps[len(k.st.Steps)-1].Value; got != 3 {
		t.Fatalf("answer beside words recorded as %d", got)
	}
	// Stop or later in a sentence gets it too; the word alone does not.
	if o := k.say("ik ga later wel verder denk ik"); count(o) != 1 || o.Intent != IntentLater {
		t.Fatalf("later in a sentence: intent %q, 113 %d times: %q", o.Intent, count(o), allText(o))
	}
	k.say("verder")
	if o := k.say("later"); count(o) != 0 {
		t.Fatalf("a bare later got the safety net: %q", allText(o))
	}
	k.say("verder")
	if o := k.say("ik wil niet meer leven"); count(o) != 1 || o.Intent != IntentCrisis {
		t.Fatalf("crisis: intent %q, 113 %d times (want once, the crisis reply)", o.Intent, count(o))
	}

	// Every language, address form and tone has it.
	for _, lang := range []string{"nl", "en", FormalLang} {
		for _, tone := range []Tone{Neutral, Brief, Autonomy, Slow} {
			text := k.e.content.Text(lang, "safety_net", tone)
			if !strings.Contains(text, "113") || !strings.Contains(text, "0800-0113") || !strings.Contains(text, "113.nl") {
				t.Errorf("%s/%s: %q", lang, tone, text)
			}
			if lang == FormalLang && strings.Contains(" "+text+" ", " je ") {
				t.Errorf("u form says je: %q", text)
			}
		}
	}
}
