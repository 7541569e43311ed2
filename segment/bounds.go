package segment

import "sync"

// Tuning of the promise Plan makes; docs/segment.md shows the measurement.
const (
	// upperRisk is the forecast chance of going on beyond the upper bound
	// at which Plan sets it (and from then on keeps it as a cap). 0.03
	// ends about 1% of conversations at the promise, for about 0.1 point
	// of agreement with all statements; 0.05 narrows the range by half a
	// statement on average for 0.3 point, 0.1 by two for 1.3 points.
	upperRisk = 0.03
	// upperShrink scales the stopping margin for that forecast, as
	// remainingShrink does for Remaining.
	upperShrink = 0.75
	// searchDepth is how many statements ahead Plan tries every kind of
	// answer to find the earliest possible end. 3 keeps one Plan below
	// 0.2 ms in an open case; 5 and 7 narrowed the range by less than
	// 0.05 statements on average.
	searchDepth = 3
)

// Bounds is a promise about the length of one questionnaire: it asks at
// least Lo and at most Hi statements in all, those already asked
// (answered or skipped) included. The zero value promises nothing yet.
type Bounds struct {
	Lo int `json:"lo"`
	Hi int `json:"hi"`
}

// Given reports whether a promise was made.
func (b Bounds) Given() bool { return b.Hi > 0 }

// Left returns the promise as statements still to be asked after
// answers: at least lo and at most hi, the one asked now included. Like
// Plan, it counts each statement once and ignores unknown ids.
func (b Bounds) Left(answers []Answer) (lo, hi int) {
	n := build(answers).count
	return max(b.Lo-n, 0), max(b.Hi-n, 0)
}

// Plan is Next under a promise about the questionnaire's length, and
// returns the new promise. It keeps promised: it stops once promised.Hi
// statements were asked, and should the stopping rule be met before
// promised.Lo (it is not when promised came from Plan with the same
// model), it asks on until promised.Lo.
//
// The promise it returns never widens: Lo never falls and Hi never rises
// (given a promise Plan made itself; a stored one with Lo above Hi is
// held to Hi).
// While not Done, Lo is the earliest the questionnaire can end, found by
// trying every kind of answer (agree, not agree, skip) to the statements
// the model would ask next, searchDepth deep; Hi is a cautious forecast
// (the forecast chance of going on beyond it is below upperRisk), which
// Plan keeps as a cap from then on. When Done, Lo = Hi = the statements
// asked.
func (m *Model) Plan(answers []Answer, promised Bounds) (Decision, Bounds) {
	st := build(answers)
	cap := m.max
	if promised.Hi > 0 {
		cap = min(cap, max(promised.Hi, st.count))
	}
	d := m.next(&st, min(promised.Lo, cap), cap, true)
	if d.Done {
		return d, Bounds{Lo: st.count, Hi: st.count}
	}
	hi := min(st.count+d.upper, cap)
	// Not Done, so st.count < cap; min keeps a promise that was not
	// Plan's own (Lo above Hi) from widening.
	lo := min(max(m.earliest(&st, index[d.Next], hi), promised.Lo, st.count+1), cap)
	return d, Bounds{Lo: lo, Hi: max(hi, lo)}
}

// earliest returns the fewest statements in all after which a
// questionnaire with the evidence st, asking statement next now and
// stopping at cap, can end: it tries every kind of answer to next and to
// the statements asked after it, up to searchDepth deep, and returns
// st.count+searchDepth+1 when none ends it sooner.
func (m *Model) earliest(st *state, next, cap int) int {
	k := earliestKey{st.key(), next, cap}
	if n, ok := m.early.get(k); ok {
		return n
	}
	n := m.search(st, next, cap)
	m.early.put(k, n)
	return n
}

func (m *Model) search(st *state, next, cap int) int {
	type node struct {
		st   state
		next int
	}
	level := []node{{*st, next}}
	seen := map[[3]uint64]bool{}
	for depth := 1; depth <= searchDepth; depth++ {
		var deeper []node
		clear(seen)
		for _, n := range level {
			for _, v := range [...]int{5, 1, 0} { // agrees, does not agree, skips
				c := n.st
				c.add(n.next, v)
				k := c.key()
				if seen[k] {
					continue
				}
				seen[k] = true
				d := m.next(&c, 0, cap, false)
				if d.Done {
					return c.count
				}
				deeper = append(deeper, node{c, index[d.Next]})
			}
		}
		level = deeper
	}
	return st.count + searchDepth + 1
}

// earliestMemo remembers earliest's results. The search is the larger
// part of a Plan (16% of the CPU of a whole message in `proactief bench`),
// and a result depends only on which statements were answered how, the
// statement asked now and the cap; the first answers of a questionnaire
// are shared by many people, so most of their searches are repeats. It is
// bounded: when full it starts again empty.
type earliestMemo struct {
	mu sync.Mutex
	m  map[earliestKey]int
}

type earliestKey struct {
	st        [3]uint64
	next, cap int
}

const earliestMemoSize = 1 << 16 // about 3 MB when full

func newEarliestMemo() *earliestMemo {
	return &earliestMemo{m: make(map[earliestKey]int)}
}

func (c *earliestMemo) get(k earliestKey) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[k]
	return n, ok
}

func (c *earliestMemo) put(k earliestKey, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= earliestMemoSize {
		clear(c.m)
	}
	c.m[k] = n
}
