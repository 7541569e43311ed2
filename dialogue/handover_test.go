package dialogue

import (
	"strings"
	"testing"
	"time"
)

func handoverEngine(t *testing.T, desk bool) *Engine {
	t.Helper()
	e, err := New(Options{Handover: desk})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// step runs text (or "#choice") through e.
func step(e *Engine, st State, text string, at time.Time) Outcome {
	in := Input{Time: at, Text: text, Channel: "telegram"}
	if c, ok := strings.CutPrefix(text, "#"); ok {
		in.Text, in.Choice, in.Prompt = "", c, st.Prompt
	}
	return e.Step(st, in)
}

func repliesText(rs []Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text + "\n")
	}
	return b.String()
}

func TestHandoverShareConsentIsRecorded(t *testing.T) {
	e := handoverEngine(t, true)
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	var st State
	for _, in := range []string{"/start", "#no", "#no"} {
		st = step(e, st, in, at).State
	}
	out := step(e, st, "/mens", at)
	if r := repliesText(out.Replies); out.State.Handover != HandoverAsk || strings.Contains(r, "{") || !strings.Contains(r, "(nog niet bekend)") {
		t.Fatalf("/mens: handover=%q replies=%q", out.State.Handover, repliesText(out.Replies))
	}
	out = step(e, out.State, "waarom?", at)
	if !strings.Contains(repliesText(out.Replies), "dagen") || out.State.Handover != HandoverAsk {
		t.Fatalf("why: %q", repliesText(out.Replies))
	}
	out = step(e, out.State, "#yes", at.Add(time.Minute))
	d := out.State.Consent.Share
	if !out.Handover.Start || d == nil || !d.Given || d.Version != ShareVersion || !d.At.Equal(at.Add(time.Minute)) || d.Channel != "telegram" {
		t.Fatalf("share consent=%+v start=%v", d, out.Handover.Start)
	}
	// Typed text is for the worker; commands still work; /stop ends it.
	out = step(e, out.State, "Ik heb een brief gekregen", at)
	if out.Handover.Relay != "Ik heb een brief gekregen" || len(out.Replies) != 0 {
		t.Fatalf("relay=%q replies=%q", out.Handover.Relay, repliesText(out.Replies))
	}
	for _, word := range []string{"stop", "klaar", "hulp", "ja"} {
		if o := step(e, out.State, word, at); o.Handover.Relay != word || len(o.Replies) != 0 {
			t.Fatalf("%q during a handover: relay=%q replies=%q", word, o.Handover.Relay, repliesText(o.Replies))
		}
	}
	// A crisis is answered at once and goes to the worker, flagged.
	if o := step(e, out.State, "ik wil niet meer leven", at); o.Handover.Relay != "ik wil niet meer leven" || !o.Handover.Crisis || !o.Sensitive || o.Intent != IntentCrisis || !strings.Contains(repliesText(o.Replies), "113") || o.State.Handover != HandoverOpen {
		t.Fatalf("a crisis during a handover: %+v sensitive=%v intent=%q replies=%q", o.Handover, o.Sensitive, o.Intent, repliesText(o.Replies))
	}
	if o := step(e, out.State, "/help", at); o.Handover.Relay != "" || len(o.Replies) == 0 {
		t.Fatalf("/help during a handover: %+v", o.Handover)
	}
	if o := e.Step(out.State, Input{Time: at, NonText: true}); !o.Handover.File || len(o.Replies) != 0 {
		t.Fatalf("a photo during a handover: %+v", o.Handover)
	}
	o := step(e, out.State, "/stop", at)
	if !o.Handover.End || o.State.Handover != "" {
		t.Fatalf("/stop: %+v handover=%q", o.Handover, o.State.Handover)
	}
}

func TestHandoverDeclinedGivesTheContactRoute(t *testing.T) {
	e := handoverEngine(t, true)
	var st State
	for _, in := range []string{"/start", "#no", "#no", "/human"} {
		st = step(e, st, in, time.Time{}).State
	}
	out := step(e, st, "#no", time.Time{})
	if out.Handover.Start || out.State.Consent.Share == nil || out.State.Consent.Share.Given || out.State.Handover != "" {
		t.Fatalf("declined: %+v %+v", out.Handover, out.State.Consent.Share)
	}
	if !strings.Contains(repliesText(out.Replies), "14") {
		t.Fatalf("no contact route: %q", repliesText(out.Replies))
	}
}

func TestNoDeskGivesTheContactRoute(t *testing.T) {
	e := handoverEngine(t, false)
	var st State
	for _, in := range []string{"/start", "#no", "#no"} {
		st = step(e, st, in, time.Time{}).State
	}
	out := step(e, st, "/mens", time.Time{})
	if out.State.Handover != "" || !strings.Contains(repliesText(out.Replies), "14") {
		t.Fatalf("/mens without a desk: %q", repliesText(out.Replies))
	}
}

func TestCallbackAndRating(t *testing.T) {
	e := handoverEngine(t, true)
	var st State
	for _, in := range []string{"/start", "#no", "#no", "/mens", "#yes"} {
		st = step(e, st, in, time.Time{}).State
	}
	rs := e.OfferCallback(&st, "handover_nobody", "number", "H-ABCDE")
	if st.Handover != HandoverOffer || !strings.Contains(repliesText(rs), "H-ABCDE") {
		t.Fatalf("offer: %q", repliesText(rs))
	}
	out := step(e, st, "#yes", time.Time{})
	if out.State.Handover != HandoverPhone || out.State.Consent.Callback == nil || !out.State.Consent.Callback.Given {
		t.Fatalf("callback yes: %+v", out.State)
	}
	out = step(e, out.State, "mijn nummer", time.Time{})
	if out.Handover.Phone != "" || !strings.Contains(repliesText(out.Replies), "06 12345678") {
		t.Fatalf("not a number: %q", repliesText(out.Replies))
	}
	out = step(e, out.State, "+31 6 1234 5678", time.Time{})
	if out.Handover.Phone != "+31612345678" || out.State.Handover != HandoverCallback {
		t.Fatalf("phone=%q", out.Handover.Phone)
	}
	st = out.State
	e.AskRating(&st)
	if o := step(e, st, "#4", time.Time{}); o.Handover.Rating != 4 || o.State.Handover != "" {
		t.Fatalf("rating: %+v", o.Handover)
	}
	if o := step(e, st, "#skip", time.Time{}); o.Handover.Rating != 0 || !strings.Contains(repliesText(o.Replies), "geen cijfer") {
		t.Fatalf("skip: %q", repliesText(o.Replies))
	}
}

func TestParsePhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"06 12345678", "0612345678", true},
		{"06-1234 5678", "0612345678", true},
		{"020-1234567", "0201234567", true},
		{"+31 6 1234 5678", "+31612345678", true},
		{"0031612345678", "+31612345678", true},
		{"(020) 123 45 67", "0201234567", true},
		{"12345", "", false},
		{"06 1234567", "", false},
		{"bel me", "", false},
		{"06 12345678 of 06 87654321", "", false},
		{"", "", false},
		{"+3", "", false},
	} {
		got, ok := ParsePhone(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParsePhone(%q)=%q,%v want %q,%v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
