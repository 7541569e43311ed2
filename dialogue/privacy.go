package dialogue

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/proactief/proactief/segment"
)

func (t *turn) status(d *Decision) string {
	switch {
	case d == nil:
		return t.text("status_open")
	case d.Given:
		return t.text("status_yes")
	}
	return t.text("status_no")
}

func (t *turn) privacy() {
	text := t.text("privacy", "keep", t.status(t.st.Consent.Keep), "research", t.status(t.st.Consent.Research), "days", strconv.Itoa(t.e.opts.RetentionDays), "responsible", t.responsible())
	var cs []Choice
	if t.st.Consent.Keeps() {
		cs = append(cs, t.choice("keep_off", "btn_keep_off"))
	} else if t.st.Consent.Keep != nil {
		cs = append(cs, t.choice("keep_on", "btn_keep_on"))
	}
	if t.st.Consent.Researchable() {
		cs = append(cs, t.choice("research_off", "btn_research_off"))
	} else if t.st.Consent.Research != nil {
		cs = append(cs, t.choice("research_on", "btn_research_on"))
	}
	if t.st.Consent.Followup != nil && t.st.Consent.Followup.Given {
		cs = append(cs, t.choice("followup_off", "btn_followup_off"))
	}
	cs = append(cs, t.choice("erase", "btn_erase"))
	// The privacy buttons stay valid whatever is asked next, so they do not
	// replace the current prompt.
	t.out.Replies = append(t.out.Replies, Reply{Text: text, Choices: cs, Prompt: promptPrivacy})
}

func (t *turn) privacyChoice(id string) {
	now := func(given bool) *Decision {
		return &Decision{Given: given, Version: ConsentVersion, At: t.in.Time, Channel: t.in.Channel}
	}
	switch id {
	case "keep_off":
		t.st.Consent.Keep = now(false)
		t.say("keep_withdrawn")
		t.withdrawFollowup(now(false)) // a follow-up needs the answers kept
	case "keep_on":
		if t.st.Consent.Keep == nil { // never asked: a forged button gives no consent
			t.say("stale_button")
			break
		}
		t.st.Consent.Keep = now(true)
		t.say("keep_given")
	case "research_off":
		t.st.Consent.Research = now(false)
		t.out.EraseResearch = true
		t.say("research_withdrawn")
	case "research_on":
		if t.st.Consent.Research == nil {
			t.say("stale_button")
			break
		}
		t.st.Consent.Research = now(true)
		t.say("research_given")
	case "followup_off":
		t.withdrawFollowup(now(false))
		t.say("followup_withdrawn")
	case "erase":
		t.askErase()
		return
	default:
		t.say("stale_button")
	}
	t.reask()
}

func (t *turn) showData() {
	t.out.ShowData = true
	var b strings.Builder
	fmt.Fprintf(&b, "- %s: %s\n", t.label("privacy_keep"), t.status(t.st.Consent.Keep))
	fmt.Fprintf(&b, "- %s: %s\n", t.label("privacy_research"), t.status(t.st.Consent.Research))
	if t.st.Source != "" {
		fmt.Fprintf(&b, "- %s: %s\n", t.label("source"), t.st.Source)
	}
	for _, s := range t.st.Steps {
		st, _ := segment.Find(s.Statement)
		v := "-"
		if s.Value > 0 {
			v = strconv.Itoa(s.Value)
		}
		fmt.Fprintf(&b, "- %s: %s\n", t.questionText(st), v)
	}
	if t.st.Offer != "" {
		fmt.Fprintf(&b, "- %s: %s\n", t.label("offer"), t.text("btn_offer_"+t.st.Offer))
	}
	t.say("data", "data", strings.TrimRight(b.String(), "\n"))
	t.reask()
}

// label gives the short names used in the /gegevens list; they are plain
// words rather than sentences, so they live here with the list's layout.
func (t *turn) label(k string) string {
	nl := map[string]string{"privacy_keep": "Antwoorden bewaren", "privacy_research": "Onderzoek", "source": "Via", "offer": "Gekozen hulp"}
	en := map[string]string{"privacy_keep": "Keep answers", "privacy_research": "Research", "source": "Via", "offer": "Chosen help"}
	if t.st.Lang == "en" {
		return en[k]
	}
	return nl[k]
}

func (t *turn) askErase() {
	if t.st.Phase != PhaseConfirmErase {
		t.st.Prev = t.st.Phase
		t.fire("ask_erase")
	}
	t.askEraseQuestion()
}

func (t *turn) askEraseQuestion() {
	t.ask(t.text("erase_q"), promptErase, t.choice("yes", "btn_erase_yes"), t.choice("no", "btn_erase_no"))
}

func (t *turn) confirmErase(text string) {
	yes := t.in.Choice == "yes"
	no := t.in.Choice == "no"
	if t.in.Choice == "" {
		switch parseYesNo(text) {
		case answerYes:
			yes = true
		case answerNo:
			no = true
		}
	}
	switch {
	case yes:
		lang, channel, test := t.st.Lang, t.st.Channel, t.st.Test
		t.out.Erase = true
		t.fire("erased")
		t.st = State{Phase: t.st.Phase, Lang: lang, Channel: channel, Test: test, Started: t.in.Time, Updated: t.in.Time}
		t.say("erased")
	case no:
		prev := t.st.Prev
		if !KnownPhase(prev) || prev == PhaseConfirmErase {
			prev = PhaseWelcome
		}
		t.st.Phase, t.st.Prev = prev, ""
		t.say("erase_cancelled")
		t.reask()
	default:
		t.askEraseQuestion()
	}
}
