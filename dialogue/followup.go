package dialogue

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/looplab/fsm"
)

// Follow-ups: the bot comes back when it said it would.
//
// At the end of a conversation (after the offer, "Later" included) a person
// who agreed to keep their answers is asked a fourth consent question: may
// the bot send a message later, and when. A yes puts a Scheduled message in
// the Outcome; the runtime keeps it in its outbox and sends it at Due (or
// later, outside quiet hours). The message is rendered now, in the person's
// tone and language, so that it holds nothing but what they will read.
// The answers to it (Gelukt, Nog niet, Ik wil hulp, Stop; or, after
// "Later", going on) are recorded in State.Followup and as FollowupResult.

// DefaultFollowupAfter is when a follow-up comes if the person agrees
// without choosing a moment (Options.FollowupAfter).
const DefaultFollowupAfter = 7 * 24 * time.Hour

// MaxFollowups is the most follow-ups one conversation gets.
const MaxFollowups = 2

// What a follow-up asks about.
const (
	AboutOffer = "offer" // after an offer: did it work out?
	AboutLater = "later" // after "Later": go on where you left off?
)

// Results of a follow-up, as FollowupResult and research records give them.
const (
	ResultGelukt  = "gelukt"   // it worked out
	ResultNogNiet = "nog_niet" // not yet
	ResultHulp    = "hulp"     // wants help from a person
	ResultVerder  = "verder"   // went on with the conversation (after "Later")
	ResultStop    = "stop"     // no more follow-ups (Stop, /stop, consent withdrawn)
)

// Followup is the follow-up planned for a conversation.
type Followup struct {
	About   string    `json:"about"`             // AboutOffer or AboutLater
	Due     time.Time `json:"due"`               // the moment it may be sent (quiet hours applied)
	Count   int       `json:"count"`             // follow-ups planned in this conversation so far
	Pending bool      `json:"pending,omitempty"` // planned and not yet answered or cancelled
	Result  string    `json:"result,omitempty"`  // the last answer (Result...)
}

// Scheduled is a message the runtime sends later: a follow-up.
type Scheduled struct {
	// Due is the first moment it may be sent, quiet hours applied.
	Due time.Time
	// Replies are the messages to send, rendered in the person's tone.
	Replies []Reply
}

// followupSpec are the content keys of this file, merged into messageSpec.
var followupSpec = map[string][]string{
	"followup_q":            {},
	"followup_again_q":      {},
	"followup_more":         {},
	"followup_yes":          {"when"},
	"followup_quiet":        {},
	"followup_no":           {},
	"followup_offer":        {},
	"followup_later":        {},
	"followup_gelukt":       {},
	"followup_nog_niet":     {},
	"followup_hulp":         {},
	"followup_verder":       {},
	"followup_stopped":      {},
	"followup_withdrawn":    {},
	"followup_last":         {},
	"when_tomorrow":         {},
	"when_week":             {},
	"when_two_weeks":        {},
	"when_days":             {"n"},
	"when_hours":            {"n"},
	"when_minutes":          {"n"},
	"when_seconds":          {"n"},
	"btn_followup_yes":      {"when"},
	"btn_followup_no":       {},
	"btn_followup_gelukt":   {},
	"btn_followup_nog_niet": {},
	"btn_followup_hulp":     {},
	"btn_followup_verder":   {},
	"btn_followup_stop":     {},
	"btn_followup_off":      {},
}

func init() {
	for k, v := range followupSpec {
		messageSpec[k] = v
	}
}

var followupEvents = fsm.Events{
	{Name: "ask_followup", Src: []string{PhaseOffer, PhaseClosing}, Dst: PhaseConsentFollowup},
	{Name: "followup_answered", Src: []string{PhaseConsentFollowup}, Dst: PhaseClosing},
	{Name: "resume_offer", Src: []string{PhaseClosing}, Dst: PhaseOffer},
}

const (
	promptFollowupConsent = "followup_consent"
	promptFollowup        = "followup"
)

// The moments a person can choose; "yes" is Options.FollowupAfter.
var followupMoments = []struct {
	id string
	d  time.Duration
}{
	{"tomorrow", 24 * time.Hour},
	{"week", 7 * 24 * time.Hour},
	{"two_weeks", 14 * 24 * time.Hour},
}

// canFollowup reports whether the person may be asked for a follow-up:
// only in a channel that can deliver one, with consent to keep the answers
// (a follow-up needs stored state), not after they said no to it, and not
// past MaxFollowups.
func (t *turn) canFollowup() bool {
	if !slices.Contains(t.e.opts.FollowupChannels, t.st.Channel) || !t.st.Consent.Keeps() {
		return false
	}
	if d := t.st.Consent.Followup; d != nil && !d.Given {
		return false
	}
	return t.st.Followup == nil || t.st.Followup.Count < MaxFollowups
}

// askFollowupAfterOffer asks the follow-up question after an offer choice,
// when it may be asked. It reports whether it did.
func (t *turn) askFollowupAfterOffer() bool {
	if !t.canFollowup() {
		return false
	}
	t.fire("ask_followup")
	t.askFollowup(true)
	return true
}

// whenText says a delay in words: "morgen", "over een week", ...
func (t *turn) whenText(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d == day:
		return t.text("when_tomorrow")
	case d == 7*day:
		return t.text("when_week")
	case d == 14*day:
		return t.text("when_two_weeks")
	case d >= 2*day:
		return t.text("when_days", "n", strconv.Itoa(int((d+day/2)/day)))
	case d >= time.Hour:
		return t.text("when_hours", "n", strconv.Itoa(int((d+time.Hour/2)/time.Hour)))
	case d >= time.Minute:
		return t.text("when_minutes", "n", strconv.Itoa(int((d+time.Minute/2)/time.Minute)))
	}
	return t.text("when_seconds", "n", strconv.Itoa(max(1, int((d+time.Second/2)/time.Second))))
}

// askFollowup asks whether the bot may come back, and when. The default
// moment is the first button; the fixed moments follow unless one equals it.
func (t *turn) askFollowup(fresh bool) {
	def := t.e.opts.FollowupAfter
	cs := []Choice{{ID: "yes", Label: t.text("btn_followup_yes", "when", t.whenText(def))}}
	for _, m := range followupMoments {
		if m.d != def {
			cs = append(cs, Choice{ID: m.id, Label: t.text("btn_followup_yes", "when", t.whenText(m.d))})
		}
	}
	cs = append(cs, t.choice("no", "btn_followup_no"), t.choice("more", "btn_more"))
	key := "followup_q"
	if t.st.Followup != nil && t.st.Followup.Result == ResultNogNiet {
		key = "followup_again_q"
	}
	text := t.text(key)
	if !fresh {
		text = t.text("consent_unclear") + "\n" + text
	}
	t.ask(text, promptFollowupConsent, cs...)
}

// consentFollowup reads the answer to the follow-up question.
func (t *turn) consentFollowup(text string) {
	id := t.in.Choice
	if id == "" {
		id = parseMoment(text)
	}
	var d time.Duration
	switch id {
	case "yes":
		d = t.e.opts.FollowupAfter
	case "no":
		t.st.Consent.Followup = &Decision{Given: false, Version: ConsentVersion, At: t.in.Time, Channel: t.in.Channel}
		t.st.Prompt = ""
		t.fire("followup_answered")
		t.say("followup_no")
		t.say("closing")
		return
	case "more":
		t.say("followup_more")
		t.askFollowup(true)
		return
	default:
		for _, m := range followupMoments {
			if m.id == id {
				d = m.d
			}
		}
		if d == 0 {
			t.unclear = true
			t.askFollowup(false)
			return
		}
	}
	t.st.Consent.Followup = &Decision{Given: true, Version: ConsentVersion, At: t.in.Time, Channel: t.in.Channel}
	t.st.Prompt = ""
	t.fire("followup_answered")
	t.schedule(d)
	t.say("closing")
}

// parseMoment reads a typed answer to the follow-up question.
func parseMoment(text string) string {
	low := strings.ToLower(strings.Trim(text, " .!?"))
	switch {
	case strings.Contains(low, "morgen") || strings.Contains(low, "tomorrow"):
		return "tomorrow"
	case strings.Contains(low, "twee weken") || strings.Contains(low, "2 weken") || strings.Contains(low, "two weeks") || strings.Contains(low, "2 weeks"):
		return "two_weeks"
	case strings.Contains(low, "week"):
		return "week"
	}
	switch parseYesNo(text) {
	case answerYes:
		return "yes"
	case answerNo:
		return "no"
	case answerWhy:
		return "more"
	}
	return ""
}

// schedule plans a follow-up d from now, about the offer or about going on.
func (t *turn) schedule(d time.Duration) {
	about := AboutOffer
	if t.st.Offer == "later" {
		about = AboutLater
	}
	due := t.in.Time.Add(d)
	if t.e.opts.Allowed != nil {
		if a := t.e.opts.Allowed(due); a.After(due) {
			due = a
		}
	}
	f := Followup{About: about, Due: due, Count: 1, Pending: true}
	if t.st.Followup != nil {
		f.Count = t.st.Followup.Count + 1
		f.Result = t.st.Followup.Result
	}
	t.st.Followup = &f
	t.say("followup_yes", "when", t.whenText(d))
	if !due.Equal(t.in.Time.Add(d)) {
		t.say("followup_quiet")
	}
	var msg Reply
	if about == AboutLater {
		msg = Reply{Text: t.text("followup_later"), Prompt: promptFollowup, Choices: []Choice{
			t.choice("verder", "btn_followup_verder"), t.choice("stop", "btn_followup_stop")}}
	} else {
		msg = Reply{Text: t.text("followup_offer"), Prompt: promptFollowup, Choices: []Choice{
			t.choice("gelukt", "btn_followup_gelukt"), t.choice("nog_niet", "btn_followup_nog_niet"),
			t.choice("hulp", "btn_followup_hulp"), t.choice("stop", "btn_followup_stop")}}
	}
	t.out.Schedule = &Scheduled{Due: due, Replies: []Reply{msg}}
}

// followupDue reports whether a follow-up was planned and its moment has
// come: its answers are understood now.
func (t *turn) followupDue() bool {
	f := t.st.Followup
	return f != nil && f.Pending && !t.in.Time.Before(f.Due)
}

// followupText reads typed text as an answer to a follow-up that has come.
// It reports whether it was one.
func (t *turn) followupText(text string) bool {
	id := t.followupReply(text)
	if id == "" {
		return false
	}
	t.followupChoice(id)
	return true
}

// followupReply returns the follow-up answer typed text gives ("gelukt",
// "nog_niet", "hulp", "verder"), "" when it gives none or no follow-up has
// come.
func (t *turn) followupReply(text string) string {
	if !t.followupDue() {
		return ""
	}
	low := strings.ToLower(strings.Trim(text, " .!?"))
	switch {
	case strings.Contains(low, "nog niet") || strings.Contains(low, "not yet"):
		return "nog_niet"
	case strings.Contains(low, "gelukt") || strings.Contains(low, "it worked") || low == "done":
		return "gelukt"
	case strings.Contains(low, "hulp") || strings.Contains(low, "help") || strings.Contains(low, "mens") || strings.Contains(low, "person"):
		return "hulp"
	case strings.Contains(low, "verder") || strings.Contains(low, "go on") || strings.Contains(low, "continue"):
		return "verder"
	}
	switch parseYesNo(text) {
	case answerYes:
		if t.st.Followup.About == AboutLater {
			return "verder"
		}
		return "gelukt"
	case answerNo:
		return "nog_niet"
	}
	return ""
}

// followupHeard reports whether what the understanding step heard in text
// is, here, an answer to the follow-up question or to a follow-up: "later",
// "morgen" choose a moment; "nog niet", "ik wil hulp" answer a follow-up.
// A crisis or an urgent need is never an answer.
func (t *turn) followupHeard(in Intent, text string) bool {
	if in == IntentCrisis || in == IntentUrgent {
		return false
	}
	switch {
	case t.st.Phase == PhaseConsentFollowup:
		return in == IntentLater || parseMoment(text) != ""
	case t.st.Phase == PhaseClosing:
		return t.followupReply(text) != ""
	}
	return false
}

// followupChoice handles an answer to a follow-up message.
func (t *turn) followupChoice(id string) {
	f := t.st.Followup
	if f == nil || !f.Pending {
		t.say("stale_button")
		t.reask()
		return
	}
	if id == "stop" {
		t.cancelFollowup(ResultStop)
		t.say("followup_stopped")
		return
	}
	switch id {
	case "gelukt", "nog_niet", "hulp":
		if f.About != AboutOffer {
			t.say("stale_button")
			return
		}
	case "verder":
		if f.About != AboutLater {
			t.say("stale_button")
			return
		}
	default:
		t.say("stale_button")
		return
	}
	f.Pending = false
	f.Result = id
	t.out.FollowupResult = id
	switch id {
	case ResultGelukt:
		t.say("followup_gelukt")
	case ResultNogNiet:
		t.say("followup_nog_niet")
		if t.canFollowup() && t.st.Phase == PhaseClosing {
			t.fire("ask_followup")
			t.askFollowup(true)
			return
		}
		t.say("followup_last")
	case ResultHulp:
		t.say("followup_hulp")
		t.personRoute()
	case ResultVerder:
		t.say("followup_verder")
		if t.st.Phase == PhaseClosing {
			t.fire("resume_offer")
			t.askOffer(true)
			return
		}
		t.reask()
	}
}

// personRoute sends the person to a person, as "Ik wil met iemand
// praten" does: the handover when a desk is configured, the
// municipality's contact route otherwise.
func (t *turn) personRoute() { t.wantPerson() }

// cancelFollowup cancels a pending follow-up (/stop, Stop, consent
// withdrawn), recording result when it had come already.
func (t *turn) cancelFollowup(result string) {
	f := t.st.Followup
	if f == nil || !f.Pending {
		return
	}
	if !t.in.Time.Before(f.Due) {
		f.Result = result
		t.out.FollowupResult = result
	}
	f.Pending = false
	t.out.CancelFollowups = true
	t.out.Schedule = nil
}

// withdrawFollowup records that the person no longer wants follow-ups and
// cancels what is pending.
func (t *turn) withdrawFollowup(d *Decision) {
	if t.st.Consent.Followup == nil && t.st.Followup == nil {
		return
	}
	if t.st.Consent.Followup != nil {
		t.st.Consent.Followup = d
	}
	t.cancelFollowup(ResultStop)
	t.out.CancelFollowups = true
}
