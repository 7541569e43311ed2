package dialogue

import (
	"strconv"
	"strings"

	"github.com/proactief/proactief/segment"
)

func (t *turn) startProfiling() {
	d := t.plan()
	lo, hi := t.st.Promise.Left(t.st.Answers())
	t.say("profiling_intro", "lo", strconv.Itoa(max(lo, 1)), "hi", strconv.Itoa(max(hi, 1)))
	t.nextStatement(d)
}

// plan asks the model what to do next under the promise made so far, and
// keeps the new, never wider, promise in the state.
func (t *turn) plan() segment.Decision {
	d, b := t.e.model.Plan(t.st.Answers(), t.st.Promise)
	t.dec, t.st.Promise = d, b
	return d
}

// nextStatement asks the statement the model picks (d, from plan), or
// ends profiling.
func (t *turn) nextStatement(d segment.Decision) {
	if d.Done || d.Next == "" {
		t.finishProfiling()
		return
	}
	t.st.Pending = d.Next
	t.st.Retries = 0
	t.askStatement(d.Next, true)
}

func (t *turn) finishProfiling() {
	t.st.Pending = ""
	t.st.Done = true
	t.fire("profile_done")
	t.askOffer(true)
}

// progress renders how many questions are still to come, the one asked
// now included, from the promise in the state: a range that only ever
// narrows, and that the model keeps (segment.Model.Plan).
func (t *turn) progress() string {
	if !t.st.Promise.Given() {
		// A conversation stored before promises were kept: make one now.
		_, t.st.Promise = t.e.model.Plan(t.st.Answers(), segment.Bounds{})
	}
	lo, hi := t.st.Promise.Left(t.st.Answers())
	lo = max(lo, 1)
	hi = max(hi, lo)
	switch {
	case hi == 1:
		return t.text("progress_one")
	case lo == hi:
		return t.text("progress_exact", "n", strconv.Itoa(hi))
	case lo == 1:
		return t.text("progress_most", "n", strconv.Itoa(hi))
	}
	return t.text("progress_range", "lo", strconv.Itoa(lo), "hi", strconv.Itoa(hi))
}

func (t *turn) askStatement(id string, fresh bool) {
	s, ok := segment.Find(id)
	if !ok {
		// A stored statement that no longer exists: pick another.
		t.st.Pending = ""
		t.nextStatement(t.plan())
		return
	}
	if !fresh && t.dec.Posterior == (segment.Posterior{}) {
		t.dec = t.e.model.Next(t.st.Answers())
	}
	q := t.questionText(s)
	text := t.text("question", "question", q, "progress", t.progress())
	t.ask(strings.TrimSpace(text), promptQuestionPrefix+id, t.scaleChoices(s)...)
}

// flipMark starts a phrasing that asks the opposite of the study's
// statement (a negation turned positive, for the slow tone); the answer is
// then turned around before it is recorded.
const flipMark = "~ "

// questionText is the statement as asked in the current tone.
func (t *turn) questionText(s segment.Statement) string {
	q, _ := t.phrasing(s)
	return q
}

// phrasing returns the statement's conversational phrasing in the current
// tone, and whether it asks the opposite of the study's statement.
func (t *turn) phrasing(s segment.Statement) (string, bool) {
	if q := t.text("ask_" + s.ID); q != "" {
		if strings.HasPrefix(q, flipMark) {
			return strings.TrimPrefix(q, flipMark), true
		}
		return q, false
	}
	if t.st.Lang == "en" && s.AskEN != "" {
		return s.AskEN, false
	}
	if s.AskNL != "" {
		return s.AskNL, false
	}
	return s.Text, false
}

func (t *turn) scaleChoices(s segment.Statement) []Choice {
	prefix := "btn_agree_"
	if s.Kind == segment.Importance {
		prefix = "btn_imp_"
	}
	cs := make([]Choice, 0, 7)
	for i := 1; i <= 5; i++ {
		n := strconv.Itoa(i)
		cs = append(cs, t.choice(n, prefix+n))
	}
	return append(cs, t.choice("skip", "btn_skip"), t.choice("why", "btn_why"))
}

func (t *turn) profiling(text string) {
	if t.st.Pending == "" {
		t.nextStatement(t.plan())
		return
	}
	var p segment.Parsed
	switch c := t.in.Choice; c {
	case "":
		p = segment.Parse(text)
		if s, ok := segment.Find(t.st.Pending); ok && p.Kind != segment.Why {
			q, _ := t.phrasing(s)
			if v, ok := echoAnswer(text, s, q); ok {
				p = segment.Parsed{Kind: segment.Value, Value: v}
			}
		}
	case "skip":
		p = segment.Parsed{Kind: segment.Skip}
	case "why":
		p = segment.Parsed{Kind: segment.Why}
	default:
		v, err := strconv.Atoi(c)
		if err != nil || v < 1 || v > 5 {
			t.say("stale_button")
			t.reask()
			return
		}
		p = segment.Parsed{Kind: segment.Value, Value: v}
	}
	if t.in.Choice == "" {
		t.parsed = p.Kind.String()
		if p.Kind == segment.Value {
			t.parsed = "value " + strconv.Itoa(p.Value)
		}
	}
	switch p.Kind {
	case segment.Why:
		s, _ := segment.Find(t.st.Pending)
		why := s.WhyNL
		if t.st.Lang == "en" && s.WhyEN != "" {
			why = s.WhyEN
		}
		if f, ok := formalWhy[s.ID]; ok && t.lang() == FormalLang {
			why = f
		}
		t.say("why", "why", why)
		t.reask()
		return
	case segment.NotUnderstood:
		t.st.Retries++
		if t.st.Retries >= 2 {
			t.say("not_understood_again")
			t.unclear = true
			t.reask()
			return
		}
		s, _ := segment.Find(t.st.Pending)
		t.st.Prompt = promptQuestionPrefix + s.ID
		t.unclear = true
		t.out.Replies = append(t.out.Replies, Reply{
			Text:    t.text("not_understood", "question", t.questionText(s)),
			Choices: t.scaleChoices(s),
			Prompt:  t.st.Prompt,
		})
		return
	}
	value := 0
	if p.Kind == segment.Value {
		value = p.Value
		// "3. maar eerlijk gezegd weet ik niet of ik er volgende maand
		// nog ben": a value read beside other words is kept, and the
		// words get the safety net as a message not understood would
		// (safetyNet): they may say more than the number.
		t.beside = p.Beside
		if s, ok := segment.Find(t.st.Pending); ok {
			if _, flipped := t.phrasing(s); flipped {
				// The question was asked the other way round: record the
				// answer in the direction of the study's statement.
				value = 6 - value
			}
		}
	}
	t.st.Steps = append(t.st.Steps, Step{Statement: t.st.Pending, Value: value, At: t.in.Time})
	post := t.e.model.Posterior(t.st.Answers())
	last := &t.st.Steps[len(t.st.Steps)-1]
	last.Posterior = post
	last.Tone = t.tone()
	t.st.Pending = ""
	if value == 0 {
		t.say("skipped")
	} else {
		t.say("ack")
	}
	t.nextStatement(t.plan())
}
