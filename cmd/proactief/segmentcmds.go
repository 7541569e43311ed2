package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/proactief/proactief/segment"
)

func init() {
	register(command{name: "statements", summary: "print the study's statements as JSON", run: runStatements})
	register(command{name: "classify", summary: "assign segments to answer sheets (JSON lines on stdin)", run: runClassify})
	register(command{name: "simulate", summary: "measure the segment model on synthetic respondents", run: runSimulate})
}

func runStatements(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "statements", "statements")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(segment.Statements())
}

// classifyHelp describes classify's input and output for --help.
const classifyHelp = `Reads one answer sheet per line (JSON), writes one result per line.
Input: {"answers": {STATEMENT_ID: ANSWER, ...}}, where STATEMENT_ID is an "id"
of "proactief statements" and ANSWER is 1 to 5 (1 = helemaal oneens or
helemaal niet belangrijk, 5 = helemaal eens or heel belangrijk), words as a
person would type them ("helemaal mee eens"), or null for a skipped statement.
Example:
  echo '{"answers": {"privacy_nodig": 4, "privacy_veilig": "helemaal mee eens", "delen_makkelijker": null}}' | proactief classify
  {"segment":3,"posterior":[0.2099,0.2832,0.5069],"asked":[...],"answers":{...},"unparsed":[]}
Output: the segment (1-3), its posterior, the statements used, their values,
and the answers that could not be read (they count as skipped).

Flags:`

// classifyIn is one input line of "proactief classify".
type classifyIn struct {
	Answers map[string]json.RawMessage `json:"answers"`
}

// classifyOut is one output line of "proactief classify".
type classifyOut struct {
	Segment   int             `json:"segment"`
	Posterior [3]float64      `json:"posterior"`
	Asked     []string        `json:"asked"`
	Answers   map[string]*int `json:"answers"`
	Unparsed  []string        `json:"unparsed"`
}

func runClassify(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "classify", "classify [--adaptive] < answers.jsonl\n\n"+classifyHelp)
	adaptive := fs.Bool("adaptive", false, "ask like the chatbot does (Model.Plan), taking each answer from the sheet")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m := segment.New(segment.Options{})
	sc := bufio.NewScanner(env.Stdin)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	enc := json.NewEncoder(env.Stdout)
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		out, err := classifyLine(m, raw, *adaptive)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return nil
}

// classifyLine classifies one answer sheet. Values are 1..5, a free-text
// answer read by segment.Parse, or null (skipped). Unreadable answers are
// listed in Unparsed (study order) and count as skipped.
func classifyLine(m *segment.Model, raw []byte, adaptive bool) (*classifyOut, error) {
	var in classifyIn
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("bad JSON: %v", err)
	}
	values := map[string]int{} // 0 = skipped
	var unparsed []string
	for _, s := range segment.Statements() {
		v, ok := in.Answers[s.ID]
		if !ok {
			continue
		}
		n, ok, err := answerValue(v)
		if err != nil {
			return nil, fmt.Errorf("statement %s: %w", s.ID, err)
		}
		if !ok {
			unparsed = append(unparsed, s.ID)
		}
		values[s.ID] = n
	}
	for id := range in.Answers {
		if _, ok := segment.Find(id); !ok {
			return nil, fmt.Errorf("unknown statement id %q", id)
		}
	}

	var answers []segment.Answer
	var post segment.Posterior
	if adaptive {
		var promise segment.Bounds
		for {
			var d segment.Decision
			d, promise = m.Plan(answers, promise)
			if d.Done {
				post = d.Posterior
				break
			}
			answers = append(answers, segment.Answer{ID: d.Next, Value: values[d.Next]})
		}
	} else {
		for _, s := range segment.Statements() {
			if _, ok := in.Answers[s.ID]; ok {
				answers = append(answers, segment.Answer{ID: s.ID, Value: values[s.ID]})
			}
		}
		post = m.Posterior(answers)
	}
	seg, _ := post.Best()
	out := &classifyOut{Segment: int(seg), Asked: []string{}, Answers: map[string]*int{}, Unparsed: unparsed}
	if out.Unparsed == nil {
		out.Unparsed = []string{}
	}
	for k, p := range post {
		out.Posterior[k] = math.Round(p*1e4) / 1e4
	}
	for _, a := range answers {
		out.Asked = append(out.Asked, a.ID)
		if a.Value != 0 {
			out.Answers[a.ID] = &a.Value
		} else {
			out.Answers[a.ID] = nil
		}
	}
	return out, nil
}

// answerValue reads one answer: a number 1..5, a free-text string, or null.
// ok is false for an answer that cannot be read (value 0, skipped).
func answerValue(raw json.RawMessage) (v int, ok bool, err error) {
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return 0, false, err
	}
	switch x := x.(type) {
	case nil:
		return 0, true, nil
	case float64:
		if x != math.Trunc(x) || x < 1 || x > 5 {
			return 0, false, nil
		}
		return int(x), true, nil
	case string:
		switch p := segment.Parse(x); p.Kind {
		case segment.Value:
			return p.Value, true, nil
		case segment.Skip:
			return 0, true, nil
		}
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("answer must be a number 1-5, a string or null, not %s", raw)
}

func runSimulate(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "simulate", "simulate [--n 10000] [--seed 1] [--correlation 0.5] [--format table|json]")
	n := fs.Int("n", 10000, "number of synthetic respondents")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same report)")
	corr := fs.Float64("correlation", 0.5, "correlation of answers within a dimension, 0 (independent) to 1")
	format := fs.String("format", "table", "output format: table or json")
	var o segment.Options
	fs.IntVar(&o.MinQuestions, "min", 0, "minimum statements asked (0 = default)")
	fs.IntVar(&o.MaxQuestions, "max", 0, "maximum statements asked (0 = default)")
	fs.Float64Var(&o.StopBound, "bound", 0, "stop when P(change) is below this (0 = default)")
	fs.Float64Var(&o.Temper, "temper", 0, "within-dimension correction rho (0 = default, negative = off)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *corr < 0 || *corr > 1 {
		return fmt.Errorf("--n must be positive and --correlation in [0, 1]")
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format must be table or json, not %q", *format)
	}
	rep := segment.Simulate(segment.SimOptions{N: *n, Seed: *seed, Correlation: *corr, Model: o})
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			segment.SimReport
			Model segment.Options `json:"model"`
		}{rep, segment.New(o).Options()})
	}
	return writeSimTable(env.Stdout, rep, segment.New(o).Options())
}

func writeSimTable(w io.Writer, rep segment.SimReport, o segment.Options) error {
	temper := fmt.Sprintf("%.2f", o.Temper)
	if o.Temper < 0 {
		temper = "off"
	}
	fmt.Fprintf(w, "synthetic respondents: n=%d seed=%d correlation=%.2f\n", rep.N, rep.Seed, rep.Correlation)
	fmt.Fprintf(w, "model: min=%d max=%d bound=%.3f temper=%s\n\n", o.MinQuestions, o.MaxQuestions, o.StopBound, temper)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\taccuracy\tagreement with all\tmean asked\tp95 asked\tECE (points)\t")
	for _, r := range rep.Results {
		fmt.Fprintf(tw, "%s\t%.1f%%\t%.1f%%\t%.2f\t%d\t%.1f\t\n",
			r.Policy, 100*r.Accuracy, 100*r.Agreement, r.MeanAsked, r.P95Asked, r.ECE)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var adaptive segment.SimResult
	for _, r := range rep.Results {
		if r.Policy == "adaptive" {
			adaptive = r
		}
	}
	fmt.Fprintf(w, "\nadaptive: mean stated P(change) at stop %.3f, observed disagreement with all %.3f\n",
		rep.MeanPChange, 1-adaptive.Agreement)
	fmt.Fprintf(w, "adaptive: progress promise kept %.1f%%, first %d to %d statements, mean width %.1f, ended at its upper bound %.1f%%\n",
		100*rep.PromiseKept, rep.FirstPromise.Lo, rep.FirstPromise.Hi, rep.PromiseWidth, 100*rep.StoppedAtPromise)
	fmt.Fprintln(w, strings.TrimSpace(`
accuracy: assigned the generating segment; agreement: assigned as with all 26 statements;
fixed/random: the study's order / a random order, cut per respondent at the adaptive length;
ECE: expected calibration error of the stated confidence against the generating segment (10 bins).`))
	return nil
}
