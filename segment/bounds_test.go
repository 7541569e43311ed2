package segment

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPlanKeepsItsPromise plays questionnaires with respondents drawn
// from the model (some skipping) under several options: every promise
// Plan makes is kept (the length lies within it) and never widens.
func TestPlanKeepsItsPromise(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 1))
	values := make([]int, len(items))
	for _, o := range []Options{{}, {StopBound: 0.15}, {MinQuestions: 8, MaxQuestions: 18}, {Temper: -1}} {
		m := New(o)
		for range 300 {
			truth := drawSegment(rng)
			for i := range items {
				switch {
				case rng.IntN(15) == 0:
					values[i] = 0
				case rng.Float64() < items[i].p[truth-1]:
					values[i] = 4 + rng.IntN(2)
				default:
					values[i] = 1 + rng.IntN(3)
				}
			}
			var (
				answers []Answer
				promise Bounds
				made    []Bounds
			)
			for {
				d, next := m.Plan(answers, promise)
				if promise.Given() && (next.Lo < promise.Lo || next.Hi > promise.Hi) {
					t.Fatalf("%+v: promise %v after %v widened", o, next, promise)
				}
				promise = next
				if d.Done {
					break
				}
				if promise.Lo > promise.Hi || promise.Lo <= len(answers) {
					t.Fatalf("%+v: promise %v after %d answers", o, promise, len(answers))
				}
				if lo, hi := promise.Left(answers); lo < 1 || hi < lo {
					t.Fatalf("%+v: left %d to %d of %v", o, lo, hi, promise)
				}
				made = append(made, promise)
				answers = append(answers, Answer{ID: d.Next, Value: values[index[d.Next]]})
			}
			n := len(answers)
			if promise != (Bounds{n, n}) {
				t.Fatalf("%+v: done after %d with promise %v", o, n, promise)
			}
			for j, b := range made {
				if n < b.Lo || n > b.Hi {
					t.Fatalf("%+v: promised %v after %d answers, asked %d", o, b, j, n)
				}
			}
		}
	}
}

// TestPlanHoldsToAGivenPromise: Plan keeps a promise it did not make
// itself (one stored by an earlier version): it asks on up to Lo even
// when the stopping rule is met, and stops at Hi even when it is not.
func TestPlanHoldsToAGivenPromise(t *testing.T) {
	m := New(Options{})
	settle := func(n int) []Answer { // answers that settle the segment fast
		var a []Answer
		var p Bounds
		for len(a) < n {
			d, next := m.Plan(a, p)
			if d.Done {
				break
			}
			p = next
			v := 1
			if items[index[d.Next]].p[0] > items[index[d.Next]].p[2] {
				v = 5
			}
			a = append(a, Answer{ID: d.Next, Value: v})
		}
		return a
	}
	a := settle(26)
	n := len(a)
	if n >= 10 {
		t.Fatalf("clear answers took %d statements", n)
	}
	if d, _ := m.Plan(a, Bounds{}); !d.Done {
		t.Fatalf("not done after %d clear answers", n)
	}
	d, b := m.Plan(a, Bounds{Lo: n + 2, Hi: 20})
	if d.Done || d.Next == "" || b.Lo != n+2 || b.Hi > 20 {
		t.Fatalf("promise of %d not kept: %+v %v", n+2, d, b)
	}
	// An open case stops at the promised upper bound.
	var open []Answer
	for _, id := range []string{"doen_weet_niet_waar", "delen_betere_hulp", "privacy_veilig"} {
		open = append(open, Answer{ID: id, Value: 3})
	}
	if d := m.Next(open); d.Done {
		t.Fatal("three neutral answers already decide")
	}
	d, b = m.Plan(open, Bounds{Lo: 3, Hi: 3})
	if !d.Done || !strings.HasPrefix(d.Reason, reasonPromise) || b != (Bounds{3, 3}) {
		t.Fatalf("promise of at most 3 not kept: %+v %v", d, b)
	}
	if d, b := m.Plan(open, Bounds{Lo: 9, Hi: 5}); d.Done || b.Hi > 5 || b.Lo > b.Hi {
		t.Fatalf("promise of 9 to 5: %+v %v", d, b)
	}
	if _, first := m.Plan(nil, Bounds{}); first.Lo != m.min || first.Hi > m.max || first.Hi < first.Lo {
		t.Fatalf("first promise %v", first)
	}
}

// BenchmarkPlan is one message's work with the promise: the decision,
// the search for the lower bound and the upper forecast; "open" is a
// case the next answers cannot settle, where the search goes deepest.
func BenchmarkPlan(b *testing.B) {
	m := New(Options{})
	for name, answers := range map[string][]Answer{
		"mixed": {{"doen_weet_niet_waar", 4}, {"vertrouwen_goed", 2}, {"denk_begrijp", 5}, {"slow_aandacht", 1}},
		"open":  {{"doen_weet_niet_waar", 3}, {"delen_betere_hulp", 3}, {"privacy_veilig", 3}, {"delen_makkelijker", 3}},
	} {
		b.Run(name, func(b *testing.B) {
			_, promise := m.Plan(answers[:3], Bounds{})
			b.ReportAllocs()
			for b.Loop() {
				m.Plan(answers, promise)
			}
		})
	}
}

// TestEarliestMemo: a remembered lower bound is the one a search gives,
// for the states questionnaires pass through, however often asked.
func TestEarliestMemo(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 2))
	m := New(Options{})
	for range 200 {
		var answers []Answer
		for {
			st := build(answers)
			d := m.Next(answers)
			if d.Done {
				break
			}
			for _, cap := range []int{m.max, st.count + 2, st.count + 5} {
				want := m.search(&st, index[d.Next], cap)
				for range 2 {
					if got := m.earliest(&st, index[d.Next], cap); got != want {
						t.Fatalf("earliest after %v (cap %d) = %d, search gives %d", answers, cap, got, want)
					}
				}
			}
			answers = append(answers, Answer{ID: d.Next, Value: rng.IntN(6)})
		}
	}
}
