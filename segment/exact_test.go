package segment

import (
	"cmp"
	"flag"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The exact optimum, for comparison with the chatbot's policy.
//
// On a subset of n statements every conversation state is a word over
// {not asked, agrees, does not agree}: 3^n states. Dynamic programming over
// all of them gives, under the simulation's generator (a segment from the
// prior, then independent answers), the exact chance of every final
// assignment from every state, and for a price λ per disagreement the
// policy that minimises E[statements asked] + λ·P(disagreement with the
// all-n assignment): the best any selection and stopping rule can do on
// that subset. Model.Next, restricted to the subset (the other statements
// passed as skipped), is walked exactly through its own decision tree on
// the same problem.
//
//	go test ./segment -run TestExactFrontier -exact 14 -v
//
// prints both frontiers; docs/segment.md reports them for n up to 17.
var exactN = flag.Int("exact", 0, "solve the segment problem exactly on the `n` statements the chatbot asks most (0 = skip; 16 takes about 4 minutes and 1.4 GB)")

type exactProblem struct {
	m    *Model
	sub  []int // item indexes in the subset, study order
	pow  []int // pow[j] = 3^j
	size int   // 3^n
	h    int   // digits in the low half of a state index
	// Per half of a state index: the untempered log-likelihood of its
	// answers (the generator's), and the tempered one that the model uses
	// once every statement of the subset is answered.
	ll, tl [2][][3]float64
	f      [][3]float32 // P(all-n assignment = s | state)
}

// digits of a state: 0 not asked, 1 agrees, 2 does not agree.
const (
	notAsked = 0
	agrees   = 1
	disagree = 2
)

func newExactProblem(m *Model, sub []int) *exactProblem {
	n := len(sub)
	e := &exactProblem{m: m, sub: sub, pow: make([]int, n+1), h: n / 2}
	e.pow[0] = 1
	for j := 1; j <= n; j++ {
		e.pow[j] = 3 * e.pow[j-1]
	}
	e.size = e.pow[n]
	var perDim [maxDims]int
	for _, i := range sub {
		perDim[items[i].dim]++
	}
	one := func(int) float64 { return 1 }
	tw := func(k int) float64 { return m.weight[perDim[items[sub[k]].dim]] }
	e.ll[0], e.ll[1] = e.half(0, e.h, one), e.half(e.h, n, one)
	e.tl[0], e.tl[1] = e.half(0, e.h, tw), e.half(e.h, n, tw)
	e.solveAssignment()
	return e
}

// half tabulates the weighted log-likelihood of the answers in digits
// from..to-1 for every value of those digits.
func (e *exactProblem) half(from, to int, w func(k int) float64) [][3]float64 {
	t := make([][3]float64, e.pow[to-from])
	for x := range t {
		y := x
		for k := from; k < to; k++ {
			d := y % 3
			y /= 3
			if d == notAsked {
				continue
			}
			it := &items[e.sub[k]]
			ll := &it.logA
			if d == disagree {
				ll = &it.logN
			}
			for s := range 3 {
				t[x][s] += w(k) * ll[s]
			}
		}
	}
	return t
}

// predictive returns the generator's posterior of the segment in a state.
func (e *exactProblem) predictive(idx int) Posterior {
	lo, hi := e.ll[0][idx%e.pow[e.h]], e.ll[1][idx/e.pow[e.h]]
	var lp [3]float64
	for s := range 3 {
		lp[s] = math.Log(Prior[s]) + lo[s] + hi[s]
	}
	return normalize(lp)
}

// pAgree is the generator's chance that statement k of the subset is
// agreed with in a state with predictive posterior post.
func (e *exactProblem) pAgree(post Posterior, k int) float64 {
	it := &items[e.sub[k]]
	return post[0]*it.p[0] + post[1]*it.p[1] + post[2]*it.p[2]
}

// solveAssignment fills f from the full states backwards: a child has a
// larger index than its parent.
func (e *exactProblem) solveAssignment() {
	e.f = make([][3]float32, e.size)
	for idx := e.size - 1; idx >= 0; idx-- {
		j, y := -1, idx
		for k := range e.sub {
			if y%3 == notAsked {
				j = k
				break
			}
			y /= 3
		}
		if j < 0 { // every statement answered: the model's assignment
			lo, hi := e.tl[0][idx%e.pow[e.h]], e.tl[1][idx/e.pow[e.h]]
			var lp [3]float64
			for s := range 3 {
				lp[s] = e.m.logPrior[s] + lo[s] + hi[s]
			}
			b, _ := normalize(lp).Best()
			e.f[idx][b-1] = 1
			continue
		}
		pa := e.pAgree(e.predictive(idx), j)
		a, d := &e.f[idx+agrees*e.pow[j]], &e.f[idx+disagree*e.pow[j]]
		for s := range 3 {
			e.f[idx][s] = float32(pa*float64(a[s]) + (1-pa)*float64(d[s]))
		}
	}
}

// optimum returns, for the price lambda per disagreement, the minimal
// expected cost from the empty state and the expected number of
// statements asked and agreement of the policy that attains it.
func (e *exactProblem) optimum(lambda float64) (cost, length, agreement float64) {
	v := make([]float32, e.size)
	l := make([]float32, e.size)
	var open [maxStatements]int
	for idx := e.size - 1; idx >= 0; idx-- {
		n, y := 0, idx
		for k := range e.sub {
			if y%3 == notAsked {
				open[n] = k
				n++
			}
			y /= 3
		}
		if n == 0 {
			continue // v = l = 0
		}
		post := e.predictive(idx)
		fs := e.f[idx]
		best := lambda * (1 - float64(max(fs[0], fs[1], fs[2])))
		bestL := 0.0
		for _, k := range open[:n] {
			pa := e.pAgree(post, k)
			a, d := idx+agrees*e.pow[k], idx+disagree*e.pow[k]
			c := 1 + pa*float64(v[a]) + (1-pa)*float64(v[d])
			if c < best-1e-9 {
				best = c
				bestL = 1 + pa*float64(l[a]) + (1-pa)*float64(l[d])
			}
		}
		v[idx], l[idx] = float32(best), float32(bestL)
	}
	cost, length = float64(v[0]), float64(l[0])
	return cost, length, 1 - (cost-length)/lambda
}

// start returns the position in the subset of each statement in it, and
// the answers that give the chatbot the other statements as skipped.
func (e *exactProblem) start() (map[int]int, []Answer) {
	pos := map[int]int{}
	for k, i := range e.sub {
		pos[i] = k
	}
	var skipped []Answer
	for i := range items {
		if _, in := pos[i]; items[i].ev && !in {
			skipped = append(skipped, Answer{ID: table[i].ID})
		}
	}
	return pos, skipped
}

// heuristic walks m's own decision tree on the subset exactly and returns
// the expected number of statements asked and the agreement with the
// all-n assignment.
func (e *exactProblem) heuristic(m *Model) (length, agreement float64) {
	pos, answers := e.start()
	var walk func(answers []Answer, idx, depth int, reach float64)
	walk = func(answers []Answer, idx, depth int, reach float64) {
		dec := m.Next(answers)
		if dec.Done {
			b, _ := dec.Posterior.Best()
			length += reach * float64(depth)
			agreement += reach * float64(e.f[idx][b-1])
			return
		}
		i := index[dec.Next]
		k, ok := pos[i]
		if !ok {
			panic("segment: Next proposed a statement outside the subset: " + dec.Next)
		}
		pa := e.pAgree(e.predictive(idx), k)
		walk(append(answers, Answer{ID: dec.Next, Value: 4}), idx+agrees*e.pow[k], depth+1, reach*pa)
		walk(append(answers[:len(answers):len(answers)], Answer{ID: dec.Next, Value: 2}), idx+disagree*e.pow[k], depth+1, reach*(1-pa))
	}
	walk(answers, 0, 0, 1)
	return length, agreement
}

// bestStopping returns, for the price lambda, the best any stopping rule
// can do with m's own choice of statements: the decision tree of m with
// the stop decided by dynamic programming instead of by the bound.
func (e *exactProblem) bestStopping(m *Model, lambda float64) (length, agreement float64) {
	pos, skipped := e.start()
	never := New(Options{MinQuestions: 1, StopBound: 1e-300, Temper: m.Options().Temper, Prior: m.Options().Prior})
	// cost, length, agreement from a state
	var solve func(answers []Answer, idx int) (float64, float64, float64)
	solve = func(answers []Answer, idx int) (float64, float64, float64) {
		fs := e.f[idx]
		stopAgree := float64(max(fs[0], fs[1], fs[2]))
		stop := lambda * (1 - stopAgree)
		dec := never.Next(answers)
		if dec.Done {
			return stop, 0, stopAgree
		}
		k := pos[index[dec.Next]]
		pa := e.pAgree(e.predictive(idx), k)
		ca, la, aa := solve(append(answers, Answer{ID: dec.Next, Value: 4}), idx+agrees*e.pow[k])
		cd, ld, ad := solve(append(answers[:len(answers):len(answers)], Answer{ID: dec.Next, Value: 2}), idx+disagree*e.pow[k])
		if c := 1 + pa*ca + (1-pa)*cd; c < stop-1e-9 {
			return c, 1 + pa*la + (1-pa)*ld, pa*aa + (1-pa)*ad
		}
		return stop, 0, stopAgree
	}
	_, length, agreement = solve(skipped, 0)
	return length, agreement
}

// exactThreshold is m's choice of statements with its stopping rule fed
// the exact chance of a change (from f) instead of m's approximation.
func (e *exactProblem) exactThreshold(m *Model, bound float64) (length, agreement float64) {
	pos, skipped := e.start()
	never := New(Options{MinQuestions: 1, StopBound: 1e-300, Temper: m.Options().Temper, Prior: m.Options().Prior})
	var walk func(answers []Answer, idx, depth int, reach float64)
	walk = func(answers []Answer, idx, depth int, reach float64) {
		fs := e.f[idx]
		a := float64(max(fs[0], fs[1], fs[2]))
		dec := never.Next(answers)
		if dec.Done || 1-a < bound {
			length += reach * float64(depth)
			agreement += reach * a
			return
		}
		k := pos[index[dec.Next]]
		pa := e.pAgree(e.predictive(idx), k)
		walk(append(answers, Answer{ID: dec.Next, Value: 4}), idx+agrees*e.pow[k], depth+1, reach*pa)
		walk(append(answers[:len(answers):len(answers)], Answer{ID: dec.Next, Value: 2}), idx+disagree*e.pow[k], depth+1, reach*(1-pa))
	}
	walk(skipped, 0, 0, 1)
	return length, agreement
}

// mostAsked returns the n statements that the default chatbot policy asks
// most often on synthetic respondents, in study order.
func mostAsked(n int) []int {
	m := New(Options{})
	rng := rand.New(rand.NewPCG(7, 7))
	count := make([]int, len(items))
	var answers []Answer
	for range 2000 {
		truth := drawSegment(rng)
		answers = answers[:0]
		for {
			dec := m.Next(answers)
			if dec.Done {
				break
			}
			i := index[dec.Next]
			count[i]++
			v := 2
			if rng.Float64() < items[i].p[truth-1] {
				v = 4
			}
			answers = append(answers, Answer{ID: dec.Next, Value: v})
		}
	}
	var ev []int
	for i := range items {
		if items[i].ev {
			ev = append(ev, i)
		}
	}
	slices.SortStableFunc(ev, func(a, b int) int { return cmp.Compare(count[b], count[a]) })
	sub := ev[:n]
	slices.Sort(sub)
	return sub
}

func TestExactAssignmentMatchesEnumeration(t *testing.T) {
	m := New(Options{})
	sub := mostAsked(8)
	e := newExactProblem(m, sub)
	// Enumerate every segment and answer vector directly.
	var want [3]float64
	n := len(sub)
	for mask := range 1 << n {
		var answers []Answer
		for k, i := range sub {
			v := 2
			if mask&(1<<k) != 0 {
				v = 4
			}
			answers = append(answers, Answer{ID: table[i].ID, Value: v})
		}
		b, _ := m.Posterior(answers).Best()
		var p float64
		for s := range 3 {
			q := Prior[s]
			for k, i := range sub {
				if mask&(1<<k) != 0 {
					q *= items[i].p[s]
				} else {
					q *= 1 - items[i].p[s]
				}
			}
			p += q
		}
		want[b-1] += p
	}
	for s := range 3 {
		if got := float64(e.f[0][s]); math.Abs(got-want[s]) > 1e-5 {
			t.Errorf("P(all-%d assignment = %d) = %.6f, enumeration gives %.6f", n, s+1, got, want[s])
		}
	}
	if sum := want[0] + want[1] + want[2]; math.Abs(sum-1) > 1e-9 {
		t.Errorf("enumerated probabilities sum to %v", sum)
	}
}

func TestExactOptimumBoundsThePolicy(t *testing.T) {
	e := newExactProblem(New(Options{}), mostAsked(9))
	// Free statements: ask nothing. Free disagreement: ask until certain.
	if c, l, _ := e.optimum(1e-9); l != 0 || c > 1 {
		t.Errorf("λ≈0: cost %v, length %v; want nothing asked", c, l)
	}
	if _, l, a := e.optimum(1e6); a < 1-1e-6 || l > 9 {
		t.Errorf("λ=1e6: agreement %v, length %v; want certainty within 9 statements", a, l)
	}
	for _, lambda := range []float64{5, 20, 80} {
		oc, ol, oa := e.optimum(lambda)
		for _, bound := range []float64{0.03, 0.075, 0.15} {
			hl, ha := e.heuristic(New(Options{StopBound: bound}))
			hc := hl + lambda*(1-ha)
			if hc < oc-1e-4 {
				t.Errorf("λ=%v bound=%v: policy cost %.5f below the optimum %.5f", lambda, bound, hc, oc)
			}
			if ha < 0 || ha > 1+1e-6 || hl < 0 || hl > 9 {
				t.Errorf("bound=%v: agreement %v, length %v out of range", bound, ha, hl)
			}
		}
		// The best stop for the chatbot's choice of statements lies between
		// the optimum and the chatbot's own stopping rules.
		bl, ba := e.bestStopping(New(Options{}), lambda)
		bc := bl + lambda*(1-ba)
		if bc < oc-1e-4 {
			t.Errorf("λ=%v: best stop cost %.5f below the optimum %.5f", lambda, bc, oc)
		}
		for _, bound := range []float64{0.03, 0.075, 0.15} {
			hl, ha := e.heuristic(New(Options{StopBound: bound}))
			xl, xa := e.exactThreshold(New(Options{}), bound)
			for name, c := range map[string]float64{"chatbot": hl + lambda*(1-ha), "exact P(change)": xl + lambda*(1-xa)} {
				if c < bc-1e-4 {
					t.Errorf("λ=%v bound=%v: %s cost %.5f below the best stop %.5f", lambda, bound, name, c, bc)
				}
			}
		}
		if oa < 0 || oa > 1+1e-6 || ol < 0 || ol > 9 {
			t.Errorf("λ=%v: optimum agreement %v, length %v out of range", lambda, oa, ol)
		}
	}
}

// TestExactFrontier prints both frontiers for -exact n statements.
func TestExactFrontier(t *testing.T) {
	if *exactN == 0 {
		t.Skip("run with -exact n")
	}
	n := *exactN
	if n < 2 || n > 18 {
		t.Fatalf("-exact %d: choose 2..18", n)
	}
	sub := mostAsked(n)
	var ids []string
	for _, i := range sub {
		ids = append(ids, table[i].ID)
	}
	t.Logf("subset of %d: %v", n, ids)
	e := newExactProblem(New(Options{}), sub)
	type point struct{ x, length, agree float64 }
	lambdas := []float64{12, 14, 16, 18, 20, 22, 25, 28, 32, 36, 42, 50, 60, 75, 100}
	bounds := []float64{0.3, 0.2, 0.15, 0.12, 0.1, 0.075, 0.06, 0.05, 0.04, 0.03, 0.02}
	var opt, pol []point
	for _, lambda := range lambdas {
		_, l, a := e.optimum(lambda)
		opt = append(opt, point{lambda, l, a})
		t.Logf("optimum  λ=%5.1f  mean asked %6.3f  agreement %6.2f%%", lambda, l, 100*a)
	}
	for _, bound := range bounds {
		l, a := e.heuristic(New(Options{StopBound: bound}))
		pol = append(pol, point{bound, l, a})
		t.Logf("chatbot  bound=%5.3f  mean asked %6.3f  agreement %6.2f%%", bound, l, 100*a)
	}
	var exactP []point
	for _, bound := range bounds {
		l, a := e.exactThreshold(New(Options{}), bound)
		exactP = append(exactP, point{bound, l, a})
		t.Logf("chatbot's choice, exact P(change)  bound=%5.3f  mean asked %6.3f  agreement %6.2f%%", bound, l, 100*a)
	}
	var stopped []point
	for _, lambda := range lambdas {
		l, a := e.bestStopping(New(Options{}), lambda)
		stopped = append(stopped, point{lambda, l, a})
		t.Logf("chatbot's choice, best stop  λ=%5.1f  mean asked %6.3f  agreement %6.2f%%", lambda, l, 100*a)
	}
	// Mean length at a given agreement, interpolating between neighbouring
	// points (a random mix of the two policies attains the line).
	at := func(ps []point, target float64) float64 {
		for i := 1; i < len(ps); i++ {
			p, q := ps[i-1], ps[i]
			if (p.agree-target)*(q.agree-target) <= 0 && p.agree != q.agree {
				return p.length + (target-p.agree)/(q.agree-p.agree)*(q.length-p.length)
			}
		}
		return math.NaN()
	}
	for _, target := range []float64{0.90, 0.93, 0.95, 0.97} {
		t.Logf("%.0f%% agreement: optimum %.2f statements, chatbot's choice with the best stop %.2f, with exact P(change) %.2f, chatbot %.2f", 100*target, at(opt, target), at(stopped, target), at(exactP, target), at(pol, target))
	}
}
