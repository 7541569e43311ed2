package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runSeg(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err = run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

func TestStatementsCommand(t *testing.T) {
	out, _, err := runSeg(t, "", "statements")
	if err != nil {
		t.Fatal(err)
	}
	var st []struct {
		ID       string    `json:"id"`
		Text     string    `json:"text"`
		AgreePct []float64 `json:"agree_pct"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if len(st) != 28 || st[0].AgreePct[0] != 37 || st[27].AgreePct != nil {
		t.Fatalf("statements=%d first=%+v last=%+v", len(st), st[0], st[27])
	}
	if !strings.Contains(out, `"agree_pct": null`) || !strings.Contains(out, "SMS/WhatsApp") {
		t.Fatalf("output lacks null figures or verbatim text")
	}
}

func TestClassifyCommand(t *testing.T) {
	in := `{"answers": {"privacy_nodig": 4}}

{"answers": {"vertrouwen_goed": "ja hoor", "denk_begrijp": "helemaal niet", "taal_moeilijk": "blabla", "digi_online": null}}
`
	out, _, err := runSeg(t, in, "classify")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines=%d, want 2: %s", len(lines), out)
	}
	var got struct {
		Segment   int             `json:"segment"`
		Posterior [3]float64      `json:"posterior"`
		Asked     []string        `json:"asked"`
		Answers   map[string]*int `json:"answers"`
		Unparsed  []string        `json:"unparsed"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	// 0.39*.37, 0.22*.60, 0.39*.58 normalised.
	if got.Segment != 3 || got.Posterior != [3]float64{0.2872, 0.2627, 0.4501} {
		t.Fatalf("line 1 = %+v", got)
	}
	if err := json.Unmarshal([]byte(lines[1]), &got); err != nil {
		t.Fatal(err)
	}
	want := []string{"vertrouwen_goed", "denk_begrijp", "digi_online", "taal_moeilijk"}
	if strings.Join(got.Asked, ",") != strings.Join(want, ",") {
		t.Fatalf("asked=%v, want %v", got.Asked, want)
	}
	if *got.Answers["vertrouwen_goed"] != 4 || *got.Answers["denk_begrijp"] != 1 || got.Answers["digi_online"] != nil ||
		got.Answers["taal_moeilijk"] != nil || len(got.Unparsed) != 1 || got.Unparsed[0] != "taal_moeilijk" {
		t.Fatalf("line 2 = %+v", got)
	}
}

func TestClassifyAdaptive(t *testing.T) {
	sheet := map[string]any{}
	for _, id := range []string{"doen_weet_niet_waar", "denk_begrijp", "taal_moeilijk", "vertrouwen_goed", "digi_online"} {
		sheet[id] = 5
	}
	b, _ := json.Marshal(map[string]any{"answers": sheet})
	out, _, err := runSeg(t, string(b)+"\n", "classify", "--adaptive")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Asked   []string        `json:"asked"`
		Answers map[string]*int `json:"answers"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Asked) < 4 || got.Asked[0] != "doen_weet_niet_waar" || *got.Answers["doen_weet_niet_waar"] != 5 {
		t.Fatalf("adaptive = %+v", got)
	}
	seen := map[string]bool{}
	for _, id := range got.Asked {
		if seen[id] {
			t.Fatalf("asked %s twice", id)
		}
		seen[id] = true
	}
}

func TestClassifyErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"{\"answers\": {\"privacy_nodig\": 4}}\n\n{bad json\n", "line 3: bad JSON"},
		{`{"answers": {"nope": 4}}`, `line 1: unknown statement id "nope"`},
		{`{"answers": {"privacy_nodig": [1]}}`, "line 1: statement privacy_nodig"},
	} {
		_, stderr, err := runSeg(t, tt.in, "classify")
		if err == nil || !strings.Contains(stderr, "proactief classify: "+tt.want) {
			t.Errorf("input %q: err=%v stderr=%q, want %q", tt.in, err, stderr, tt.want)
		}
	}
}

func TestSimulateCommand(t *testing.T) {
	out, _, err := runSeg(t, "", "simulate", "--n", "200", "--seed", "3", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		N       int `json:"n"`
		Results []struct {
			Policy string `json:"policy"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.N != 200 || len(rep.Results) != 4 {
		t.Fatalf("simulate json: %v %+v", err, rep)
	}
	out, _, err = runSeg(t, "", "simulate", "--n", "200")
	if err != nil || !strings.Contains(out, "adaptive") || !strings.Contains(out, "random") {
		t.Fatalf("simulate table: %v\n%s", err, out)
	}
	if _, _, err := runSeg(t, "", "simulate", "--format", "xml"); err == nil {
		t.Fatal("simulate --format xml: no error")
	}
}
