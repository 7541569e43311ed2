package dialogue

import (
	"strings"
	"unicode"

	"github.com/proactief/proactief/segment"
)

// command handles the commands valid in every state. It reports whether
// text was one.
func (t *turn) command(text string) bool {
	low := strings.ToLower(strings.TrimSpace(text))
	word, arg, _ := strings.Cut(low, " ")
	switch word {
	case "/start", "start":
		fresh := false
		if src := sourceParam(strings.TrimSpace(text[len(word):])); src != "" && t.st.Source == "" {
			t.st.Source = src
			fresh = true
		}
		if t.st.Phase == PhaseWelcome {
			t.welcome()
		} else {
			// A campaign link opened after the conversation began (the
			// terminal starts with a bare /start): say why we got in touch.
			if fresh {
				t.sayCampaign()
			}
			t.say("welcome_back")
			t.reask()
		}
		return true
	case "/help", "/hulp", "help", "hulp", "/?":
		t.say("help", "contact", t.text(t.contactKey("contact"), t.contactArgs()...))
		t.reask()
		return true
	case "/privacy", "privacy":
		t.privacy()
		return true
	case "/gegevens", "/data", "/mydata":
		t.showData()
		return true
	case "/vergeet", "/forget", "/wis", "/erase", "/delete":
		t.askErase()
		return true
	case "/mens", "/human", "/medewerker", "/persoon":
		t.askPerson()
		return true
	case "/opnieuw", "/restart", "/reset", "opnieuw":
		t.restart()
		return true
	case "/stop", "stop", "stoppen", "/stoppen", "klaar", "genoeg":
		t.stop()
		return true
	case "/kort", "korter", "kort", "shorter", "/short":
		t.setStyle(Brief, "style_brief")
		return true
	case "/uitleg", "uitleg", "/slow", "/explain", "langzamer", "rustiger":
		t.setStyle(Slow, "style_slow")
		return true
	case "/keuzes", "/choices":
		t.setStyle(Autonomy, "style_autonomy")
		return true
	case "/stijl", "/style":
		switch arg {
		case "kort", "short", "brief":
			t.setStyle(Brief, "style_brief")
		case "uitleg", "slow", "explain":
			t.setStyle(Slow, "style_slow")
		case "keuzes", "choices", "autonomy":
			t.setStyle(Autonomy, "style_autonomy")
		default:
			t.setStyle("", "style_auto")
		}
		return true
	}
	switch low {
	case "meer uitleg", "meer uitleg graag", "more explanation", "explain more", "slower", "rustig aan":
		t.setStyle(Slow, "style_slow")
		return true
	case "korter graag", "kort graag", "be brief", "short please":
		t.setStyle(Brief, "style_brief")
		return true
	}
	if strings.HasPrefix(low, "/") {
		t.say("unknown_command")
		t.reask()
		return true
	}
	return false
}

// sourceParam keeps a deep-link parameter only when it looks like a campaign
// code, never like something personal: letters, digits, - and _, at most 64.
func sourceParam(p string) string {
	if p == "" || len(p) > 64 {
		return ""
	}
	for _, r := range p {
		if !(r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')) {
			return ""
		}
	}
	digits := 0
	for _, r := range p {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits >= 6 { // a phone number, BSN or customer number is not a campaign
		return ""
	}
	return strings.ToLower(p)
}

func (t *turn) setStyle(tone Tone, key string) {
	t.st.Style = tone
	t.say(key)
	t.reask()
}

func (t *turn) stop() {
	if t.st.Followup != nil && t.st.Followup.Pending {
		t.cancelFollowup(ResultStop)
		t.say("followup_stopped")
	}
	if t.st.Phase == PhaseProfiling {
		t.st.Stopped = true
		t.say("stopped_early")
		t.finishProfiling()
		return
	}
	if t.st.Phase == PhaseConfirmErase {
		t.st.Phase = t.st.Prev
	}
	t.st.Prompt = ""
	t.st.Pending = ""
	t.fire("stop")
	t.say("stopped")
}

func (t *turn) restart() {
	t.st.Steps = nil
	t.st.Pending = ""
	t.st.Shown = 0
	t.st.Promise = segment.Bounds{} // a new questionnaire, a new promise
	t.st.Offer = ""
	t.st.Stopped = false
	t.st.Done = false
	t.st.Retries = 0
	t.say("restart")
	if t.st.Consent.Keep == nil || t.st.Consent.Research == nil {
		t.st.Phase = PhaseConsentKeep
		t.fire("restart_consent")
		if t.st.Consent.Keep == nil {
			t.askConsentKeep()
		} else {
			t.fire("keep_answered")
			t.askConsentResearch()
		}
		return
	}
	t.fire("restart_profiling")
	t.startProfiling()
}
