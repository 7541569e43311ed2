package dialogue

import (
	"strings"
	"testing"
	"time"
)

// toOffer runs a conversation with the given consents to the offer.
func toOffer(t *testing.T, e *Engine, keep bool) *talk {
	t.Helper()
	k := &talk{t: t, e: e, now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	k.say("/start")
	k.choose(map[bool]string{true: "yes", false: "no"}[keep])
	k.choose("yes")
	k.say("/stop")
	if k.st.Phase != PhaseOffer {
		t.Fatalf("state=%v, want offer", k.st.Phase)
	}
	return k
}

// engineWith makes an engine with follow-ups in the test channel.
func followupEngine(t *testing.T, o Options) *Engine {
	t.Helper()
	o.FollowupChannels = append(o.FollowupChannels, "test")
	e, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func choiceIDs(r Reply) []string {
	var ids []string
	for _, c := range r.Choices {
		ids = append(ids, c.ID)
	}
	return ids
}

func lastReply(o Outcome) Reply {
	if len(o.Replies) == 0 {
		return Reply{}
	}
	return o.Replies[len(o.Replies)-1]
}

func TestFollowupOnlyWithKeepConsent(t *testing.T) {
	k := toOffer(t, followupEngine(t, Options{}), false)
	k.choose("offer_link")
	if k.st.Phase != PhaseClosing || k.out.Schedule != nil || k.st.Consent.Followup != nil {
		t.Fatalf("without keep consent: state=%v schedule=%v", k.st.Phase, k.out.Schedule)
	}
	// Nor in a channel that cannot deliver one.
	k = toOffer(t, newEngine(t), true)
	k.choose("offer_link")
	if k.st.Phase != PhaseClosing || k.out.Schedule != nil {
		t.Fatalf("without a channel for it: state=%v", k.st.Phase)
	}
}

func TestFollowupConsentAndDefault(t *testing.T) {
	e := followupEngine(t, Options{FollowupAfter: 5 * time.Second})
	k := toOffer(t, e, true)
	k.choose("offer_link")
	if k.st.Phase != PhaseConsentFollowup || k.st.Prompt != promptFollowupConsent {
		t.Fatalf("state=%v prompt=%v, want the follow-up question", k.st.Phase, k.st.Prompt)
	}
	q := lastReply(k.out)
	if got := strings.Join(choiceIDs(q), ","); got != "yes,tomorrow,week,two_weeks,no,more" {
		t.Fatalf("choices=%s", got)
	}
	if q.Choices[0].Label != "Ja, over 5 seconden" || q.Choices[1].Label != "Ja, morgen" {
		t.Fatalf("labels=%q, %q", q.Choices[0].Label, q.Choices[1].Label)
	}
	k.choose("more")
	if k.st.Phase != PhaseConsentFollowup || !strings.Contains(allText(k.out), "chat-adres") {
		t.Fatalf("more: state=%v text=%q", k.st.Phase, allText(k.out))
	}
	at := k.now.Add(time.Minute)
	k.say("ja")
	d := k.st.Consent.Followup
	if d == nil || !d.Given || d.Version != ConsentVersion || d.Channel != "test" || !d.At.Equal(at) {
		t.Fatalf("decision=%+v", d)
	}
	s := k.out.Schedule
	if s == nil || !s.Due.Equal(at.Add(5*time.Second)) || len(s.Replies) != 1 {
		t.Fatalf("schedule=%+v", s)
	}
	if got := strings.Join(choiceIDs(s.Replies[0]), ","); got != "gelukt,nog_niet,hulp,stop" || s.Replies[0].Prompt != promptFollowup {
		t.Fatalf("follow-up choices=%s prompt=%q", got, s.Replies[0].Prompt)
	}
	if k.st.Phase != PhaseClosing || !k.st.Followup.Pending || k.st.Followup.Count != 1 || k.st.Followup.About != AboutOffer {
		t.Fatalf("state=%v followup=%+v", k.st.Phase, k.st.Followup)
	}
	if !strings.Contains(allText(k.out), "over 5 seconden") {
		t.Fatalf("confirmation does not say when: %q", allText(k.out))
	}
}

func TestFollowupMoments(t *testing.T) {
	for _, tc := range []struct {
		answer string
		typed  bool
		want   time.Duration
	}{
		{"tomorrow", false, 24 * time.Hour},
		{"week", false, 7 * 24 * time.Hour},
		{"two_weeks", false, 14 * 24 * time.Hour},
		{"yes", false, DefaultFollowupAfter},
		{"over twee weken graag", true, 14 * 24 * time.Hour},
		{"morgen", true, 24 * time.Hour},
		{"ja hoor", true, DefaultFollowupAfter},
	} {
		k := toOffer(t, followupEngine(t, Options{}), true)
		k.choose("offer_self")
		if tc.typed {
			k.say(tc.answer)
		} else {
			k.choose(tc.answer)
		}
		if k.out.Schedule == nil || k.out.Schedule.Due.Sub(k.now) != tc.want {
			t.Fatalf("%s: schedule=%+v, want after %v", tc.answer, k.out.Schedule, tc.want)
		}
	}
	// The default equal to a fixed moment is offered once.
	k := toOffer(t, followupEngine(t, Options{}), true)
	k.choose("offer_self")
	if got := strings.Join(choiceIDs(lastReply(k.out)), ","); got != "yes,tomorrow,two_weeks,no,more" {
		t.Fatalf("choices=%s", got)
	}
	k.say("misschien")
	if k.st.Phase != PhaseConsentFollowup || k.out.Schedule != nil {
		t.Fatalf("an unclear answer: state=%v schedule=%v", k.st.Phase, k.out.Schedule)
	}
	k.choose("no")
	if k.st.Consent.Followup == nil || k.st.Consent.Followup.Given || k.out.Schedule != nil || k.st.Phase != PhaseClosing {
		t.Fatalf("no: decision=%+v schedule=%v", k.st.Consent.Followup, k.out.Schedule)
	}
	// A no is not asked again after /opnieuw.
	k.say("/opnieuw")
	k.say("/stop")
	k.choose("offer_link")
	if k.st.Phase != PhaseClosing {
		t.Fatalf("asked again after no: state=%v", k.st.Phase)
	}
}

func TestFollowupQuietHoursMoveDue(t *testing.T) {
	allowed := func(t time.Time) time.Time { // nothing before noon
		if t.Hour() < 12 {
			return time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, t.Location())
		}
		return t
	}
	k := toOffer(t, followupEngine(t, Options{FollowupAfter: time.Minute, Allowed: allowed}), true)
	k.choose("offer_link")
	k.choose("yes")
	if k.out.Schedule == nil || k.out.Schedule.Due.Hour() != 12 || !k.st.Followup.Due.Equal(k.out.Schedule.Due) {
		t.Fatalf("schedule=%+v", k.out.Schedule)
	}
	if !strings.Contains(allText(k.out), "zondag") {
		t.Fatalf("the person is not told it comes later: %q", allText(k.out))
	}
}

// answer taps a button of the follow-up message, as a channel delivers it.
func (k *talk) answer(id string) {
	k.now = k.st.Followup.Due.Add(time.Minute)
	k.out = k.e.Step(k.st, Input{Time: k.now, Choice: id, Prompt: promptFollowup, Channel: "test"})
	k.st = k.out.State
}

func TestFollowupAnswers(t *testing.T) {
	k := toOffer(t, followupEngine(t, Options{}), true)
	k.choose("offer_link")
	k.choose("week")
	k.answer("gelukt")
	if k.out.FollowupResult != ResultGelukt || k.st.Followup.Pending || k.st.Followup.Result != ResultGelukt {
		t.Fatalf("gelukt: result=%q followup=%+v", k.out.FollowupResult, k.st.Followup)
	}
	// A second tap on the same message is stale.
	k.answer("nog_niet")
	if k.out.FollowupResult != "" || k.st.Followup.Result != ResultGelukt {
		t.Fatalf("second tap: result=%q", k.out.FollowupResult)
	}

	// Nog niet asks again; the second follow-up is the last.
	k = toOffer(t, followupEngine(t, Options{}), true)
	k.choose("offer_link")
	k.choose("week")
	k.answer("nog_niet")
	if k.out.FollowupResult != ResultNogNiet || k.st.Phase != PhaseConsentFollowup || !strings.Contains(allText(k.out), "nog één keer") {
		t.Fatalf("nog niet: result=%q state=%v text=%q", k.out.FollowupResult, k.st.Phase, allText(k.out))
	}
	k.choose("tomorrow")
	if k.out.Schedule == nil || k.st.Followup.Count != 2 {
		t.Fatalf("second: schedule=%v followup=%+v", k.out.Schedule, k.st.Followup)
	}
	k.answer("nog_niet")
	if k.out.Schedule != nil || k.st.Phase != PhaseClosing || k.st.Followup.Count != 2 {
		t.Fatalf("a third follow-up: state=%v schedule=%v", k.st.Phase, k.out.Schedule)
	}

	// Ik wil hulp takes the person route.
	k = toOffer(t, followupEngine(t, Options{}), true)
	k.choose("offer_self")
	k.choose("week")
	k.answer("hulp")
	if k.out.FollowupResult != ResultHulp || !strings.Contains(allText(k.out), "gemeente") {
		t.Fatalf("hulp: result=%q text=%q", k.out.FollowupResult, allText(k.out))
	}

	// Typed answers count as well once the follow-up has come.
	k = toOffer(t, followupEngine(t, Options{}), true)
	k.choose("offer_self")
	k.choose("week")
	k.now = k.st.Followup.Due.Add(time.Hour)
	k.out = k.e.Step(k.st, Input{Time: k.now, Text: "Ja, het is gelukt!", Channel: "test"})
	k.st = k.out.State
	if k.out.FollowupResult != ResultGelukt {
		t.Fatalf("typed: result=%q text=%q", k.out.FollowupResult, allText(k.out))
	}
}

func TestFollowupAfterLater(t *testing.T) {
	k := toOffer(t, followupEngine(t, Options{}), true)
	k.choose("offer_later")
	k.choose("tomorrow")
	s := k.out.Schedule
	if s == nil || k.st.Followup.About != AboutLater || strings.Join(choiceIDs(s.Replies[0]), ",") != "verder,stop" {
		t.Fatalf("later: schedule=%+v", s)
	}
	k.answer("verder")
	if k.out.FollowupResult != ResultVerder || k.st.Phase != PhaseOffer || k.st.Prompt != promptOffer {
		t.Fatalf("verder: result=%q state=%v prompt=%q", k.out.FollowupResult, k.st.Phase, k.st.Prompt)
	}
	// Going on ends with the follow-up question again: the second and last.
	k.choose("offer_link")
	k.choose("yes")
	if k.out.Schedule == nil || k.st.Followup.Count != 2 {
		t.Fatalf("second: schedule=%v followup=%+v", k.out.Schedule, k.st.Followup)
	}
	k.answer("gelukt")
	if k.out.FollowupResult != ResultGelukt {
		t.Fatalf("result=%q", k.out.FollowupResult)
	}
	k.say("/opnieuw")
	k.say("/stop")
	k.choose("offer_link")
	if k.st.Phase != PhaseClosing {
		t.Fatalf("a third follow-up was asked: state=%v", k.st.Phase)
	}
}

func TestFollowupCancelled(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(k *talk)
	}{
		{"stop button", func(k *talk) { k.answer("stop") }},
		{"/stop", func(k *talk) { k.say("/stop") }},
		{"privacy", func(k *talk) {
			k.say("/privacy")
			if !strings.Contains(strings.Join(choiceIDs(lastReply(k.out)), ","), "followup_off") {
				t.Fatalf("/privacy offers no way to withdraw: %v", choiceIDs(lastReply(k.out)))
			}
			k.now = k.now.Add(time.Minute)
			k.out = k.e.Step(k.st, Input{Time: k.now, Choice: "followup_off", Prompt: promptPrivacy, Channel: "test"})
			k.st = k.out.State
			if k.st.Consent.Followup == nil || k.st.Consent.Followup.Given {
				t.Fatalf("withdrawal not recorded: %+v", k.st.Consent.Followup)
			}
		}},
		{"keep withdrawn", func(k *talk) {
			k.now = k.now.Add(time.Minute)
			k.out = k.e.Step(k.st, Input{Time: k.now, Choice: "keep_off", Prompt: promptPrivacy, Channel: "test"})
			k.st = k.out.State
		}},
	} {
		k := toOffer(t, followupEngine(t, Options{}), true)
		k.choose("offer_link")
		k.choose("week")
		tc.do(k)
		if !k.out.CancelFollowups || k.st.Followup.Pending || k.out.Schedule != nil {
			t.Fatalf("%s: cancel=%v followup=%+v", tc.name, k.out.CancelFollowups, k.st.Followup)
		}
		// An answer to the cancelled message changes nothing.
		k.answer("gelukt")
		if k.out.FollowupResult != "" {
			t.Fatalf("%s: an answer after cancelling gave %q", tc.name, k.out.FollowupResult)
		}
	}
}

func TestFollowupHulpStartsHandover(t *testing.T) {
	k := toOffer(t, followupEngine(t, Options{Handover: true}), true)
	k.choose("offer_self")
	k.choose("week")
	k.answer("hulp")
	if k.out.FollowupResult != ResultHulp || k.st.Handover != HandoverAsk {
		t.Fatalf("hulp: result=%q handover=%q text=%q", k.out.FollowupResult, k.st.Handover, allText(k.out))
	}
}

// TestFollowupWordsAreAnswers: words the understanding step hears as
// "later" or "a person" answer the follow-up question and the follow-up.
func TestFollowupWordsAreAnswers(t *testing.T) {
	k := toOffer(t, followupEngine(t, Options{}), true)
	k.choose("offer_link")
	k.say("later, over twee weken")
	if k.out.Schedule == nil || k.out.Schedule.Due.Sub(k.now) != 14*24*time.Hour {
		t.Fatalf("schedule=%+v text=%q", k.out.Schedule, allText(k.out))
	}
	k.now = k.st.Followup.Due.Add(time.Hour)
	k.out = k.e.Step(k.st, Input{Time: k.now, Text: "nog niet", Channel: "test"})
	k.st = k.out.State
	if k.out.FollowupResult != ResultNogNiet {
		t.Fatalf("nog niet: result=%q text=%q", k.out.FollowupResult, allText(k.out))
	}
}
