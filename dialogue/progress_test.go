package dialogue

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proactief/proactief/segment"
)

// progressLine is the progress line the person should read for the
// promise in st, in the tone and language of the outcome.
func progressLine(e *Engine, lang string, tone Tone, st State) string {
	lo, hi := st.Promise.Left(st.Answers())
	lo = max(lo, 1)
	hi = max(hi, lo)
	switch {
	case hi == 1:
		return e.content.Text(lang, "progress_one", tone)
	case lo == hi:
		return e.content.Text(lang, "progress_exact", tone, "n", strconv.Itoa(hi))
	case lo == 1:
		return e.content.Text(lang, "progress_most", tone, "n", strconv.Itoa(hi))
	}
	return e.content.Text(lang, "progress_range", tone, "lo", strconv.Itoa(lo), "hi", strconv.Itoa(hi))
}

// TestProgressPromiseKept plays whole questionnaires with citizens drawn
// from the segment model (segment from the study's sizes, each answer from
// the segment's share agreeing, some skips, some "why", some typed
// answers), in every tone, language and form of address. What the person
// reads about the questions still to come is a range that is true (the
// number then really asked lies within it), only narrows (its upper bound
// never rises, its lower bound never falls), never says "more than I
// thought", and fits within what the welcome said.
func TestProgressPromiseKept(t *testing.T) {
	type form struct {
		lang   string
		formal bool
	}
	statements := map[string]segment.Statement{}
	for _, s := range segment.Statements() {
		statements[s.ID] = s
	}
	rng := rand.New(rand.NewPCG(18, 2))
	n := 40
	if testing.Short() {
		n = 5
	}
	for _, f := range []form{{"nl", false}, {"en", false}, {"nl", true}} {
		m := zuidhaven
		m.Formal = f.formal
		e := engineWith(t, Options{Municipality: m})
		lang := f.lang
		if f.formal {
			lang = FormalLang
		}
		for _, style := range []Tone{"", Neutral, Brief, Autonomy, Slow} {
			for c := range n {
				where := lang + "/" + string(style) + "/" + strconv.Itoa(c)
				k := &talk{t: t, e: e, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
				k.out = e.Step(State{}, Input{Time: k.now, Text: "/start", Channel: "test", Lang: f.lang})
				k.st = k.out.State
				// The welcome (neutral) states the first promise.
				if w := allText(k.out); !strings.Contains(w, " "+strconv.Itoa(e.first.Lo)+" ") || !strings.Contains(w, " "+strconv.Itoa(e.first.Hi)+" ") {
					t.Fatalf("%s: the welcome does not say the first promise %v:\n%s", where, e.first, w)
				}
				k.st.Style = style
				k.choose("yes")
				k.choose("no")
				seg := 0
				for u := rng.Float64(); seg < 2 && u > segment.Prior[seg]; seg++ {
					u -= segment.Prior[seg]
				}
				type seen struct{ asked, lo, hi int }
				var shown []seen
				prev := segment.Bounds{Lo: e.first.Lo, Hi: e.first.Hi}
				for i := 0; k.st.Phase == PhaseProfiling && i < 80; i++ {
					if k.st.Pending == "" {
						t.Fatalf("%s: profiling without a question", where)
					}
					p := k.st.Promise
					if !p.Given() || p.Lo < prev.Lo || p.Hi > prev.Hi || p.Lo > p.Hi {
						t.Fatalf("%s: promise %v after %v", where, p, prev)
					}
					prev = p
					text := allText(k.out)
					if strings.Contains(text, "meer dan") || strings.Contains(text, "more than I") {
						t.Fatalf("%s: %q", where, text)
					}
					line := progressLine(e, lang, k.out.Trace.Tone, k.st)
					if !strings.Contains(text, line) {
						t.Fatalf("%s: progress %q not shown in:\n%s", where, line, text)
					}
					lo, hi := p.Left(k.st.Answers())
					shown = append(shown, seen{len(k.st.Steps), lo, hi})
					s := statements[k.st.Pending]
					v := 1 + rng.IntN(3)
					if rng.Float64()*100 < s.AgreePct[seg] {
						v = 4 + rng.IntN(2)
					}
					switch r := rng.IntN(20); {
					case r == 0:
						k.choose("skip")
					case r == 1:
						k.choose("why")
					case r < 8:
						k.say(strconv.Itoa(v))
					default:
						k.choose(strconv.Itoa(v))
					}
				}
				if k.st.Phase != PhaseOffer || k.st.Stopped {
					t.Fatalf("%s: profiling did not end: %v", where, k.st.Phase)
				}
				total := len(k.st.Steps)
				if p := k.st.Promise; p.Lo != total || p.Hi != total {
					t.Errorf("%s: promise %v at the end of %d statements", where, p, total)
				}
				for _, s := range shown {
					if left := total - s.asked; left < s.lo || left > s.hi {
						t.Fatalf("%s: after %d statements %d to %d were promised, %d came", where, s.asked, s.lo, s.hi, left)
					}
				}
			}
		}
	}
}

// TestProgressOldSession: a conversation stored in the middle of the
// questions before promises were kept (no "promise" field) goes on, and
// gets a promise that it keeps from then on.
func TestProgressOldSession(t *testing.T) {
	k := start(t)
	k.choose("yes")
	k.choose("no")
	k.choose("4")
	raw, err := json.Marshal(k.st)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["promise"]; !ok {
		t.Fatalf("the promise is not in the JSON form: %s", raw)
	}
	delete(m, "promise")
	raw, _ = json.Marshal(m)
	var old State
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatal(err)
	}
	if old.Promise.Given() {
		t.Fatalf("old session has a promise: %v", old.Promise)
	}
	k.st = old
	k.say("waarom?")
	if !k.st.Promise.Given() || !strings.Contains(allText(k.out), progressLine(k.e, "nl", k.out.Trace.Tone, k.st)) {
		t.Fatalf("re-asked without a promise: %v\n%s", k.st.Promise, allText(k.out))
	}
	for i := 0; k.st.Phase == PhaseProfiling && i < 40; i++ {
		k.choose("3")
	}
	if k.st.Phase != PhaseOffer {
		t.Fatalf("phase %v", k.st.Phase)
	}
	var fresh State
	if err := json.Unmarshal([]byte(`{"phase":"profiling","lang":"nl","pending":"vertrouwen_belooft","turns":3,"started":"2026-11-01T10:00:00Z","updated":"2026-11-01T10:00:00Z"}`), &fresh); err != nil {
		t.Fatal(err)
	}
	k.st, k.now = fresh, time.Date(2026, 11, 1, 10, 5, 0, 0, time.UTC)
	k.say("waarom?")
	if !k.st.Promise.Given() {
		t.Fatalf("no promise for a stored conversation: %s", allText(k.out))
	}
}
