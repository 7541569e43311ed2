package segment

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// SimOptions configures Simulate.
type SimOptions struct {
	N    int    // respondents; 0 = 10000
	Seed uint64 // random seed; the same seed gives the same report

	// Correlation in [0, 1] ties the answers of one dimension together: each
	// statement's agreement uses, with this probability, a uniform draw
	// shared by the dimension instead of its own, so marginal rates stay
	// the study's. 0 = independent answers given the segment.
	Correlation float64

	Model Options // the model under test
}

// SimResult is how one policy did over the synthetic respondents.
type SimResult struct {
	Policy    string  `json:"policy"`         // "adaptive", "fixed", "random" or "all"
	Accuracy  float64 `json:"accuracy"`       // share assigned to the generating segment
	Agreement float64 `json:"agreement"`      // share assigned as with all statements
	MeanAsked float64 `json:"mean_asked"`     // mean statements asked
	P95Asked  int     `json:"p95_asked"`      // 95th percentile of statements asked
	ECE       float64 `json:"ece_points"`     // expected calibration error against the generating segment, in points (10 bins)
	ECEAll    float64 `json:"ece_all_points"` // the same against the all-statements assignment
}

// SimReport is the outcome of Simulate.
type SimReport struct {
	N           int         `json:"n"`
	Seed        uint64      `json:"seed"`
	Correlation float64     `json:"correlation"`
	Results     []SimResult `json:"results"`
	// MeanPChange is the adaptive policy's mean stated PChange when it
	// stopped; compare with 1 - Agreement of the adaptive row.
	MeanPChange float64 `json:"mean_pchange_at_stop"`
	// RemainingMAE and RemainingBias compare the adaptive policy's
	// Decision.Remaining, at every statement it asked, with the number of
	// statements it then really asked (that one included): mean absolute
	// error and mean signed error (positive = too many promised).
	RemainingMAE  float64 `json:"remaining_mae"`
	RemainingBias float64 `json:"remaining_bias"`
	// The adaptive policy runs under Plan's promise, as the chatbot does.
	// PromiseKept is the share of promises (one per statement asked) the
	// conversation kept: its length lay within them; it is 1 by
	// construction. StoppedAtPromise is the share of conversations that
	// ended because the upper bound was reached; PromiseWidth the mean
	// number of statements between the bounds (upper minus lower), and
	// FirstPromise the bounds a person reads first.
	PromiseKept      float64 `json:"promise_kept"`
	StoppedAtPromise float64 `json:"stopped_at_promise"`
	PromiseWidth     float64 `json:"promise_width"`
	FirstPromise     Bounds  `json:"first_promise"`
}

// Simulate draws synthetic respondents from the study's table and compares
// the adaptive policy (Model.Plan, as the chatbot asks) with the study's fixed order and a random
// order cut at the same length per respondent, and with all statements.
// A respondent's segment is drawn from the prior, each statement's
// agreement from the segment's percentage, and a value of 4 or 5 for
// agreement, 1, 2 or 3 otherwise. ECE is measured against the generating
// segment; ECEAll against the all-statements assignment.
func Simulate(o SimOptions) SimReport {
	if o.N <= 0 {
		o.N = 10000
	}
	corr := min(max(o.Correlation, 0), 1)
	m := New(o.Model)
	rng := rand.New(rand.NewPCG(o.Seed, 0x5e9e47))
	var ev []int // statements with figures, study order
	for i := range items {
		if items[i].ev {
			ev = append(ev, i)
		}
	}
	type outcome struct {
		seg  Segment
		conf float64
	}
	const (
		adaptive = iota
		fixed
		random
		all
		policies
	)
	names := [policies]string{"adaptive", "fixed", "random", "all"}
	var (
		correct, agree  [policies]int
		asked           [policies][]int
		cal, calAll     [policies]calibration
		pcSum           float64
		remAbs, remSum  float64
		remN            int
		promised        []int
		bounds          []Bounds
		kept, atPromise int
		width           float64
		first           Bounds
	)
	values := make([]int, len(items))
	var shared [maxDims]float64
	answers := make([]Answer, 0, len(items))
	order := slices.Clone(ev)
	for range o.N {
		truth := drawSegment(rng)
		for d := range dimItems {
			shared[d] = rng.Float64()
		}
		for _, i := range ev {
			u := rng.Float64()
			if rng.Float64() < corr {
				u = shared[items[i].dim]
			}
			if u < items[i].p[truth-1] {
				values[i] = 4 + rng.IntN(2)
			} else {
				values[i] = 1 + rng.IntN(3)
			}
		}
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })

		var res [policies]outcome
		answers = answers[:0]
		for _, i := range ev {
			answers = append(answers, Answer{ID: table[i].ID, Value: values[i]})
		}
		res[all].seg, res[all].conf = m.Posterior(answers).Best()

		answers = answers[:0]
		promised = promised[:0]
		bounds = bounds[:0]
		var (
			dec  Decision
			plan Bounds
		)
		for {
			dec, plan = m.Plan(answers, plan)
			if dec.Done {
				break
			}
			promised = append(promised, dec.Remaining)
			bounds = append(bounds, plan)
			i := index[dec.Next]
			answers = append(answers, Answer{ID: dec.Next, Value: values[i]})
		}
		k := len(answers)
		for j, r := range promised {
			e := float64(r - (k - j))
			remAbs += math.Abs(e)
			remSum += e
			remN++
			if b := bounds[j]; b.Lo <= k && k <= b.Hi {
				kept++
			}
			width += float64(bounds[j].Hi - bounds[j].Lo)
		}
		if len(bounds) > 0 {
			first = bounds[0]
		}
		if strings.HasPrefix(dec.Reason, reasonPromise) {
			atPromise++
		}
		pcSum += dec.PChange
		res[adaptive].seg, res[adaptive].conf = dec.Posterior.Best()

		answers = answers[:0]
		for _, i := range ev[:k] {
			answers = append(answers, Answer{ID: table[i].ID, Value: values[i]})
		}
		res[fixed].seg, res[fixed].conf = m.Posterior(answers).Best()

		answers = answers[:0]
		for _, i := range order[:k] {
			answers = append(answers, Answer{ID: table[i].ID, Value: values[i]})
		}
		res[random].seg, res[random].conf = m.Posterior(answers).Best()

		for p := range policies {
			n := k
			if p == all {
				n = len(ev)
			}
			asked[p] = append(asked[p], n)
			if res[p].seg == truth {
				correct[p]++
			}
			if res[p].seg == res[all].seg {
				agree[p]++
			}
			cal[p].add(res[p].conf, res[p].seg == truth)
			calAll[p].add(res[p].conf, res[p].seg == res[all].seg)
		}
	}
	rep := SimReport{N: o.N, Seed: o.Seed, Correlation: corr, MeanPChange: pcSum / float64(o.N)}
	if remN > 0 {
		rep.RemainingMAE, rep.RemainingBias = remAbs/float64(remN), remSum/float64(remN)
		rep.PromiseKept, rep.PromiseWidth = float64(kept)/float64(remN), width/float64(remN)
	}
	rep.StoppedAtPromise, rep.FirstPromise = float64(atPromise)/float64(o.N), first
	for p := range policies {
		slices.Sort(asked[p])
		var sum int
		for _, a := range asked[p] {
			sum += a
		}
		rep.Results = append(rep.Results, SimResult{
			Policy:    names[p],
			Accuracy:  float64(correct[p]) / float64(o.N),
			Agreement: float64(agree[p]) / float64(o.N),
			MeanAsked: float64(sum) / float64(o.N),
			P95Asked:  asked[p][int(math.Ceil(0.95*float64(o.N)))-1],
			ECE:       cal[p].ece(),
			ECEAll:    calAll[p].ece(),
		})
	}
	return rep
}

func drawSegment(rng *rand.Rand) Segment {
	u := rng.Float64()
	switch {
	case u < Prior[0]:
		return Volgers
	case u < Prior[0]+Prior[1]:
		return Zelfredzamen
	}
	return Hulpzoekers
}

// calibration collects stated confidence against outcome in 10 bins.
type calibration struct {
	n    [10]int
	conf [10]float64
	hits [10]int
}

func (c *calibration) add(conf float64, hit bool) {
	b := min(int(conf*10), 9)
	c.n[b]++
	c.conf[b] += conf
	if hit {
		c.hits[b]++
	}
}

// ece returns the expected calibration error in points (0..100).
func (c *calibration) ece() float64 {
	var total int
	var e float64
	for b := range 10 {
		if c.n[b] == 0 {
			continue
		}
		total += c.n[b]
		e += math.Abs(c.conf[b] - float64(c.hits[b]))
	}
	if total == 0 {
		return 0
	}
	return 100 * e / float64(total)
}
