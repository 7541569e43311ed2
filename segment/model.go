package segment

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// Limits of the fixed-size inference state. The study has 28 statements in
// 12 dimensions; load refuses data beyond these limits.
const (
	maxStatements = 64
	maxDims       = 16
)

// Measured defaults; docs/segment.md shows the simulation behind them.
const (
	// DefaultMinQuestions is the fewest statements asked before the model
	// may stop.
	DefaultMinQuestions = 4
	// DefaultMaxQuestions is the most statements asked: all 26 with
	// figures, so that the stopping rule alone decides.
	DefaultMaxQuestions = 26
	// DefaultStopBound is the chance of changing the assignment below which
	// the model stops asking.
	DefaultStopBound = 0.075
	// DefaultTemper is the design-effect correction ρ for answers within one
	// dimension (see Options.Temper).
	DefaultTemper = 0.1
	// remainingShrink scales the stopping margin in the progress forecast
	// Decision.Remaining. The forecast treats the deciding log odds as
	// normal and ignores that a conversation stops the first time it
	// crosses the margin, so with the full margin it overestimates; 0.75
	// makes it about unbiased on synthetic respondents (docs/segment.md).
	remainingShrink = 0.75
)

// Posterior is a probability per segment; index 0 is segment 1.
type Posterior [3]float64

// Prior is the study's segment sizes: 39%, 22% and 39%.
var Prior = Posterior{0.39, 0.22, 0.39}

// Best returns the most probable segment and its probability. Ties go to
// the lowest segment number.
func (p Posterior) Best() (Segment, float64) {
	b := 0
	for i := 1; i < 3; i++ {
		if p[i] > p[b] {
			b = i
		}
	}
	return Segment(b + 1), p[b]
}

// Answer is one answered (or skipped) statement. Value 1..5; 0 means
// skipped (no evidence).
type Answer struct {
	ID    string `json:"id"`
	Value int    `json:"value"`
}

// Agrees reports whether the answer counts as agreement in the study's
// top-2-box sense: 4 or 5 on the 5-point scale.
func (a Answer) Agrees() bool { return a.Value >= 4 && a.Value <= 5 }

// Options configures a Model. The zero value gives the measured defaults.
type Options struct {
	MinQuestions int     // 0 = DefaultMinQuestions
	MaxQuestions int     // 0 = DefaultMaxQuestions; capped at the number of statements with figures
	StopBound    float64 // 0 = DefaultStopBound; chance of changing assignment below which we stop

	// Temper is the design-effect correction ρ in [0, 1) for answers within
	// one dimension: n answers of a dimension together weigh as
	// n/(1+(n-1)ρ) independent answers. 0 = DefaultTemper; a negative value
	// switches the correction off (naive Bayes).
	Temper float64

	// Prior overrides the segment sizes; the zero value means the study's
	// Prior. It is normalised; it must not have negative entries.
	Prior Posterior
}

// Model infers a person's segment from their answers and decides which
// statement to ask next. A Model is immutable and safe for concurrent use.
type Model struct {
	min, max int
	bound    float64
	rho      float64
	zHi      float64 // the same margin for the cautious forecast behind Plan's upper bound
	zRem     float64 // margin (in remaining standard deviations) at which Remaining counts a conversation as done
	logPrior [3]float64
	weight   [maxStatements + 1]float64 // weight[n]: weight per answer when a dimension has n answers
	early    *earliestMemo              // Plan's lower bounds already searched (bounds.go)
}

// item is a statement's precomputed likelihoods.
type item struct {
	ev   bool       // has figures
	dim  int        // dimension index
	p    [3]float64 // P(agree | segment)
	logA [3]float64 // log P(agree | segment)
	logN [3]float64 // log P(not agree | segment)
	pv   [3]float64 // p(1-p): variance of agreement given the segment
	dA   [3]float64 // per pair: log-odds contribution of agreeing
	dN   [3]float64 // per pair: log-odds contribution of not agreeing
	d2   [3]float64 // per pair: (dA-dN)², so that pv*d2 is the variance of the contribution
}

var (
	items    []item
	dimItems [][]int // statement indexes per dimension, study order
	numEv    int     // statements with figures
)

func init() {
	dims := map[string]int{}
	items = make([]item, len(table))
	for i, s := range table {
		d, ok := dims[s.Dimension]
		if !ok {
			d = len(dims)
			if d >= maxDims {
				panic("segment: too many dimensions in statements.json")
			}
			dims[s.Dimension] = d
			dimItems = append(dimItems, nil)
		}
		it := item{dim: d, ev: s.HasEvidence()}
		if it.ev {
			numEv++
			dimItems[d] = append(dimItems[d], i)
			for k := range 3 {
				p := s.AgreePct[k] / 100
				it.p[k] = p
				it.logA[k] = math.Log(p)
				it.logN[k] = math.Log1p(-p)
				it.pv[k] = p * (1 - p)
			}
			for pi, pr := range pairs {
				it.dA[pi] = it.logA[pr[0]] - it.logA[pr[1]]
				it.dN[pi] = it.logN[pr[0]] - it.logN[pr[1]]
				it.d2[pi] = (it.dA[pi] - it.dN[pi]) * (it.dA[pi] - it.dN[pi])
			}
		}
		items[i] = it
	}
}

// New returns a Model with the given options; zero fields take the defaults.
func New(opts Options) *Model {
	m := &Model{min: opts.MinQuestions, max: opts.MaxQuestions, bound: opts.StopBound, rho: opts.Temper, early: newEarliestMemo()}
	if m.max <= 0 || m.max > numEv {
		if m.max <= 0 {
			m.max = DefaultMaxQuestions
		}
		m.max = min(m.max, numEv)
	}
	if m.min <= 0 {
		m.min = DefaultMinQuestions
	}
	m.min = min(m.min, m.max)
	if m.bound <= 0 {
		m.bound = DefaultStopBound
	}
	switch {
	case m.rho == 0:
		m.rho = DefaultTemper
	case m.rho < 0:
		m.rho = 0
	case m.rho >= 1:
		m.rho = 0.99
	}
	m.zRem = remainingShrink * math.Sqrt2 * math.Erfcinv(2*min(m.bound, 0.5))
	m.zHi = upperShrink * math.Sqrt2 * math.Erfcinv(2*min(m.bound, 0.5))
	prior := opts.Prior
	if prior == (Posterior{}) {
		prior = Prior
	}
	sum := prior[0] + prior[1] + prior[2]
	for k := range 3 {
		m.logPrior[k] = math.Log(prior[k] / sum)
	}
	m.weight[0] = 1
	for n := 1; n <= maxStatements; n++ {
		m.weight[n] = 1 / (1 + float64(n-1)*m.rho)
	}
	return m
}

// Options returns the options in effect, defaults filled in. Temper is
// negative when the correction is off.
func (m *Model) Options() Options {
	rho := m.rho
	if rho == 0 {
		rho = -1
	}
	var prior Posterior
	for k := range 3 {
		prior[k] = math.Exp(m.logPrior[k])
	}
	return Options{MinQuestions: m.min, MaxQuestions: m.max, StopBound: m.bound, Temper: rho, Prior: prior}
}

// state is the evidence gathered from a list of answers.
type state struct {
	sum             [maxDims][3]float64 // untempered log-likelihood per dimension
	n               [maxDims]int        // answers with evidence per dimension
	asked           uint64              // bit i: statement i asked (answered or skipped)
	agreed, skipped uint64              // bit i: statement i agreed with, or skipped (no evidence)
	count           int                 // statements asked
}

// build collects the evidence in answers. Unknown ids are ignored; a
// repeated id counts only the first time; a value outside 1..5 is a skip.
func build(answers []Answer) state {
	var st state
	for _, a := range answers {
		if i, ok := index[a.ID]; ok {
			st.add(i, a.Value)
		}
	}
	return st
}

// add records the answer v to statement i, unless i was asked before.
func (st *state) add(i, v int) {
	if st.asked&(1<<i) != 0 {
		return
	}
	st.asked |= 1 << i
	st.count++
	it := &items[i]
	if !it.ev || v < 1 || v > 5 {
		st.skipped |= 1 << i
		return
	}
	ll := &it.logN
	if (Answer{Value: v}).Agrees() {
		ll = &it.logA
		st.agreed |= 1 << i
	}
	for k := range 3 {
		st.sum[it.dim][k] += ll[k]
	}
	st.n[it.dim]++
}

// key identifies the evidence: two states with the same key decide alike.
func (st *state) key() [3]uint64 { return [3]uint64{st.asked, st.agreed, st.skipped} }

// logPost returns the unnormalised tempered log posterior.
func (m *Model) logPost(st *state) [3]float64 {
	lp := m.logPrior
	for d := range dimItems {
		if st.n[d] == 0 {
			continue
		}
		w := m.weight[st.n[d]]
		for k := range 3 {
			lp[k] += w * st.sum[d][k]
		}
	}
	return lp
}

// normalize turns log weights into probabilities.
func normalize(lp [3]float64) Posterior {
	mx := max(lp[0], lp[1], lp[2])
	var p Posterior
	var sum float64
	for k := range 3 {
		p[k] = math.Exp(lp[k] - mx)
		sum += p[k]
	}
	for k := range 3 {
		p[k] /= sum
	}
	return p
}

// entropy in bits.
func entropy(p Posterior) float64 {
	var h float64
	for _, x := range p {
		if x > 0 {
			h -= x * math.Log2(x)
		}
	}
	return h
}

// Posterior returns the probability of each segment given the answers.
// Unknown ids are ignored, a repeated id counts once (the first time), and
// a value outside 1..5 or a statement without figures carries no evidence.
func (m *Model) Posterior(answers []Answer) Posterior {
	st := build(answers)
	return normalize(m.logPost(&st))
}

// Decision is what to do after a list of answers.
type Decision struct {
	Done      bool
	Next      string    // statement id to ask next; "" when Done
	Posterior Posterior // posterior after the answers so far
	Gain      float64   // expected information (bits) of Next
	PChange   float64   // estimated chance that asking all remaining statements would change the current assignment
	Remaining int       // honest estimate of statements still to be asked (0 when Done), for a progress indicator
	Reason    string    // short English reason for a trace, e.g. "stop: P(change)=0.03 < 0.05" or "max reached"

	upper int // a cautious forecast of the statements still to be asked, for Plan's promise
}

// Next decides what to do after the given answers (in the order asked). It
// never proposes a statement that is already in answers (a skipped
// statement counts as asked) nor one without figures. It stops when at
// least MinQuestions were asked and PChange < StopBound, when MaxQuestions
// were asked, or when no statement with figures is left.
func (m *Model) Next(answers []Answer) Decision {
	st := build(answers)
	return m.next(&st, 0, m.max, true)
}

// next decides for the evidence in st. It asks on while fewer than floor
// statements were asked and stops once cap were asked (Plan's promise).
// Without full it leaves out Gain and Remaining, which only a person
// reads.
func (m *Model) next(st *state, floor, cap int, full bool) Decision {
	lp := m.logPost(st)
	post := normalize(lp)
	g := m.aggregate(st)
	bs, _ := post.Best()
	b := int(bs) - 1
	d := Decision{Posterior: post, PChange: g.pChange(post, b)}
	left := 0
	for i := range items {
		if items[i].ev && st.asked&(1<<i) == 0 {
			left++
		}
	}
	switch {
	case st.count >= m.max:
		d.Done, d.Reason = true, "max reached"
		return d
	case left == 0:
		d.Done, d.Reason = true, "no statements left"
		return d
	case st.count >= cap:
		d.Done, d.Reason = true, reasonPromise+strconv.Itoa(cap)
		return d
	case st.count >= max(m.min, floor) && d.PChange < m.bound:
		d.Done = true
		d.Reason = "stop: P(change)=" + fmtP(d.PChange) + " < " + fmtP(m.bound)
		return d
	}

	// Choose the statement that moves the deciding log odds most where the
	// decision is still open: for each segment s that might be true and
	// each challenger c of the current best b, the variance the answer adds
	// to the final log odds of b against c, weighted by the posterior of s
	// and the normal density of that final log odds at zero. Ties go to
	// the study's order.
	var dens [3][3]float64 // [challenger][s]
	for c := range 3 {
		if c == b {
			continue
		}
		pi, sg := pairOf(b, c)
		for s := range 3 {
			v := g.vr[pi][s]
			if v <= 1e-12 {
				continue
			}
			z := sg * g.mean[pi][s]
			dens[c][s] = post[s] * math.Exp(-0.5*z*z/v) / math.Sqrt(v)
		}
	}
	best, bestScore := -1, -1.0
	var score [maxStatements]float64
	for i := range items {
		it := &items[i]
		if !it.ev || st.asked&(1<<i) != 0 {
			continue
		}
		var sc float64
		for c := range 3 {
			if c == b {
				continue
			}
			pi, _ := pairOf(b, c)
			for s := range 3 {
				sc += dens[c][s] * it.pv[s] * it.d2[pi]
			}
		}
		w := g.wFinal[it.dim]
		sc *= w * w
		score[i] = sc
		if sc > bestScore*(1+1e-12) {
			best, bestScore = i, sc
		}
	}
	d.Next = table[best].ID
	if !full {
		return d
	}
	d.Gain = m.gain(st, lp, post, best)
	d.Remaining = m.remaining(st, &g, post, b, &score, left)
	d.upper = m.upper(st, &g, post, b, &score, left)
	d.Reason = "ask: gain=" + strconv.FormatFloat(d.Gain, 'f', 3, 64) + " bits, P(change)=" + fmtP(d.PChange)
	return d
}

// reasonPromise starts the Reason of a stop at Plan's upper bound.
const reasonPromise = "promised at most "

func fmtP(p float64) string { return strconv.FormatFloat(p, 'f', 3, 64) }

// gain returns the expected information (bits) about the segment of an
// answer to statement i under the tempered posterior.
func (m *Model) gain(st *state, lp [3]float64, post Posterior, i int) float64 {
	it := &items[i]
	n := st.n[it.dim]
	wOld, wNew := m.weight[n], m.weight[n+1]
	var la, ln [3]float64
	var pA float64
	for k := range 3 {
		base := lp[k] - wOld*st.sum[it.dim][k]
		la[k] = base + wNew*(st.sum[it.dim][k]+it.logA[k])
		ln[k] = base + wNew*(st.sum[it.dim][k]+it.logN[k])
		pA += post[k] * it.p[k]
	}
	return max(entropy(post)-pA*entropy(normalize(la))-(1-pA)*entropy(normalize(ln)), 0)
}

// pairs are the three unordered pairs of segments; the log odds of a pair
// (b, c) is log P(b) - log P(c).
var pairs = [3][2]int{{0, 1}, {0, 2}, {1, 2}}

// pairOf returns the pair of segments b and c and the sign that turns the
// pair's log odds into the log odds of b against c.
func pairOf(b, c int) (int, float64) {
	sg := 1.0
	if b > c {
		b, c, sg = c, b, -1
	}
	return b + c - 1, sg
}

// agg holds, for every pair of segments and every segment s that might be
// true, the mean and variance of the pair's final log odds once all
// remaining statements with figures are answered.
type agg struct {
	mean, vr [3][3]float64    // [pair][s]
	wFinal   [maxDims]float64 // weight per answer of a dimension at the end
}

// aggregate computes the final log-odds distribution of every pair.
// Given segment s, the remaining answers add independent terms whose exact
// mean and variance are summed; pChange treats the sum as normal.
func (m *Model) aggregate(st *state) agg {
	var g agg
	for d, list := range dimItems {
		rem := 0
		for _, i := range list {
			if st.asked&(1<<i) == 0 {
				rem++
			}
		}
		g.wFinal[d] = m.weight[st.n[d]+rem]
	}
	for pi, pr := range pairs {
		b, c := pr[0], pr[1]
		for s := range 3 {
			mean := m.logPrior[b] - m.logPrior[c]
			var vr float64
			for d, list := range dimItems {
				mu := st.sum[d][b] - st.sum[d][c]
				var v float64
				for _, i := range list {
					if st.asked&(1<<i) != 0 {
						continue
					}
					it := &items[i]
					p := it.p[s]
					mu += p*it.dA[pi] + (1-p)*it.dN[pi]
					v += it.pv[s] * it.d2[pi]
				}
				w := g.wFinal[d]
				mean += w * mu
				vr += w * w * v
			}
			g.mean[pi][s], g.vr[pi][s] = mean, vr
		}
	}
	return g
}

// beaten returns the normal-approximation chance that a final log odds
// with this mean and variance is below zero (b is overtaken by c).
func beaten(mean, vr float64, c, b int) float64 {
	switch {
	case vr > 1e-12:
		return 0.5 * math.Erfc(mean/math.Sqrt(2*vr))
	case mean < 0 || (mean == 0 && c < b):
		return 1
	}
	return 0
}

// pChange estimates the chance that answering every remaining statement
// with figures would change the current assignment b: for each segment s,
// the chance that another segment overtakes b (the two chances added, a
// union bound), averaged over the posterior.
func (g *agg) pChange(post Posterior, b int) float64 {
	var total float64
	for s := range 3 {
		var pc float64
		for c := range 3 {
			if c != b {
				pi, sg := pairOf(b, c)
				pc += beaten(sg*g.mean[pi][s], g.vr[pi][s], c, b)
			}
		}
		total += post[s] * min(pc, 1)
	}
	return min(total, 1)
}

// remaining forecasts how many statements will still be asked, for a
// progress indicator. It assumes the remaining statements are asked in
// the order of their current score and, for each segment s that might be
// true, treats the final log odds of b against each challenger as the
// normal of aggregate, of which the first k answers reveal their share of
// the variance. The conversation is taken to go on after k more answers
// while, against some challenger, the expected final log odds is still
// within z·(remaining standard deviation) of zero, z being the margin at
// which P(change) reaches StopBound. The forecast is the sum over k of
// that chance, within MinQuestions and MaxQuestions.
func (m *Model) remaining(st *state, g *agg, post Posterior, b int, score *[maxStatements]float64, left int) int {
	lo := max(m.min-st.count, 1)
	hi := min(m.max-st.count, left)
	if lo >= hi {
		return hi
	}
	exp := 1.0 // k = 0: the statement asked now
	m.survival(st, g, post, b, score, hi, m.zRem, func(k int, going float64) bool {
		if k < lo {
			going = 1
		} else if going < 1e-3 {
			return false // the rest adds at most a few hundredths of a statement
		}
		exp += going
		return true
	})
	return min(max(int(math.Round(exp)), lo), hi)
}

// upper is a cautious forecast of the statements still to be asked, the
// one asked now included: the fewest k after which the forecast chance of
// going on (survival, with the full stopping margin) is below upperRisk.
func (m *Model) upper(st *state, g *agg, post Posterior, b int, score *[maxStatements]float64, left int) int {
	lo := max(m.min-st.count, 1)
	hi := min(m.max-st.count, left)
	if lo >= hi {
		return hi
	}
	u := hi
	m.survival(st, g, post, b, score, hi, m.zHi, func(k int, going float64) bool {
		if k >= lo && going < upperRisk {
			u = k
			return false
		}
		return true
	})
	return u
}

// survival calls visit for k = 1, 2, ... below hi with the forecast
// chance that the conversation goes on after k more answers (see
// remaining), z being the stopping margin in remaining standard
// deviations, until visit returns false.
func (m *Model) survival(st *state, g *agg, post Posterior, b int, score *[maxStatements]float64, hi int, z float64, visit func(k int, going float64) bool) {
	var order [maxStatements]int
	n := 0
	for i := range items {
		if items[i].ev && st.asked&(1<<i) == 0 {
			order[n] = i
			n++
		}
	}
	slices.SortStableFunc(order[:n], func(x, y int) int { return cmp.Compare(score[y], score[x]) })
	var used [3][3]float64 // [challenger][s]: variance revealed so far
	for k := 1; k < hi && k <= n; k++ {
		it := &items[order[k-1]]
		w := g.wFinal[it.dim]
		var going float64
		for s := range 3 {
			if post[s] < 1e-4 {
				continue
			}
			stop := 1.0
			for c := range 3 {
				if c == b {
					continue
				}
				pi, sg := pairOf(b, c)
				used[c][s] += w * w * it.pv[s] * it.d2[pi]
				u := used[c][s]
				r := math.Sqrt(max(g.vr[pi][s]-u, 0))
				mu := sg * g.mean[pi][s]
				stop *= 1 - open(mu, z*r, u)
			}
			going += post[s] * (1 - stop)
		}
		if !visit(k, going) {
			return
		}
	}
}

// open returns the chance that |mu + X| < h for X normal with mean 0 and
// variance u: the deciding log odds is still within the stopping margin h.
func open(mu, h, u float64) float64 {
	mu = math.Abs(mu)
	if u <= 1e-12 {
		if mu < h {
			return 1
		}
		return 0
	}
	su := math.Sqrt(2 * u)
	a := (mu - h) / su
	if a > 4 { // both tails below 1e-8
		return 0
	}
	return 0.5 * (math.Erfc(a) - math.Erfc((mu+h)/su))
}
