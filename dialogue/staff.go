package dialogue

import (
	"fmt"
	"strings"

	"github.com/proactief/proactief/segment"
)

// Staff commands start with "!" and are honoured only for staff (Input.Staff,
// set by the Mattermost channel for allowed users). Their answers are
// diagnostics for municipal staff, not citizen texts, so they are built here
// rather than in the content files.

var staffWords = []string{"!trace", "!segment", "!reset", "!statements", "!transcript"}

func isStaffWord(text string) bool {
	w, _, _ := strings.Cut(strings.ToLower(text), " ")
	for _, s := range staffWords {
		if w == s {
			return true
		}
	}
	return false
}

func (t *turn) staffSay(format string, args ...any) {
	t.out.Replies = append(t.out.Replies, Reply{Text: fmt.Sprintf(format, args...)})
}

func (t *turn) staff(text string) {
	t.st.Test = true
	fields := strings.Fields(strings.ToLower(text))
	arg := ""
	if len(fields) > 1 {
		arg = fields[1]
	}
	switch fields[0] {
	case "!trace":
		switch arg {
		case "on", "aan":
			t.st.Trace = true
			t.staffSay("trace on: after each answer you see the posterior, the next statement and the stopping rule.")
		case "off", "uit":
			t.st.Trace = false
			t.staffSay("trace off.")
		default:
			t.staffSay("usage: !trace on|off")
		}
	case "!segment":
		switch arg {
		case "1", "2", "3":
			s := segment.Segment(arg[0] - '0')
			t.st.Forced = ToneFor(s)
			t.staffSay("tone forced to %q (segment %d, %s) for preview; !segment auto to follow the inference.", t.st.Forced, s, s)
		case "auto":
			t.st.Forced = ""
			t.staffSay("tone follows the inference again.")
		default:
			t.staffSay("usage: !segment 1|2|3|auto")
			return
		}
		t.reask()
	case "!reset":
		lang, channel, trace := t.st.Lang, t.st.Channel, t.st.Trace
		t.st = State{Phase: PhaseWelcome, Lang: lang, Channel: channel, Test: true, Trace: trace, Started: t.in.Time, Updated: t.in.Time}
		t.staffSay("conversation reset.")
		t.welcome()
	case "!statements":
		var b strings.Builder
		b.WriteString("| id | dimension | agree % (1/2/3) | statement |\n|---|---|---|---|\n")
		for _, s := range segment.Statements() {
			pct := "no figures"
			if s.AgreePct != nil {
				pct = fmt.Sprintf("%.0f / %.0f / %.0f", s.AgreePct[0], s.AgreePct[1], s.AgreePct[2])
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", s.ID, s.Dimension, pct, s.Text)
		}
		t.staffSay("%s", strings.TrimRight(b.String(), "\n"))
	case "!transcript":
		t.staffSay("%s", t.transcript())
	default:
		t.staffSay("staff commands: !trace on|off, !segment 1|2|3|auto, !reset, !statements, !transcript")
	}
}

// transcript lists the answers so far with the posterior and tone after each.
func (t *turn) transcript() string {
	if len(t.st.Steps) == 0 {
		return fmt.Sprintf("state %s, no statements answered yet.", t.st.Phase)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "state %s, %d statements:\n", t.st.Phase, len(t.st.Steps))
	for i, s := range t.st.Steps {
		v := "skipped"
		if s.Value > 0 {
			v = fmt.Sprint(s.Value)
		}
		fmt.Fprintf(&b, "%d. %s = %s -> P=[%.2f %.2f %.2f] tone %s\n", i+1, s.Statement, v, s.Posterior[0], s.Posterior[1], s.Posterior[2], s.Tone)
	}
	return strings.TrimRight(b.String(), "\n")
}

// StaffTrace formats the model's reasoning after a step, for staff with
// !trace on. It returns "" when the trace is off.
func StaffTrace(o Outcome) string {
	if !o.State.Trace {
		return ""
	}
	d := o.Decision
	best, p := d.Posterior.Best()
	next := d.Next
	if d.Done || next == "" {
		next = "(none: profiling stops)"
	}
	heard := ""
	if o.Intent != IntentNone {
		heard += " | intent " + string(o.Intent)
	}
	if o.Trace.Parsed != "" {
		heard += " | parsed " + o.Trace.Parsed
	}
	return fmt.Sprintf("trace: P=[%.3f %.3f %.3f] leading %d (%s, %.0f%%) | next %s, expected info %.3f bits | P(change)=%.3f, ~%d to go, promised %d to %d in all | %s | tone %s%s",
		d.Posterior[0], d.Posterior[1], d.Posterior[2], best, best, p*100, next, d.Gain, d.PChange, d.Remaining, o.State.Promise.Lo, o.State.Promise.Hi, d.Reason, o.Trace.Tone, heard)
}
