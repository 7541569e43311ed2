package segment

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestStatementsMatchStudy(t *testing.T) {
	f, err := os.Open("testdata/statements.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows = rows[1:]
	st := Statements()
	if len(st) != 28 || len(rows) != 28 {
		t.Fatalf("statements=%d, csv rows=%d, want 28", len(st), len(rows))
	}
	withFigures := 0
	ids := map[string]bool{}
	for i, s := range st {
		r := rows[i]
		if s.Dimension != r[0] || s.Text != r[1] {
			t.Errorf("statement %d = %q / %q, want %q / %q", i, s.Dimension, s.Text, r[0], r[1])
		}
		if ids[s.ID] {
			t.Errorf("duplicate id %s", s.ID)
		}
		ids[s.ID] = true
		wantKind := Agreement
		if strings.HasPrefix(s.Text, "Dat ") {
			wantKind = Importance
		}
		if s.Kind != wantKind {
			t.Errorf("%s: kind=%v, want %v", s.ID, s.Kind, wantKind)
		}
		if s.Kind == Importance && !strings.HasPrefix(s.AskNL, "Hoe belangrijk vind je het dat ") {
			t.Errorf("%s: ask_nl %q does not ask for importance", s.ID, s.AskNL)
		}
		if s.Kind == Importance && !strings.HasPrefix(s.AskEN, "How important is it to you ") {
			t.Errorf("%s: ask_en %q does not ask for importance", s.ID, s.AskEN)
		}
		for _, name := range []string{"Volgers", "Zelfredzamen", "Hulpzoekers", "segment"} {
			if strings.Contains(s.WhyNL, name) || strings.Contains(s.WhyEN, name) {
				t.Errorf("%s: why names a segment", s.ID)
			}
		}
		if r[2] == "" {
			if s.AgreePct != nil {
				t.Errorf("%s: figures %v, want none", s.ID, s.AgreePct)
			}
			continue
		}
		withFigures++
		for k := range 3 {
			want, _ := strconv.ParseFloat(r[2+k], 64)
			if s.AgreePct[k] != want {
				t.Errorf("%s: pct[%d]=%v, want %v", s.ID, k, s.AgreePct[k], want)
			}
		}
	}
	if withFigures != 26 {
		t.Errorf("statements with figures=%d, want 26", withFigures)
	}
}

func TestFindAndCopy(t *testing.T) {
	s, ok := Find("vertrouwen_belooft")
	if !ok || s.Text != "De overheid doet wat zij belooft." || s.Kind != Agreement {
		t.Fatalf("Find = %+v, %v", s, ok)
	}
	s.AgreePct[0] = 99
	if again, _ := Find("vertrouwen_belooft"); again.AgreePct[0] != 46 {
		t.Fatalf("Find returned shared slice: pct=%v", again.AgreePct)
	}
	if _, ok := Find("nope"); ok {
		t.Fatal("Find(nope) ok")
	}
	if _, ok := Find("fast_snel"); !ok {
		t.Fatal("Find(fast_snel) not ok")
	}
}

func TestSegmentString(t *testing.T) {
	for s, want := range map[Segment]string{Volgers: "Vertrouwende Volgers", Zelfredzamen: "Zorgvuldige Zelfredzamen", Hulpzoekers: "Voorzichtige Hulpzoekers", 0: "onbekend", 4: "onbekend"} {
		if got := s.String(); got != want {
			t.Errorf("Segment(%d)=%q, want %q", s, got, want)
		}
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	for _, bad := range []string{
		`[{"id":"a","dimension":"d","text":"t","kind":"agreement","agree_pct":[1,2],"ask_nl":"x","ask_en":"x","why_nl":"x","why_en":"x"}]`,
		`[{"id":"a","dimension":"d","text":"t","kind":"other","ask_nl":"x","ask_en":"x","why_nl":"x","why_en":"x"}]`,
		`[{"id":"","dimension":"d","text":"t","kind":"agreement","ask_nl":"x","ask_en":"x","why_nl":"x","why_en":"x"}]`,
		`[{"id":"a","dimension":"d","text":"t","kind":"agreement","agree_pct":[0,50,50],"ask_nl":"x","ask_en":"x","why_nl":"x","why_en":"x"}]`,
		`not json`,
	} {
		if _, err := load([]byte(bad)); err == nil {
			t.Errorf("load(%s) = nil error", bad)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestPosteriorByHand(t *testing.T) {
	m := New(Options{})
	// One answer of 4 on privacy_nodig (37, 60, 58).
	p := m.Posterior([]Answer{{"privacy_nodig", 4}})
	w := [3]float64{0.39 * .37, 0.22 * .60, 0.39 * .58}
	sum := w[0] + w[1] + w[2]
	for k := range 3 {
		if !near(p[k], w[k]/sum) {
			t.Fatalf("posterior=%v, want %v", p, [3]float64{w[0] / sum, w[1] / sum, w[2] / sum})
		}
	}
	// A 2 means "does not agree".
	p = m.Posterior([]Answer{{"privacy_nodig", 2}})
	w = [3]float64{0.39 * .63, 0.22 * .40, 0.39 * .42}
	sum = w[0] + w[1] + w[2]
	if !near(p[1], w[1]/sum) {
		t.Fatalf("posterior=%v, want p2=%v", p, w[1]/sum)
	}
	// Two answers in different dimensions multiply.
	p = m.Posterior([]Answer{{"privacy_nodig", 5}, {"vertrouwen_belooft", 1}})
	w = [3]float64{0.39 * .37 * .54, 0.22 * .60 * .80, 0.39 * .58 * .78}
	sum = w[0] + w[1] + w[2]
	if !near(p[2], w[2]/sum) {
		t.Fatalf("posterior=%v, want p3=%v", p, w[2]/sum)
	}
	// Two answers in one dimension are tempered: weight 1/(1+ρ) each.
	rho := 0.25
	m = New(Options{Temper: rho})
	p = m.Posterior([]Answer{{"privacy_nodig", 5}, {"privacy_veilig", 5}})
	e := 1 / (1 + rho)
	for k, pr := range Prior {
		a, _ := Find("privacy_nodig")
		b, _ := Find("privacy_veilig")
		w[k] = pr * math.Pow(a.AgreePct[k]/100*b.AgreePct[k]/100, e)
	}
	sum = w[0] + w[1] + w[2]
	if !near(p[0], w[0]/sum) {
		t.Fatalf("tempered posterior=%v, want p1=%v", p, w[0]/sum)
	}
	// Naive Bayes when switched off.
	p = New(Options{Temper: -1}).Posterior([]Answer{{"privacy_nodig", 5}, {"privacy_veilig", 5}})
	for k, pr := range Prior {
		a, _ := Find("privacy_nodig")
		b, _ := Find("privacy_veilig")
		w[k] = pr * a.AgreePct[k] / 100 * b.AgreePct[k] / 100
	}
	sum = w[0] + w[1] + w[2]
	if !near(p[0], w[0]/sum) {
		t.Fatalf("naive posterior=%v, want p1=%v", p, w[0]/sum)
	}
}

func TestPosteriorNoEvidence(t *testing.T) {
	m := New(Options{})
	for _, answers := range [][]Answer{
		nil,
		{{"privacy_nodig", 0}},
		{{"fast_snel", 5}, {"fast_meteen", 1}},
		{{"unknown", 5}},
		{{"privacy_nodig", 9}},
	} {
		if p := m.Posterior(answers); !near(p[0], .39) || !near(p[1], .22) || !near(p[2], .39) {
			t.Errorf("Posterior(%v)=%v, want prior", answers, p)
		}
	}
	// A repeated id counts once.
	once := m.Posterior([]Answer{{"vertrouwen_goed", 5}})
	twice := m.Posterior([]Answer{{"vertrouwen_goed", 5}, {"vertrouwen_goed", 1}})
	if once != twice {
		t.Errorf("repeated id: %v != %v", twice, once)
	}
}

func TestBest(t *testing.T) {
	for _, tt := range []struct {
		p    Posterior
		want Segment
	}{
		{Posterior{.5, .2, .3}, Volgers}, {Posterior{.2, .5, .3}, Zelfredzamen}, {Posterior{.2, .3, .5}, Hulpzoekers},
		{Posterior{.4, .2, .4}, Volgers}, {Posterior{.2, .4, .4}, Zelfredzamen}, {Prior, Volgers},
	} {
		if got, _ := tt.p.Best(); got != tt.want {
			t.Errorf("Best(%v)=%v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestNextNeverRepeatsAndRespectsLimits(t *testing.T) {
	for _, o := range []Options{{}, {MinQuestions: 6, MaxQuestions: 8}, {MaxQuestions: 3}, {MinQuestions: 30}, {StopBound: 0.0001}} {
		m := New(o)
		for _, value := range []int{0, 1, 3, 4, 5} {
			var answers []Answer
			seen := map[string]bool{}
			for {
				d := m.Next(answers)
				if !d.Posterior.valid() {
					t.Fatalf("invalid posterior %v", d.Posterior)
				}
				if d.Done {
					if d.Next != "" || d.Remaining != 0 || d.Reason == "" {
						t.Fatalf("done decision %+v", d)
					}
					break
				}
				if seen[d.Next] {
					t.Fatalf("opts %+v: %s asked twice", o, d.Next)
				}
				if s, _ := Find(d.Next); !s.HasEvidence() {
					t.Fatalf("asked %s without figures", d.Next)
				}
				if d.Remaining < 1 || d.Gain < 0 {
					t.Fatalf("decision %+v", d)
				}
				seen[d.Next] = true
				answers = append(answers, Answer{d.Next, value})
			}
			n := len(answers)
			lo, hi := m.min, m.max
			if n > hi || (n < lo && n < 26) {
				t.Fatalf("opts %+v value %d: asked %d, want in [%d, %d]", o, value, n, lo, hi)
			}
		}
	}
}

func TestNextSkipsAnsweredAndFast(t *testing.T) {
	m := New(Options{})
	all := []Answer{{"fast_snel", 4}, {"fast_meteen", 2}, {"onbekend", 3}}
	for _, s := range Statements() {
		if s.HasEvidence() && len(all) < 27 {
			all = append(all, Answer{s.ID, 0})
		}
	}
	d := m.Next(all)
	if !d.Done || d.Reason != "max reached" && d.Reason != "no statements left" {
		t.Fatalf("decision %+v", d)
	}
}

func (p Posterior) valid() bool {
	s := p[0] + p[1] + p[2]
	return math.Abs(s-1) < 1e-9 && p[0] >= 0 && p[1] >= 0 && p[2] >= 0
}

func TestSimulateDeterministic(t *testing.T) {
	a := Simulate(SimOptions{N: 300, Seed: 7, Correlation: 0.5})
	b := Simulate(SimOptions{N: 300, Seed: 7, Correlation: 0.5})
	if len(a.Results) != 4 || a.Results[0] != b.Results[0] || a.Results[3] != b.Results[3] {
		t.Fatalf("not deterministic: %+v vs %+v", a, b)
	}
	if a.Results[3].Agreement != 1 || a.Results[3].MeanAsked != 26 {
		t.Fatalf("all row %+v", a.Results[3])
	}
}

func TestRemainingForecast(t *testing.T) {
	// The progress forecast should be about unbiased and off by no more
	// than a few statements on average (docs/segment.md: 3.7, +0.1).
	for _, corr := range []float64{0, 0.5} {
		rep := Simulate(SimOptions{N: 1000, Seed: 11, Correlation: corr})
		if rep.RemainingMAE <= 0 || rep.RemainingMAE > 4.5 || math.Abs(rep.RemainingBias) > 1 {
			t.Errorf("correlation %v: Remaining error %.2f, bias %+.2f", corr, rep.RemainingMAE, rep.RemainingBias)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	m := New(Options{})
	answers := []Answer{{"doen_weet_niet_waar", 4}, {"vertrouwen_goed", 2}, {"denk_begrijp", 5}, {"slow_aandacht", 1}}
	b.ReportAllocs()
	for b.Loop() {
		m.Next(answers)
	}
}

func BenchmarkSimulate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Simulate(SimOptions{N: 100, Seed: 1, Correlation: 0.5})
	}
}
