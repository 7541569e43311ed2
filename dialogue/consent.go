package dialogue

import (
	"strconv"
	"strings"
)

func (t *turn) welcome() {
	t.fire("begin")
	t.say("intro", "days", strconv.Itoa(t.e.opts.RetentionDays), "bot", t.text(t.contactKey("bot"), "name", t.e.opts.Municipality.Name), "responsible", t.responsible(),
		"lo", strconv.Itoa(t.e.first.Lo), "hi", strconv.Itoa(t.e.first.Hi))
	t.sayCampaign()
	t.askConsentKeep()
}

// sayCampaign says why the municipality got in touch, when the
// conversation came from one of its campaigns.
func (t *turn) sayCampaign() {
	if c, ok := t.campaign(); ok {
		text := c.Text
		if t.st.Lang == "en" && c.TextEN != "" {
			text = c.TextEN
		}
		t.say("campaign", "text", text)
	}
}

// campaign returns the campaign the conversation was started from, if it
// is one the deployment knows.
func (t *turn) campaign() (Campaign, bool) {
	if t.st.Source == "" {
		return Campaign{}, false
	}
	for _, c := range t.e.opts.Campaigns {
		if strings.EqualFold(c.Name, t.st.Source) {
			return c, true
		}
	}
	return Campaign{}, false
}

// responsible says who is responsible for the data (AVG art. 13) and where
// the privacy statement is.
func (t *turn) responsible() string {
	m := t.e.opts.Municipality
	if !m.configured() {
		return t.text("responsible")
	}
	controller := m.Controller
	if controller == "" {
		controller = t.text("controller_default", "name", m.Name)
	}
	s := t.text("responsible_local", "controller", controller)
	if m.PrivacyURL != "" {
		s += " " + t.text("privacy_statement", "url", m.PrivacyURL)
	}
	return s
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
		t.explainConsent()
		t.reask()
		return false, false
	case "":
	default:
		t.say("consent_unclear")
		t.unclear = true
		t.reask()
		return false, false
	}
	switch parseYesNo(text) {
	case answerYes:
		return true, true
	case answerNo:
		return false, true
	case answerWhy:
		t.explainConsent()
	default:
		t.say("consent_unclear")
		t.unclear = true
	}
	t.reask()
	return false, false
}

// explainConsent answers "Waarom?" at a consent question: what keeping
// means at the first question, what research means at the second.
func (t *turn) explainConsent() {
	if t.st.Phase == PhaseConsentResearch {
		t.say("consent_research_more", "days", strconv.Itoa(t.e.opts.ResearchDays))
		return
	}
	t.say("consent_more", "days", strconv.Itoa(t.e.opts.RetentionDays))
}
