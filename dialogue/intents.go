package dialogue

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/proactief/proactief/segment"
)

// promptPause is the prompt while the questions wait after a crisis, an
// urgent need or a request for a person: "continue" asks the open
// question again, "person" gives the way to a person.
const promptPause = "pause"

// understand runs the understanding step on typed text.
func (t *turn) understand(text string) Meaning {
	answering := t.st.Phase == PhaseProfiling && t.st.Pending != "" && t.st.Prompt != promptPause
	return Understand(text, answering)
}

// understood answers what the understanding step found: with urgentOnly,
// only a crisis or an urgent need. It reports whether it answered; when it
// did not, the text is read as a command or an answer to the open question.
func (t *turn) understood(m Meaning, urgentOnly bool) bool {
	in := m.First()
	if in == IntentNone || urgentOnly && in != IntentCrisis && in != IntentUrgent {
		return false
	}
	t.out.Intent = in
	if in == IntentCrisis {
		t.out.Sensitive = true
	}
	if t.followupHeard(in, strings.TrimSpace(t.in.Text)) {
		t.out.Intent = IntentNone
		return false
	}
	switch t.st.Phase {
	case PhaseWelcome:
		// Nothing asked yet: only what cannot wait is answered before the
		// welcome; the rest starts the conversation as usual.
		switch in {
		case IntentCrisis:
			t.crisis()
		case IntentUrgent:
			t.urgent()
		case IntentPerson:
			t.wantPerson()
		default:
			t.out.Intent = IntentNone
			return false
		}
		return true
	case PhaseOffer:
		switch in {
		case IntentStop, IntentLater:
			// "later" and "stop" are answers to the offer itself.
			t.out.Intent = IntentNone
			return false
		case IntentPerson:
			// Talking with someone is one of the offers: record it.
			t.takeOffer(routePerson)
			return true
		}
	}
	switch in {
	case IntentCrisis:
		t.crisis()
	case IntentUrgent:
		t.urgent()
	case IntentPerson:
		t.wantPerson()
	case IntentExplain:
		t.explain(m.Words)
	case IntentPrivacy:
		t.say("privacy_answer", "days", strconv.Itoa(t.e.opts.RetentionDays))
		t.resume()
	case IntentStop:
		t.stop()
	case IntentLater:
		t.say("later")
		t.pause(false)
	case IntentAngry:
		t.say("angry")
		t.resume()
	case IntentOffTopic:
		t.say("offtopic")
		t.resume()
	}
	return true
}

// crisis answers suicidal thoughts, self-harm or acute danger: 113 and 112
// in calm words. The questions pause; nothing else is said.
func (t *turn) crisis() {
	t.out.Sensitive = true
	t.say("crisis")
	t.pause(false)
}

// urgent answers an eviction, a cut-off, no money for food or the bailiff:
// a same-day route first, then a person or going on.
func (t *turn) urgent() {
	call := t.text("urgent_call")
	if phone := t.e.opts.Municipality.urgentPhone(); phone != "" {
		call = t.text("urgent_call_phone", "phone", phone, "name", t.e.opts.Municipality.Name)
	}
	t.say("urgent", "call", call)
	t.pause(true)
}

// pause lets the questions wait: the last reply gets a button to go on
// (and, with person, one for a person). Where nothing is asked (the
// welcome, after the end) there is nothing to pause.
func (t *turn) pause(person bool) {
	switch t.st.Phase {
	case PhaseWelcome, PhaseClosing:
		if person && len(t.out.Replies) > 0 {
			last := &t.out.Replies[len(t.out.Replies)-1]
			t.st.Prompt = promptPause
			last.Prompt = promptPause
			last.Choices = []Choice{t.choice("person", "btn_person")}
		}
		return
	}
	t.st.Prompt = promptPause
	cs := []Choice{t.choice("continue", "btn_continue")}
	if person {
		cs = append(cs, t.choice("person", "btn_person"))
	}
	if len(t.out.Replies) == 0 {
		return
	}
	last := &t.out.Replies[len(t.out.Replies)-1]
	last.Prompt = promptPause
	last.Choices = cs
}

// paused handles a message while the questions wait. It reports whether
// it handled it.
func (t *turn) paused(text string) bool {
	if t.st.Prompt != promptPause {
		return false
	}
	switch t.in.Choice {
	case "continue":
		t.resume()
		return true
	case "person":
		t.wantPerson()
		return true
	case "":
	default:
		t.say("stale_button")
		t.resume()
		return true
	}
	low := strings.Trim(strings.ToLower(text), " .!")
	switch low {
	case "verder", "ga verder", "door", "doorgaan", "ga door", "verder gaan", "we gaan verder", "continue", "go on", "go ahead", "next", "volgende":
		t.resume()
		return true
	}
	switch parseYesNo(text) {
	case answerYes:
		t.resume()
		return true
	case answerNo:
		t.st.Prompt = ""
		t.stop()
		return true
	}
	if t.st.Phase == PhaseWelcome || t.st.Phase == PhaseClosing {
		t.st.Prompt = ""
		return false
	}
	t.say("paused_hint")
	t.pause(false)
	return true
}

// resume asks the open question again (after an answer to something else).
func (t *turn) resume() {
	if t.st.Prompt == promptPause {
		t.st.Prompt = ""
	}
	if t.st.Phase == PhaseClosing {
		t.say("closed_hint")
		return
	}
	t.reask()
}

// explain explains the words the person asked about, or else the open
// question in simpler words, and asks it again.
func (t *turn) explain(words []string) {
	for _, w := range words {
		t.say("word_" + w)
	}
	if len(words) == 0 {
		switch t.st.Phase {
		case PhaseProfiling:
			if _, ok := segment.Find(t.st.Pending); ok {
				t.say("explain_" + t.st.Pending)
			}
		case PhaseConsentKeep, PhaseConsentResearch:
			t.say("consent_more", "days", strconv.Itoa(t.e.opts.RetentionDays))
		case PhaseOffer:
			t.say("explain_offer")
		default:
			t.say("help")
		}
	}
	t.resume()
}

// safetyNetLetters is how many letters a message that was not understood
// must have before the safety net is added to the reply: "asdf" or a
// wrong digit gets no 113 line, "zelfmrd" does.
const safetyNetLetters = 5

// safetyNetWords is how many words a message heard as stop or later must
// have before the safety net is added: "stop" and "later" alone get none,
// "ik wil stoppen met alles" does.
const safetyNetWords = 3

// safetyNet adds one calm line with 113 Zelfmoordpreventie after a reply
// to a typed message that was not understood, or whose answer was read
// beside other words ("3, want ..."), or that was heard as stop or later
// in a sentence. The understanding step hears most messages
// about suicide (crisis), but not all: on the held-out parts written by
// others it missed one in twenty, and those misses were "not understood"
// or, next, stop or later ("this is goodbye", "het leven is te zwaar, ik
// wil stoppen", "ik ga straks de snelweg op lopen"; parts 5 to 8, README,
// Understanding). So whoever writes something the bot does not
// understand, or says goodbye in a sentence, also reads where to go if
// things are really bad. It is not a crisis: the questions do not pause
// and nothing is flagged or counted as one.
func (t *turn) safetyNet() {
	if t.in.NonText || t.in.Text == "" {
		return
	}
	switch {
	case (t.unclear || t.beside) && t.out.Intent == IntentNone:
		letters := 0
		for _, r := range t.in.Text {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		if letters < safetyNetLetters {
			return
		}
	case t.out.Intent == IntentStop || t.out.Intent == IntentLater:
		if len(strings.Fields(t.in.Text)) < safetyNetWords {
			return
		}
	default:
		return
	}
	t.say("safety_net")
}
