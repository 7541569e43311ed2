package dialogue

import (
	"strconv"
)

func (t *turn) welcome() {
	t.fire("begin")
	t.say("intro", "days", strconv.Itoa(t.e.opts.RetentionDays))
	t.askConsentKeep()
}

func (t *turn) askConsentKeep() {
	t.ask(t.text("consent_keep_q", "days", strconv.Itoa(t.e.opts.RetentionDays)), promptConsentKeep,
		t.choice("yes", "btn_yes"), t.choice("no", "btn_no"), t.choice("more", "btn_more"))
}

func (t *turn) askConsentResearch() {
	t.ask(t.text("consent_research_q"), promptConsentResearch,
		t.choice("yes", "btn_yes"), t.choice("no", "btn_no"), t.choice("more", "btn_more"))
}

func (t *turn) consent(text string) {
	yes, ok := t.yesNo(text)
	if !ok {
		return
	}
	d := &Decision{Given: yes, Version: ConsentVersion, At: t.in.Time, Channel: t.in.Channel}
	if t.st.Phase == PhaseConsentKeep {
		t.st.Consent.Keep = d
		t.say(map[bool]string{true: "keep_yes", false: "keep_no"}[yes])
		t.fire("keep_answered")
		t.askConsentResearch()
		return
	}
	t.st.Consent.Research = d
	t.say(map[bool]string{true: "research_yes", false: "research_no"}[yes])
	t.fire("research_answered")
	t.startProfiling()
}

// yesNo reads a consent answer. When it is not a yes or no it answers the
// person itself (explains, or asks again) and returns ok false.
func (t *turn) yesNo(text string) (yes, ok bool) {
	switch t.in.Choice {
	case "yes":
		return true, true
	case "no":
		return false, true
	case "more":
		t.say("consent_more", "days", strconv.Itoa(t.e.opts.RetentionDays))
		t.reask()
		return false, false
	case "":
	default:
		t.say("consent_unclear")
		t.reask()
		return false, false
	}
	switch parseYesNo(text) {
	case answerYes:
		return true, true
	case answerNo:
		return false, true
	case answerWhy:
		t.say("consent_more", "days", strconv.Itoa(t.e.opts.RetentionDays))
	default:
		t.say("consent_unclear")
	}
	t.reask()
	return false, false
}
