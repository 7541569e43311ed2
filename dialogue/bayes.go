package dialogue

import (
	"bufio"
	"embed"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// The rules in understand.txt are precise but miss phrasings nobody wrote
// down. Behind them stands a small naive Bayes model over words, word
// pairs and letter groups, for the three intents where a miss costs most:
// crisis, urgent and person. It is trained when the program starts, from
// the labelled corpus in testdata/ (the development parts only, never the
// held-out part), so the model is reproducible from the repository and
// nothing is downloaded. It only adds an intent the rules did not find,
// only above a threshold, and only to a message that holds a word of that
// intent's vocabulary (see backstop; TestBayesThresholds and
// TestUnderstandLeaveOnePartOut measure it).

//go:embed testdata/intents.tsv testdata/intents_holdout1.tsv testdata/intents_holdout2.tsv testdata/intents_holdout3.tsv testdata/intents_holdout4.tsv testdata/intents_holdout5.tsv testdata/intents_dev6.tsv testdata/intents_holdout6.tsv testdata/intents_dev7.tsv testdata/intents_holdout7.tsv testdata/intents_dev8.tsv testdata/intents_holdout8.tsv testdata/intents_dev9.tsv testdata/intents_holdout9.tsv testdata/intents_dev10a.tsv testdata/intents_dev10b.tsv testdata/intents_dev10c.tsv testdata/intents_dev10d.tsv testdata/intents_dev10e.tsv testdata/intents_dev10f.tsv testdata/intents_dev10g.tsv testdata/intents_dev10h.tsv testdata/intents_holdout10.tsv testdata/intents_dev11a.tsv testdata/intents_dev11b.tsv testdata/intents_neg11.tsv testdata/intents_holdout11.tsv testdata/intents_dev12a.tsv testdata/intents_holdout12.tsv testdata/intents_holdout13.tsv testdata/intents_holdout14.tsv testdata/intents_holdout15.tsv testdata/intents_holdout16.tsv testdata/intents_neg17.tsv testdata/intents_holdout17.tsv testdata/intents_holdout18.tsv testdata/intents_holdout19.tsv testdata/intents_holdout20.tsv testdata/intents_holdout21.tsv
var trainFS embed.FS

// trainFiles are the corpus parts the model learns from: every development
// part. A held-out part (intents_holdout22.tsv and later) is never among
// them.
var trainFiles = []string{"testdata/intents.tsv", "testdata/intents_holdout1.tsv", "testdata/intents_holdout2.tsv", "testdata/intents_holdout3.tsv", "testdata/intents_holdout4.tsv", "testdata/intents_holdout5.tsv", "testdata/intents_dev6.tsv", "testdata/intents_holdout6.tsv", "testdata/intents_dev7.tsv", "testdata/intents_holdout7.tsv", "testdata/intents_dev8.tsv", "testdata/intents_holdout8.tsv", "testdata/intents_dev9.tsv", "testdata/intents_holdout9.tsv", "testdata/intents_dev10a.tsv", "testdata/intents_dev10b.tsv", "testdata/intents_dev10c.tsv", "testdata/intents_dev10d.tsv", "testdata/intents_dev10e.tsv", "testdata/intents_dev10f.tsv", "testdata/intents_dev10g.tsv", "testdata/intents_dev10h.tsv", "testdata/intents_holdout10.tsv", "testdata/intents_dev11a.tsv", "testdata/intents_dev11b.tsv", "testdata/intents_neg11.tsv", "testdata/intents_holdout11.tsv", "testdata/intents_dev12a.tsv", "testdata/intents_holdout12.tsv", "testdata/intents_holdout13.tsv", "testdata/intents_holdout14.tsv", "testdata/intents_holdout15.tsv", "testdata/intents_holdout16.tsv", "testdata/intents_neg17.tsv", "testdata/intents_holdout17.tsv", "testdata/intents_holdout18.tsv", "testdata/intents_holdout19.tsv", "testdata/intents_holdout20.tsv", "testdata/intents_holdout21.tsv"}

// The model's classes: the three intents it backs up, and the rest.
const (
	bCrisis = iota
	bUrgent
	bPerson
	bOther // another intent
	bNone  // an answer or nothing
	bClasses
)

var bayesIntents = [bClasses]Intent{IntentCrisis, IntentUrgent, IntentPerson, IntentNone, IntentNone}

// bayesThreshold is the posterior from which the model adds an intent
// (crisis, urgent, person) to a message that passes the intent's gate (see
// backstop). Chosen in the sixth round (2026-12-06) from
// TestUnderstandLeaveOnePartOut, every development part scored by the
// rules plus a model trained without that part: behind the gate the
// crisis threshold made no difference between 0.5 and 0.8 there, so it
// leans to crisis (0.5); urgent at 0.99 kept "mijn huur is 800 euro" and
// "mijn energierekening is hoog" out at no loss of recall. The cue gate
// (cueMin 2, cueShare 0.6, two cue words) took crisis recall on the new
// fourth batch of intents_dev6.tsv from 0.64 to 0.74 before its rules
// were written, and took no real answer in the leave-one-part-out run.
var bayesThreshold = [3]float64{thCrisis, thUrgent, thPerson}

// bayesAnswerThreshold is the crisis threshold for a message that reads as
// an answer ("klopt, het leven is duur" was 0.89).
var bayesAnswerThreshold = thAnswer

type bayes struct {
	// cues are, per class, the words that point to it in the training
	// data: seen in at least cueMin of its messages, and in that class for
	// at least cueShare of all messages holding them. With the "@lex"
	// groups they are the model's vocabulary gate (see backstop); being
	// learnt from the data, they grow with it.
	cues     [bClasses]map[string]bool
	logPrior [bClasses]float64
	counts   map[string]*[bClasses]float64 // per feature: counts while training, then log-likelihoods
	total    [bClasses]float64
	vocab    float64
}

const bayesAlpha = 0.5

// A cue word is seen in at least cueMin messages of its class, and in
// that class in at least cueShare of the messages that hold it. The gate
// opens on cueWords different cue words, one of them at least cueLen
// letters long: "ben er nog" was a crisis on three short ones (tenth
// round).
var (
	cueMin   = 2
	cueShare = 0.6
	cueWords = 2
	cueLen   = 4
)

const (
	thCrisis = 0.5
	thUrgent = 0.99
	thPerson = 0.9
	thAnswer = 0.99
)

func bayesClass(label string) int {
	switch label {
	case "crisis":
		return bCrisis
	case "urgent":
		return bUrgent
	case "person":
		return bPerson
	case "answer", "other":
		return bNone
	}
	return bOther
}

// eachFeature calls fn with the words, word pairs and letter groups of a
// message, given as corrected tokens. Each string is new, so fn may keep it.
func eachFeature(toks []string, fn func(string)) {
	prev := "^"
	var buf [64]byte
	for _, t := range toks {
		if t == clauseBreak {
			prev = "^"
			continue
		}
		fn("w:" + t)
		fn("b:" + prev + "_" + t)
		prev = t
		if len(t) >= 5 && len(t) <= 60 {
			w := append(append(append(buf[:0], '<'), t...), '>')
			for i := 0; i+4 <= len(w); i++ {
				fn("c:" + string(w[i:i+4]))
			}
		}
	}
}

// correctedTokens tokenises text and corrects typos as Understand does.
func correctedTokens(text string) []string {
	toks := tokens(text)
	for i, t := range toks {
		toks[i] = understander.correct(t)
	}
	return toks
}

type sample struct {
	class int
	text  string
	toks  []string // correctedTokens(text)
}

func readSamples(data string) []sample {
	var out []sample
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, text, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		out = append(out, sample{bayesClass(label), text, correctedTokens(text)})
	}
	return out
}

func trainBayes(samples []sample) *bayes {
	b := &bayes{counts: map[string]*[bClasses]float64{}}
	var n [bClasses]float64
	df := map[string]*[bClasses]int{} // per word: in how many messages of each class
	for _, s := range samples {
		n[s.class]++
		toks := s.toks
		seen := map[string]bool{}
		for _, t := range toks {
			if t == clauseBreak || seen[t] {
				continue
			}
			seen[t] = true
			c := df[t]
			if c == nil {
				c = new([bClasses]int)
				df[t] = c
			}
			c[s.class]++
		}
		eachFeature(toks, func(f string) {
			c := b.counts[f]
			if c == nil {
				c = new([bClasses]float64)
				b.counts[f] = c
			}
			c[s.class]++
			b.total[s.class]++
		})
	}
	for k := range b.cues {
		b.cues[k] = map[string]bool{}
	}
	for w, c := range df {
		all := 0
		for _, v := range c {
			all += v
		}
		for k, v := range c {
			if v >= cueMin && float64(v) >= cueShare*float64(all) {
				b.cues[k][w] = true
			}
		}
	}
	b.vocab = float64(len(b.counts))
	// Keep each feature's log-likelihoods rather than its counts.
	for _, c := range b.counts {
		for k := range c {
			c[k] = math.Log((c[k] + bayesAlpha) / (b.total[k] + bayesAlpha*b.vocab))
		}
	}
	for c := range n {
		b.logPrior[c] = math.Log((n[c] + 1) / (float64(len(samples)) + bClasses))
	}
	return b
}

// posterior returns the probability of each class for text.
func (b *bayes) posterior(text string) [bClasses]float64 {
	return b.posteriorOf(correctedTokens(text))
}

// posteriorOf returns the probability of each class for corrected tokens.
func (b *bayes) posteriorOf(toks []string) [bClasses]float64 {
	lp := b.logPrior
	eachFeature(toks, func(f string) {
		c := b.counts[f]
		if c == nil {
			return // a feature never seen says nothing
		}
		for k := range lp {
			lp[k] += c[k]
		}
	})
	mx := lp[0]
	for _, v := range lp {
		mx = max(mx, v)
	}
	var p [bClasses]float64
	sum := 0.0
	for k, v := range lp {
		p[k] = math.Exp(v - mx)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
	return p
}

// trainSamples reads the messages of trainFiles. They are not kept once
// the models are trained.
func trainSamples() []sample {
	var all []sample
	for _, f := range trainFiles {
		data, err := trainFS.ReadFile(f)
		if err != nil {
			panic("dialogue: " + err.Error())
		}
		all = append(all, readSamples(string(data))...)
	}
	return all
}

var model, crisisModel = trainModels(trainSamples())

// trainModels trains the Bayes model and the crisis model side by side.
func trainModels(samples []sample) (*bayes, *logit) {
	done := make(chan *logit)
	go func() { done <- trainLogit(samples, bCrisis) }()
	b := trainBayes(samples)
	return b, <-done
}

// hasCue reports whether at least cueWords different tokens are cue words
// of class k: one alone ("altijd", "liefst") is too often in an answer.
func (b *bayes) hasCue(toks []string, k int) bool {
	n, long := 0, false
	for i, t := range toks {
		if b.cues[k][t] && !slices.Contains(toks[:i], t) {
			n++
			long = long || utf8.RuneCountInString(t) >= cueLen
		}
	}
	return n >= cueWords && long
}

// backstop returns the intent the model adds, or IntentNone. The model is
// overconfident on words it has seen with one class only ("ik ben 45
// jaar" was a crisis at 0.99 when trained without its part), so it may
// add an intent only to a message that holds a word of that intent's
// vocabulary (the "@lex" word groups in understand.txt) or one of its cue
// words learnt from the training data; for a message
// that reads as an answer only a crisis, above bayesAnswerThreshold.
//
// ctoks are the tokens without the harmless phrases ("~" lines): the
// crisis reading is taken from them. led says the message opens or ends
// as an answer does (answerLed).
func (b *bayes) backstop(toks, ctoks []string, answerLike, led bool) Intent {
	p := b.posteriorOf(toks)
	pc := p
	if !slices.Equal(toks, ctoks) {
		pc = b.posteriorOf(ctoks)
	}
	for k := bCrisis; k <= bPerson; k++ {
		if k == bCrisis {
			if pc[k] >= bayesThreshold[k] && !answerLike || pc[k] >= bayesAnswerThreshold {
				// Cue words alone ("alleen", "niks", "meer") do not make
				// a crisis of a message in the words of a money emergency:
				// "ik ben alleen met 3 kinderen ... vanavond heb ik niks om
				// te koken" was a crisis on cues only (eighth round). A
				// time word ("today", "vannacht") is no such word: "gave
				// my dog away today" (tenth round). A message opened as
				// an answer (led: "eens, ...") needs a word of the
				// lexicon: cue words made a crisis of "eens, ik wil
				// gewoon dat het klaar is met die brieven". So does a
				// short message that reads as an answer: "eerlijk gezegd
				// niet".
				if understander.inLexicon(ctoks, IntentCrisis) || !led && !(answerLike && words(toks) <= 3) && b.hasCue(ctoks, k) && !understander.inLexicon(withoutTimeWords(toks), IntentUrgent) {
					return IntentCrisis
				}
			}
			continue
		}
		if answerLike {
			break // for an answer only a crisis
		}
		if p[k] >= bayesThreshold[k] && understander.inLexicon(toks, bayesIntents[k]) {
			return bayesIntents[k]
		}
	}
	return IntentNone
}

// timeWords are in the urgent lexicon ("vandaag", "tonight") but say
// nothing of money: they do not stop a crisis read from cue words.
var timeWords = map[string]bool{"vandaag": true, "today": true, "morgen": true, "tomorrow": true, "vannacht": true, "tonight": true, "vanavond": true}

func withoutTimeWords(toks []string) []string {
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		if !timeWords[t] {
			out = append(out, t)
		}
	}
	return out
}

// words counts the words of toks, without clause breaks.
func words(toks []string) int {
	n := 0
	for _, t := range toks {
		if t != clauseBreak {
			n++
		}
	}
	return n
}
