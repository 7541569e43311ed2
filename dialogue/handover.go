package dialogue

import (
	"strconv"
	"strings"
	"unicode"
)

// ShareVersion identifies the text of the third consent, sharing the
// conversation with a municipal worker (handover_share_q,
// handover_share_more); it is recorded with the answer. Change it when
// their meaning changes.
const ShareVersion = "2026-12-share-v1"

// CallbackVersion identifies the text asking to keep a phone number for a
// callback (handover_callback_q).
const CallbackVersion = "2026-12-callback-v1"

// Handover sub-states (State.Handover). The engine keeps what the person
// is asked; the runtime (package bot) keeps the rest (the desk thread,
// office hours, the worker) and moves between HandoverOpen, HandoverOffer
// and HandoverRating when the desk or the clock says so.
const (
	HandoverAsk      = "ask"      // asked whether the conversation may be shared with a worker
	HandoverOpen     = "open"     // shared: what the person types goes to the desk
	HandoverOffer    = "offer"    // nobody there: a callback is offered
	HandoverPhone    = "phone"    // asked for the number to call back
	HandoverCallback = "callback" // the number is left; waiting for the call
	HandoverRating   = "rating"   // the worker closed it; a rating is asked
)

const (
	promptShare    = "share"
	promptCallback = "callback"
	promptRating   = "rating"
)

// HandoverStep is what a message did to a handover, for the runtime.
type HandoverStep struct {
	// Start: the person agreed to share; open a handover.
	Start bool
	// Relay is text for the worker ("" none).
	Relay string
	// Crisis: the understanding step heard a crisis in Relay; the person
	// got 113 and 112 from the bot, and the worker sees the message flagged.
	Crisis bool
	// File: the person sent a file (photo, document) for the worker.
	File bool
	// End: the person ended the handover or the callback (/stop).
	End bool
	// Phone is the number to call back, as typed but checked.
	Phone string
	// Declined: the person did not want a callback.
	Declined bool
	// Rating is the person's rating of the conversation, 1..5 (0 none).
	Rating int
}

// personWords are the commands that ask for a person.
func isPersonCommand(word string) bool {
	switch word {
	case "/mens", "/human", "/medewerker", "/persoon":
		return true
	}
	return false
}

// wantHandover starts the handover when a desk is configured: it asks the
// third consent. It reports false when there is no desk (the caller gives
// the contact route, as without a handover).
func (t *turn) wantHandover() bool {
	if !t.e.opts.Handover || t.st.Phase == PhaseConfirmErase {
		return false
	}
	switch t.st.Handover {
	case HandoverOpen, HandoverCallback:
		t.say("handover_already")
		return true
	}
	t.st.Handover = HandoverAsk
	t.askShare()
	return true
}

// askPerson answers a request for a person (/mens): the handover when
// there is a desk, else the contact route.
func (t *turn) askPerson() { t.wantPerson() }

// Summary returns the plain words a worker reads about how the person likes
// to be helped ("wil het kort"), in lang.
func (e *Engine) Summary(st State, lang string) string {
	t := &turn{e: e, st: st}
	return e.content.Text(lang, "summary_"+string(t.tone()), Neutral)
}

func (t *turn) askShare() {
	t.ask(t.text("handover_share_q", "summary", t.e.Summary(t.st, t.st.Lang)), promptShare,
		t.choice("yes", "btn_share_yes"), t.choice("no", "btn_share_no"), t.choice("more", "btn_more"))
}

// inHandover runs handover for a message; when the normal engine handles
// it after all, what handover said is taken back (the engine says it again).
func (t *turn) inHandover() bool {
	if t.st.Handover == "" {
		return false
	}
	n := len(t.out.Replies)
	if t.handover() {
		return true
	}
	t.out.Replies = t.out.Replies[:n]
	return false
}

// handover handles a message while a handover is asked or open; it
// reports whether it did (false: the normal engine handles it).
func (t *turn) handover() bool {
	if t.st.Handover == "" || t.st.Phase == PhaseConfirmErase {
		return false
	}
	text := ""
	if !t.in.NonText {
		text = t.cleanText()
	}
	word, _, _ := strings.Cut(strings.ToLower(text), " ")
	if t.in.Choice == "" && strings.HasPrefix(word, "/") {
		switch {
		case word == "/stop" || word == "/stoppen":
			t.endHandover()
			return true
		case isPersonCommand(word):
			return t.wantHandover()
		}
		return false // every other command works as always
	}
	switch t.st.Handover {
	case HandoverAsk:
		return t.shareAnswer(text)
	case HandoverOpen:
		if t.in.Choice != "" {
			return false // an old button: the engine says so
		}
		if t.in.NonText {
			t.out.Handover.File = true
			return true
		}
		if text != "" {
			t.out.Handover.Relay = text
			// A crisis is answered at once, even while a worker talks
			// with the person (who may not be reading yet); the worker
			// gets the words, flagged.
			if Understand(text, false).First() == IntentCrisis {
				t.out.Intent = IntentCrisis
				t.out.Sensitive = true
				t.out.Handover.Crisis = true
				t.say("crisis")
			}
		}
		return true
	case HandoverOffer:
		return t.callbackAnswer(text)
	case HandoverPhone:
		if t.in.Choice == "no" {
			t.declineCallback()
			return true
		}
		if p, ok := ParsePhone(text); ok {
			t.out.Handover.Phone = p
			t.st.Handover = HandoverCallback
			t.st.Prompt = ""
			return true // the runtime says when the call comes
		}
		t.ask(t.text("handover_phone_invalid"), promptCallback, t.choice("no", "btn_callback_no"))
		return true
	case HandoverCallback:
		if t.in.Choice != "" {
			return false
		}
		t.say("handover_callback_waiting")
		return true
	case HandoverRating:
		return t.rating(text)
	}
	t.st.Handover = "" // unknown (from a newer version): forget it
	return false
}

func (t *turn) shareAnswer(text string) bool {
	if t.in.Choice != "" && t.in.Prompt != "" && t.in.Prompt != promptShare {
		return false
	}
	yes, ok := t.shareYesNo(text)
	if !ok {
		return true
	}
	t.st.Consent.Share = &Decision{Given: yes, Version: ShareVersion, At: t.in.Time, Channel: t.in.Channel}
	t.st.Prompt = ""
	if !yes {
		t.st.Handover = ""
		t.say("handover_no_share")
		t.contactRoute()
		return true
	}
	t.st.Handover = HandoverOpen
	t.out.Handover.Start = true
	return true
}

// shareYesNo reads the answer to the share question, explaining or asking
// again itself when it is not a yes or no.
func (t *turn) shareYesNo(text string) (yes, ok bool) {
	ans := answerUnknown
	switch t.in.Choice {
	case "yes":
		ans = answerYes
	case "no":
		ans = answerNo
	case "more":
		ans = answerWhy
	case "":
		ans = parseYesNo(text)
	}
	switch ans {
	case answerYes:
		return true, true
	case answerNo:
		return false, true
	case answerWhy:
		t.say("handover_share_more", "days", strconv.Itoa(t.e.opts.RetentionDays))
	default:
		t.say("consent_unclear")
		t.unclear = true
	}
	t.askShare()
	return false, false
}

// OfferCallback is what the runtime says when nobody can take the
// handover: why (key: handover_nobody or handover_closed_hours, with its
// arguments), then the callback question. It moves st to HandoverOffer.
func (e *Engine) OfferCallback(st *State, key string, args ...string) []Reply {
	t := &turn{e: e, st: *st}
	t.say(key, args...)
	t.st.Handover = HandoverOffer
	t.askCallback()
	*st = t.st
	return t.out.Replies
}

func (t *turn) askCallback() {
	t.ask(t.text("handover_callback_q"), promptCallback, t.choice("yes", "btn_callback_yes"), t.choice("no", "btn_callback_no"))
}

func (t *turn) callbackAnswer(text string) bool {
	if t.in.Choice != "" && t.in.Prompt != "" && t.in.Prompt != promptCallback {
		return false
	}
	ans := answerUnknown
	switch t.in.Choice {
	case "yes":
		ans = answerYes
	case "no":
		ans = answerNo
	case "":
		ans = parseYesNo(text)
		if _, ok := ParsePhone(text); ok {
			ans = answerYes // a number given at once is a yes
		}
	}
	switch ans {
	case answerYes:
		t.st.Consent.Callback = &Decision{Given: true, Version: CallbackVersion, At: t.in.Time, Channel: t.in.Channel}
		if p, ok := ParsePhone(text); ok {
			t.out.Handover.Phone = p
			t.st.Handover = HandoverCallback
			t.st.Prompt = ""
			return true
		}
		t.st.Handover = HandoverPhone
		t.ask(t.text("handover_phone_q"), promptCallback, t.choice("no", "btn_callback_no"))
	case answerNo:
		t.declineCallback()
	default:
		t.say("consent_unclear")
		t.unclear = true
		t.askCallback()
	}
	return true
}

func (t *turn) declineCallback() {
	t.st.Consent.Callback = &Decision{Given: false, Version: CallbackVersion, At: t.in.Time, Channel: t.in.Channel}
	t.st.Handover = ""
	t.st.Prompt = ""
	t.out.Handover.Declined = true
	t.say("handover_callback_declined")
	t.contactRoute()
}

// endHandover ends a handover or callback at the person's request.
func (t *turn) endHandover() {
	if t.st.Handover == HandoverAsk || t.st.Handover == HandoverRating {
		t.st.Handover = ""
		t.st.Prompt = ""
		t.stop()
		return
	}
	t.st.Handover = ""
	t.st.Prompt = ""
	t.out.Handover.End = true
	t.say("handover_stopped")
}

// AskRating is what the runtime says when a worker closed the handover:
// the closing line and the optional rating. It moves st to HandoverRating.
func (e *Engine) AskRating(st *State) []Reply {
	t := &turn{e: e, st: *st}
	t.say("handover_closed")
	t.st.Handover = HandoverRating
	cs := make([]Choice, 0, 6)
	for i := 1; i <= 5; i++ {
		cs = append(cs, Choice{ID: strconv.Itoa(i), Label: strconv.Itoa(i)})
	}
	cs = append(cs, t.choice("skip", "btn_skip"))
	t.ask(t.text("handover_rating_q"), promptRating, cs...)
	*st = t.st
	return t.out.Replies
}

func (t *turn) rating(text string) bool {
	if t.in.Choice != "" && t.in.Prompt != "" && t.in.Prompt != promptRating {
		return false
	}
	v := t.in.Choice
	if v == "" {
		v = strings.Trim(text, " .!")
	}
	t.st.Handover = ""
	t.st.Prompt = ""
	if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 5 {
		t.out.Handover.Rating = n
		t.say("handover_rating_thanks")
		return true
	}
	if v == "skip" {
		t.say("handover_rating_skipped")
		return true
	}
	// Not a rating: the conversation goes on as usual.
	return false
}

// SetHandover moves st to a handover sub-state decided by the runtime
// ("" ends it) and returns the text of key for the person, if any.
func (e *Engine) SetHandover(st *State, sub, key string, args ...string) []Reply {
	t := &turn{e: e, st: *st}
	t.st.Handover = sub
	if sub == "" || sub == HandoverOpen {
		t.st.Prompt = ""
	}
	if key != "" {
		t.say(key, args...)
	}
	*st = t.st
	return t.out.Replies
}

// Say returns the text of key in st's language and tone, as a reply.
func (e *Engine) Say(st State, key string, args ...string) []Reply {
	t := &turn{e: e, st: st}
	t.say(key, args...)
	return t.out.Replies
}

// ParsePhone checks a Dutch or international phone number as typed
// ("06 12345678", "+31 6 1234 5678", "020-1234567") and returns it with
// only digits and a leading +. ok is false for anything else.
func ParsePhone(text string) (string, bool) {
	s := strings.TrimSpace(text)
	if s == "" || len(s) > 30 {
		return "", false
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case unicode.IsDigit(r) && r < 128:
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", false
		}
	}
	p := b.String()
	digits := strings.TrimPrefix(p, "+")
	switch {
	case strings.HasPrefix(p, "+"):
		return p, len(digits) >= 10 && len(digits) <= 15
	case strings.HasPrefix(p, "00"):
		return "+" + p[2:], len(digits) >= 12 && len(digits) <= 17
	case strings.HasPrefix(p, "0"):
		return p, len(p) == 10
	}
	return "", false
}
