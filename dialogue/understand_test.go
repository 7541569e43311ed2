package dialogue

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proactief/proactief/segment"
)

var showMisses = flag.Bool("misses", false, "print every corpus message the understanding step gets wrong")

// corpusRow is one labelled message.
type corpusRow struct {
	label, text string
	line        int
}

func readCorpus(t testing.TB, name string) []corpusRow {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []corpusRow
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s:%d: want label<TAB>text", name, n)
		}
		if label != "answer" && label != "other" && !knownIntent(Intent(label)) {
			t.Fatalf("%s:%d: unknown label %q", name, n, label)
		}
		rows = append(rows, corpusRow{label, text, n})
	}
	return rows
}

// readCorpora reads several corpus files as one.
func readCorpora(t testing.TB, names ...string) []corpusRow {
	var rows []corpusRow
	for _, n := range names {
		rows = append(rows, readCorpus(t, n)...)
	}
	return rows
}

// corpusScore is the precision and recall per intent, and how many real
// answers were taken for an intent.
type corpusScore struct {
	tp, fp, fn      map[string]int
	answers, stolen int
	misses          []string
}

func scoreCorpus(rows []corpusRow) corpusScore {
	s := corpusScore{tp: map[string]int{}, fp: map[string]int{}, fn: map[string]int{}}
	for _, r := range rows {
		got := string(Understand(r.text, true).First())
		want := r.label
		if want == "answer" || want == "other" {
			want = ""
		}
		if r.label == "answer" {
			s.answers++
			if got != "" {
				s.stolen++
			}
		}
		if got == want {
			if got != "" {
				s.tp[got]++
			}
			continue
		}
		s.misses = append(s.misses, fmt.Sprintf("line %d: %q: got %q, want %q", r.line, r.text, got, r.label))
		if got != "" {
			s.fp[got]++
		}
		if want != "" {
			s.fn[want]++
		}
	}
	return s
}

func (s corpusScore) precision(i Intent) float64 {
	k := string(i)
	if s.tp[k]+s.fp[k] == 0 {
		return 1
	}
	return float64(s.tp[k]) / float64(s.tp[k]+s.fp[k])
}

func (s corpusScore) recall(i Intent) float64 {
	k := string(i)
	if s.tp[k]+s.fn[k] == 0 {
		return 1
	}
	return float64(s.tp[k]) / float64(s.tp[k]+s.fn[k])
}

func (s corpusScore) report(t *testing.T, name string, n int) {
	t.Logf("%s: %d messages, %d real answers of which %d taken for an intent (%.1f%%)", name, n, s.answers, s.stolen, 100*float64(s.stolen)/float64(max(s.answers, 1)))
	t.Logf("%-9s %9s %9s %5s", "intent", "precision", "recall", "n")
	for _, i := range Intents {
		t.Logf("%-9s %9.3f %9.3f %5d", i, s.precision(i), s.recall(i), s.tp[string(i)]+s.fn[string(i)])
	}
	if *showMisses {
		sort.Strings(s.misses)
		for _, m := range s.misses {
			t.Log(m)
		}
	}
}

// devParts are the development parts of the corpus: the first corpus,
// the seven earlier held-out parts (each became development data once its
// first run was recorded and the rules changed with its misses in view;
// see their headers), intents_dev6.tsv, written for the sixth round, and
// intents_dev7.tsv, written in three batches for the seventh (each run
// once before the change it led to: dev7*_first_run.txt) and
// intents_dev8.tsv, written for the eighth (dev8_first_run.txt),
// intents_dev9.tsv, written for the ninth (dev9_first_run.txt), and
// intents_dev10a.tsv to intents_dev10h.tsv, written blind for the tenth
// and each run once before the rules it led to (dev10*_first_run.txt),
// held-out part 10, intents_dev11a.tsv and intents_dev11b.tsv, written
// blind for the eleventh (dev11*_first_run.txt), intents_neg11.tsv (hard
// negatives), held-out part 11, intents_dev12a.tsv, written blind for
// the twelfth (dev12a_first_run.txt), held-out parts 12 to 16,
// intents_neg17.tsv (a few hard negatives of the seventeenth round) and
// held-out parts 17 to 21.
// The model (bayes.go) is trained on exactly these: trainFiles.
var devParts = trainFiles

// heldOutPart is the part written by someone who has not seen the rules,
// after the last change to them. It is never training data.
const heldOutPart = "testdata/intents_holdout22.tsv"

// TestUnderstandCorpus is the gate on the development data the matcher
// and the model were built with.
func TestUnderstandCorpus(t *testing.T) {
	rows := readCorpora(t, devParts...)
	if n := len(readCorpus(t, "testdata/intents.tsv")); n < 600 {
		t.Fatalf("first corpus has %d messages, want at least 600", n)
	}
	if n := len(readCorpus(t, "testdata/intents_dev6.tsv")); n < 250 {
		t.Fatalf("intents_dev6.tsv has %d messages, want at least 250", n)
	}
	if n := len(readCorpus(t, "testdata/intents_dev7.tsv")); n < 150 {
		t.Fatalf("intents_dev7.tsv has %d messages, want at least 150", n)
	}
	s := scoreCorpus(rows)
	s.report(t, "development corpus", len(rows))
	gate(t, s, map[Intent][2]float64{
		IntentCrisis: {0.95, 0.99}, IntentUrgent: {0.95, 0.98}, IntentPerson: {0.95, 0.98},
		IntentExplain: {0.9, 0.9}, IntentPrivacy: {0.9, 0.9}, IntentStop: {0.85, 0.85},
		IntentLater: {0.85, 0.9}, IntentAngry: {0.85, 0.85}, IntentOffTopic: {0.85, 0.85},
	}, 0.01)
}

// TestUnderstandHoldout is the gate on the held-out part: crisis
// recall 0.98, urgent and person 0.95, at most 1% of real answers taken.
// Parts 5 and 6 were the held-out parts of the fifth and sixth rounds;
// their misses were then worked on, so they are development data now
// (their runs before that are testdata/holdout{5,6}_first_run.txt). Part
// 6 was the first written by someone who had not seen the rules; parts 7
// to 16 were written the same way and are development data too; part
// 17, written the same way in two halves, is the held-out part. Without
// it in the repository this test is skipped.
func TestUnderstandHoldout(t *testing.T) {
	if _, err := os.Stat(heldOutPart); err != nil {
		t.Skip("held-out part not in the repository yet: " + heldOutPart)
	}
	for _, f := range trainFiles {
		if f == heldOutPart {
			t.Fatalf("%s is training data: it is not held out", f)
		}
	}
	rows := readCorpus(t, heldOutPart)
	s := scoreCorpus(rows)
	s.report(t, "held-out corpus", len(rows))
	// The targets (crisis recall 0.98, urgent and person 0.95, at
	// most 1% of answers taken) are NOT all met on the held-out parts
	// written by others. First runs: part 6 0.94 / 0.93 / 0.92 and 0 of
	// 70; part 7 0.94 / 0.93 / 0.92 and 1 of 70; part 8 0.955 / 0.935 /
	// 0.971 and 0 of 70; part 9 0.966 / 0.967 / 0.943 and 1 of 71; part
	// 10 0.951 / 1.000 / 1.000 and 1 of 90; part 11 (this one,
	// holdout11_first_run.txt) 0.983 / 0.983 / 0.975 and 1 of 90 (1.1%);
	// part 12 0.971 / 0.967 / 1.000 and 2 of 136 (1.5%); part 13 (this
	// one, holdout13_first_run.txt, two halves by two writers, 743
	// messages) 0.975 / 1.000 / 0.961 and 2 of 221 (0.9%); part 14 (this
	// one, holdout14_first_run.txt, two halves, 709 messages) 0.978 /
	// 0.962 / 0.972 and 0 of 205: all targets but crisis recall (223 of
	// 228; 0.98 would have been 224); part 15 (this one,
	// holdout15_first_run.txt, two halves, 711 messages) 0.939 / 1.000 /
	// 0.986 and 3 of 211 (1.4%); part 16 (this one,
	// holdout16_first_run.txt, two halves, 722 messages) 0.937 / 0.971 /
	// 0.986 and 3 of 216 (1.4%); part 17 (this one,
	// holdout17_first_run.txt, two halves, 712 messages) 0.957 / 0.933 /
	// 0.986 and 3 of 212 (1.4%); part 18 (this one,
	// holdout18_first_run.txt, two halves, 704 messages; the first with
	// the logistic crisis model) 0.974 / 0.980 / 0.971 and 0 of 211; part
	// 19 (this one, holdout19_first_run.txt, two halves, 721 messages)
	// 0.987 / 0.990 / 0.986 and 1 of 212 (0.5%): every target met; part
	// 20 (this one, holdout20_first_run.txt, two halves, 688 messages)
	// 0.977 / 0.980 / 1.000 and 2 of 207 (1.0%); part 21 (this one,
	// holdout21_first_run.txt, two halves, 699 messages) 0.996 / 0.960 /
	// 0.986 and 1 of 207 (0.5%): every target met; part 22 (this one,
	// holdout22_first_run.txt, two halves, 719 messages) 0.991 / 0.981 /
	// 0.958 and 1 of 209 (0.5%): every target met. Parts 18 to 22
	// together (the logistic model's first runs, 3,531 messages): crisis
	// 1,135 of 1,152 (0.985), urgent 501 of 512 (0.979), person 347 of 354
	// (0.980), 5 of 1,046 answers taken (0.5%): every target met. This
	// gate holds part 22's figures, so that a change that makes them worse
	// fails.
	gate(t, s, map[Intent][2]float64{
		IntentCrisis: {0.99, 0.99}, IntentUrgent: {0.99, 0.98}, IntentPerson: {0.99, 0.955},
	}, 0.01)
	// What the person reads: a crisis message gets 113 either as the
	// crisis reply or, when it was not understood, in the safety net.
	with, n := crisisReplies(t, rows)
	t.Logf("crisis messages whose reply names 113 (crisis reply or safety net): %d of %d", with, n)
	// Part 16's first run: 233 of 238 (97.9%); part 18: 224 of 229
	// (97.8%); part 19: 238 of 238; part 20: 218 of 220; part 21: 231 of
	// 231; part 22: 234 of 234; parts 11 to 15 and 17: 98 to 100%.
	if n > 0 && float64(with)/float64(n) < 0.975 {
		t.Errorf("%d of %d crisis messages got 113 in the reply, want at least 97.5%%", with, n)
	}
}

// crisisReplies sends every crisis message of rows during the questions
// and counts those whose replies name 113 (0800-0113).
func crisisReplies(t *testing.T, rows []corpusRow) (with, n int) {
	k := start(t)
	e := k.e
	k.choose("yes")
	k.choose("yes")
	if k.st.Phase != PhaseProfiling || k.st.Pending == "" {
		t.Fatalf("not in the questions: %v", k.st.Phase)
	}
	at := k.st
	for _, r := range rows {
		if r.label != "crisis" {
			continue
		}
		n++
		out := e.Step(at, Input{Time: k.now.Add(time.Minute), Text: r.text, Channel: "test"})
		if strings.Contains(allText(out), "0800-0113") {
			with++
		} else if *showMisses {
			t.Logf("line %d: %q: no 113 in the reply", r.line, r.text)
		}
	}
	return with, n
}

var partFlag = flag.String("part", "", "a corpus file to score on its own (TestUnderstandPart), e.g. for a new batch's first run")

// TestUnderstandPart scores one corpus file given with -part, with every
// miss: the way a new batch's first run is recorded before the rules are
// changed for it (testdata/*_first_run.txt).
func TestUnderstandPart(t *testing.T) {
	if *partFlag == "" {
		t.Skip("no -part file given")
	}
	rows := readCorpus(t, *partFlag)
	s := scoreCorpus(rows)
	*showMisses = true
	s.report(t, *partFlag, len(rows))
}

// gate fails when an intent's precision or recall is below its minimum
// ({precision, recall}) or too many real answers were taken for an intent.
func gate(t *testing.T, s corpusScore, min map[Intent][2]float64, maxStolen float64) {
	t.Helper()
	for i, m := range min {
		if p := s.precision(i); p < m[0] {
			t.Errorf("%s: precision %.3f, want >= %.2f", i, p, m[0])
		}
		if r := s.recall(i); r < m[1] {
			t.Errorf("%s: recall %.3f, want >= %.2f", i, r, m[1])
		}
	}
	if f := float64(s.stolen) / float64(max(s.answers, 1)); f > maxStolen {
		t.Errorf("%d of %d real answers taken for an intent (%.1f%%), want <= %.0f%%", s.stolen, s.answers, 100*f, 100*maxStolen)
	}
	if t.Failed() && !*showMisses {
		t.Log("run with -misses to see the messages")
	}
}

// TestStatementPhrasings checks that every statement has a phrasing and an
// explanation in every tone and language, that the slow phrasings read
// easier (Flesch-Douma) than the study's survey wording, and that a slow
// phrasing without the negation turns the answer around.
func TestStatementPhrasings(t *testing.T) {
	e := newEngine(t)
	var slow, survey float64
	n := 0
	for _, st := range segment.Statements() {
		for _, lang := range Languages {
			for _, tone := range Tones {
				for _, key := range []string{"ask_" + st.ID, "explain_" + st.ID} {
					if e.Content().Text(lang, key, tone) == "" {
						t.Errorf("%s %s has no %s variant", lang, key, tone)
					}
				}
			}
		}
		s, ok1 := fleschDouma(strings.TrimPrefix(e.Content().Text("nl", "ask_"+st.ID, Slow), flipMark))
		v, ok2 := fleschDouma(st.AskNL)
		if ok1 && ok2 {
			slow, survey, n = slow+s, survey+v, n+1
		}
	}
	slow, survey = slow/float64(n), survey/float64(n)
	t.Logf("mean Flesch-Douma of the statements: survey wording %.1f, slow phrasing %.1f", survey, slow)
	if slow <= survey {
		t.Errorf("slow phrasings (%.1f) do not read easier than the survey wording (%.1f)", slow, survey)
	}
}

// TestFlippedPhrasingFlipsTheAnswer: "Weet je waar je hulp kunt krijgen?"
// answered "helemaal eens" is the study's "Ik weet niet waar ..." at 1.
func TestFlippedPhrasingFlipsTheAnswer(t *testing.T) {
	e := newEngine(t)
	for _, c := range []struct {
		tone Tone
		in   string
		want int
	}{
		{Slow, "5", 1}, {Slow, "ja", 2}, {Slow, "helemaal niet", 5}, {Brief, "5", 5}, {Neutral, "4", 4},
	} {
		st := State{Phase: PhaseProfiling, Lang: "nl", Style: c.tone, Pending: "doen_weet_niet_waar", Prompt: promptQuestionPrefix + "doen_weet_niet_waar",
			Consent: Consent{Keep: &Decision{Given: true}, Research: &Decision{Given: true}}}
		if c.tone == Neutral {
			st.Style = ""
		}
		out := e.Step(st, Input{Text: c.in})
		steps := out.State.Steps
		if len(steps) != 1 || steps[0].Statement != "doen_weet_niet_waar" || steps[0].Value != c.want {
			t.Errorf("tone %s, %q: steps=%+v, want doen_weet_niet_waar=%d", c.tone, c.in, steps, c.want)
		}
	}
}

// TestIntentsInEveryState sends a crisis, an urgent need and a request for
// a person in every state and checks the answer and that nothing was
// stored as an answer.
func TestIntentsInEveryState(t *testing.T) {
	e := newEngine(t)
	yes := &Decision{Given: true}
	states := map[string]State{
		"welcome":          {},
		"consent_keep":     {Phase: PhaseConsentKeep, Prompt: promptConsentKeep},
		"consent_research": {Phase: PhaseConsentResearch, Prompt: promptConsentResearch, Consent: Consent{Keep: yes}},
		"profiling":        {Phase: PhaseProfiling, Pending: "doen_weet_niet_waar", Prompt: promptQuestionPrefix + "doen_weet_niet_waar", Consent: Consent{Keep: yes, Research: yes}},
		"offer":            {Phase: PhaseOffer, Prompt: promptOffer, Consent: Consent{Keep: yes, Research: yes}},
		"closing":          {Phase: PhaseClosing, Consent: Consent{Keep: yes, Research: yes}},
		"confirm_erase":    {Phase: PhaseConfirmErase, Prev: PhaseOffer, Prompt: promptErase, Consent: Consent{Keep: yes, Research: yes}},
	}
	for name, st := range states {
		for _, c := range []struct {
			text   string
			intent Intent
			needle string
		}{
			{"ik wil niet meer leven", IntentCrisis, "113"},
			{"i want to kill myself", IntentCrisis, "0800-0113"},
			{"de deurwaarder staat voor de deur", IntentUrgent, "0800-8115"},
			{"ik wil een mens spreken", IntentPerson, "14"},
			{"wie kan mijn gegevens zien?", IntentPrivacy, "/gegevens"},
		} {
			st.Lang = "nl"
			out := e.Step(st, Input{Text: c.text})
			if name == "welcome" && c.intent == IntentPrivacy {
				continue // nothing asked yet: the welcome comes first
			}
			if out.Intent != c.intent {
				t.Errorf("%s: %q: intent=%q, want %q", name, c.text, out.Intent, c.intent)
				continue
			}
			all := ""
			for _, r := range out.Replies {
				all += r.Text + "\n"
			}
			if !strings.Contains(all, c.needle) {
				t.Errorf("%s: %q: replies lack %q:\n%s", name, c.text, c.needle, all)
			}
			if len(out.State.Steps) != len(st.Steps) {
				t.Errorf("%s: %q was stored as an answer", name, c.text)
			}
			if name == "offer" && c.intent == IntentPerson {
				// Talking with someone is one of the offers: it is taken.
				if out.State.Offer != "person" || out.State.Phase != PhaseClosing {
					t.Errorf("offer: %q: offer=%q phase=%s, want person, closing", c.text, out.State.Offer, out.State.Phase)
				}
				continue
			}
			if out.State.Phase != st.Phase && !(name == "welcome") {
				t.Errorf("%s: %q moved the conversation to %s", name, c.text, out.State.Phase)
			}
			if c.intent == IntentCrisis && !out.Sensitive {
				t.Errorf("%s: a crisis is not marked sensitive", name)
			}
		}
	}
}

// TestEchoAnswers: an answer that says the statement again is read by its
// direction, not as "I don't know".
func TestEchoAnswers(t *testing.T) {
	e := newEngine(t)
	for _, c := range []struct {
		stmt, in string
		want     int // 0: not an answer
	}{
		{"doen_weet_niet_waar", "ik weet niet waar ik hulp kan krijgen", 4},
		{"doen_weet_niet_waar", "ja ik weet niet waar ik hulp kan krijgen", 4},
		{"doen_weet_niet_waar", "klopt, ik weet echt niet waar ik heen moet", 5},
		{"doen_weet_niet_waar", "nee ik weet wel waar ik hulp kan krijgen", 2},
		{"doen_weet_niet_waar", "no, i know where to get help", 2},
		{"doen_weet_niet_waar", "i don't know where to get help, that's true", 4},
		{"doen_weet_niet_waar", "weet ik niet", 0},
		{"vertrouwen_belooft", "de overheid doet nooit wat ze belooft", 2},
		{"vertrouwen_belooft", "de overheid doet wat ze belooft", 4},
		{"taal_moeilijk", "ja veel moeilijke woorden", 4},
		{"digi_online", "online zoeken lukt me wel", 4},
		{"digi_online", "ik heb 2 kinderen", 0},
	} {
		st := State{Phase: PhaseProfiling, Lang: "nl", Pending: c.stmt, Prompt: promptQuestionPrefix + c.stmt,
			Consent: Consent{Keep: &Decision{Given: true}, Research: &Decision{Given: true}}}
		out := e.Step(st, Input{Text: c.in})
		got := -1
		if len(out.State.Steps) == 1 {
			got = out.State.Steps[0].Value
		}
		switch {
		case c.want == 0 && len(out.State.Steps) == 1 && got > 0:
			t.Errorf("%s: %q was read as %d, want no value", c.stmt, c.in, got)
		case c.want > 0 && got != c.want:
			t.Errorf("%s: %q: value=%d, want %d (trace %+v)", c.stmt, c.in, got, c.want, out.Trace)
		}
	}
}

// TestUnderstandLookAlikes holds the look-alikes and the typo rule.
func TestUnderstandLookAlikes(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"ik wil een mens spreken", IntentPerson},
		{"ik wil geen mens spreken", IntentNone},
		{"eens", IntentNone},
		{"mens", IntentPerson},
		{"ik snap het wel", IntentNone},
		{"ik snap het niet", IntentExplain},
		{"ik weet niet waar ik hulp kan krijgen", IntentNone},
		{"meer uitleg", IntentExplain}, // not "uitweg"
		{"ik wil zelfmort plegen", IntentCrisis},
		{"mijn vriend heeft me geslagen", IntentCrisis}, // not "opgeslagen"
		{"quite important", IntentNone},                 // not "quits"
		{"stop, ik wil niet meer leven", IntentCrisis},
		{"ik word volgende week uit mijn huis gezet en ik wil een mens spreken", IntentUrgent},
		{"ik heb 2 kinderen", IntentNone},
		// The negation rule for crisis: a negated mention of suicide or
		// death still gets the calm 113 note (understand.go).
		{"ik denk niet aan zelfmoord", IntentCrisis},
		{"ik wil niet dood", IntentCrisis},
		{"i'm not suicidal", IntentCrisis},
		// Concepts by co-occurrence: a life word, "too heavy" and "stop".
		{"het leven is te zwaar, ik wil stoppen", IntentCrisis},
		{"life is too hard, i want out", IntentCrisis},
		{"ik wil stoppen", IntentStop},
		{"ik wil stoppen met deze vragen", IntentStop},
		{"i'm writing my goodbye letter", IntentCrisis},
		{"ik ga straks de snelweg op lopen", IntentCrisis},
		{"ik ga straks met de trein naar mijn werk", IntentLater}, // no crisis
		{"ik heb geen plek om te wonen", IntentUrgent},
		{"mijn uitkering wordt ingehouden voor een schuld", IntentUrgent},
		{"de woningstichting heeft de huur opgezegd en ik moet weg", IntentUrgent},
		{"ik maak me zorgen over geld", IntentNone}, // "zorgen" is no typo of "morgen"
		// Real answers stay answers.
		{"een beetje", IntentNone},
		{"klopt", IntentNone},
		{"4", IntentNone},
		{"klopt, het leven is duur", IntentNone},
	})
	m := Understand("wat is een deurwaarder en wat is digid", true)
	if m.First() != IntentExplain || len(m.Words) != 2 || m.Words[0] != "deurwaarder" || m.Words[1] != "digid" {
		t.Errorf("word question: %+v, want explain deurwaarder, digid", m)
	}
}

// TestHarmlessPhrases checks the "~" lines: the words of a harmless
// phrase are hidden from crisis, but a crisis said elsewhere in the
// message is still found (unlike a veto), and other intents still see
// the words.
func TestHarmlessPhrases(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"ik heb pillen voor mijn rug", IntentNone},
		{"ik heb pillen voor mijn rug en ik neem ze vanavond allemaal in", IntentCrisis},
		{"mijn hond is dood gegaan", IntentNone},
		{"mijn hond is dood gegaan en ik wil ook dood", IntentCrisis},
		{"sleeping in my car since the landlord kicked me out", IntentUrgent},
		{"he kicked me out and hits me", IntentCrisis},
		{"i cant pay for food anymore", IntentUrgent},
		{"i cant pay anymore, i cant go on", IntentCrisis},
		{"we moeten afscheid nemen van onze auto", IntentNone},
		{"dit is mijn afscheid", IntentCrisis},
		{"doei", IntentStop},
		{"this is goodbye, thanks for trying", IntentCrisis},
		{"ik kan niet meer", IntentCrisis},
		// An explain question beside an emergency is urgent; about a
		// word alone it is explain.
		{"wat is beslag? de deurwaarder heeft het op mijn rekening gelegd", IntentUrgent},
		{"wat is loonbeslag eigenlijk", IntentExplain},
		{"what is a bailiff, one came to my door today", IntentUrgent},
		{"wat is een deurwaarder", IntentExplain},
		// An insult that says the bot does not understand is angry; one
		// that says the writer does not is explain.
		{"stomme bot je snapt er niks van", IntentAngry},
		{"stomme bot, ik snap je vraag niet", IntentExplain},
		{"ik wil liever persoonlijk contact, ja", IntentNone},
		// In an answer a negation anywhere in the clause turns an
		// emergency around; a negated one elsewhere stays urgent.
		{"oneens, mijn stroom is nooit afgesloten", IntentNone},
		{"ja, de stroom wordt morgen afgesloten", IntentUrgent},
		{"ja, ik heb geen eten meer", IntentUrgent},
		{"de stroom is nog niet afgesloten, maar morgen wel", IntentUrgent},
	})
	checkNoCrisis(t, []string{"ik kan de huur niet meer betalen", "i cant afford netflix anymore", "ik ga met de trein naar mijn werk"})
	base := "@lexcrisis = a\n@lexurgent = b\n@lexperson = c\n"
	for _, bad := range []string{"[crisis]\n~ pillen ... rug", "[crisis]\n~ pillen $", "[urgent]\n~ pillen rug"} {
		if _, err := parseMatcher(base + bad + "\n"); err == nil {
			t.Errorf("%q parsed, want an error", bad)
		}
	}
	m, err := parseMatcher(base + "[crisis]\n~ pillen .. rug\npillen\n")
	if err != nil {
		t.Fatal(err)
	}
	toks := tokens("pillen voor de rug, en pillen")
	got := strings.Join(m.mask(toks, uniqTokens(toks)), " ")
	if want := "_ _ _ _ | en pillen"; got != want {
		t.Errorf("mask = %q, want %q", got, want)
	}
}

func TestCoOccurrenceLines(t *testing.T) {
	base := "@lexcrisis = a\n@lexurgent = b\n@lexperson = c\n[crisis]\n"
	if _, err := parseMatcher(base + "& leven zwaar stoppen\n"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"& leven .. stoppen", "& leven $", "& ^ leven", "& leven ?zwaar"} {
		if _, err := parseMatcher(base + bad + "\n"); err == nil {
			t.Errorf("%q parsed, want an error", bad)
		}
	}
	m, _ := parseMatcher(base + "& leven/life zwaar/hard stoppen/out\n")
	var s memo
	for text, want := range map[string]bool{"stoppen, het leven is zwaar": true, "life is hard, i want out": true, "het leven is zwaar": false} {
		if _, got := m.patterns[0].match(tokens(text), &s); got != want {
			t.Errorf("%q: match=%v, want %v", text, got, want)
		}
	}
}

// BenchmarkUnderstand measures the understanding step per message over
// the first corpus.
func BenchmarkUnderstand(b *testing.B) {
	rows := readCorpus(b, "testdata/intents.tsv")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Understand(rows[i%len(rows)].text, true)
	}
}

// FuzzUnderstand: any text gives known intents in order of precedence,
// words only with explain, and never a panic.
func FuzzUnderstand(f *testing.F) {
	for _, s := range []string{"ik wil dood", "wat is digid", "ja", "", "\xff\xfe", "mens mens mens", "... ,,, !!!", strings.Repeat("niet ", 500)} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, answering bool) {
		m := Understand(s, answering)
		last := -1
		for _, in := range m.Intents {
			i := intentIndex(in)
			if i <= last {
				t.Fatalf("%q: intents %v out of order", s, m.Intents)
			}
			last = i
		}
		if len(m.Words) > 0 && !m.Has(IntentExplain) {
			t.Fatalf("%q: words %v without explain", s, m.Words)
		}
	})
}

// TestMunicipalityRoutes: with a municipality configured, the urgent and
// the person routes give its numbers instead of 14 + area code.
func TestMunicipalityRoutes(t *testing.T) {
	e, err := New(Options{Municipality: Municipality{Name: "Utrecht", Phone: "14 030", UrgentPhone: "030 123 45 67"}})
	if err != nil {
		t.Fatal(err)
	}
	st := State{Phase: PhaseProfiling, Lang: "nl", Pending: "doen_weet_niet_waar", Prompt: promptQuestionPrefix + "doen_weet_niet_waar"}
	all := func(o Outcome) string {
		s := ""
		for _, r := range o.Replies {
			s += r.Text + "\n"
		}
		return s
	}
	if got := all(e.Step(st, Input{Text: "de deurwaarder staat voor de deur"})); !strings.Contains(got, "030 123 45 67") || !strings.Contains(got, "Utrecht") || strings.Contains(got, "netnummer") {
		t.Errorf("urgent route:\n%s", got)
	}
	if got := all(e.Step(st, Input{Text: "ik wil een mens spreken"})); !strings.Contains(got, "14 030") || strings.Contains(got, "netnummer") {
		t.Errorf("person route:\n%s", got)
	}
}

// BenchmarkUnderstandLong measures the longest message the engine reads,
// made of words many patterns start with.
func BenchmarkUnderstandLong(b *testing.B) {
	text := strings.Repeat("ik wil niet meer mens ", 100)[:MaxText]
	for b.Loop() {
		Understand(text, true)
	}
}

// TestUnderstandLeaveOnePartOut estimates how the model generalises: for
// each development part, the model is trained on the other parts only and
// the rules plus that model are scored on the part. (The rules were
// written with every development part in view, so this measures the
// model's share honestly and the rules' share optimistically; only a part
// written by someone else, held out, measures both.)
func TestUnderstandLeaveOnePartOut(t *testing.T) {
	saved, savedCrisis := model, crisisModel
	defer func() { model, crisisModel = saved, savedCrisis }()
	var total corpusScore
	total = corpusScore{tp: map[string]int{}, fp: map[string]int{}, fn: map[string]int{}}
	n, caught, missed := 0, 0, 0
	for _, f := range trainFiles {
		var train []sample
		for _, g := range trainFiles {
			if g != f {
				data, err := os.ReadFile(g)
				if err != nil {
					t.Fatal(err)
				}
				train = append(train, readSamples(string(data))...)
			}
		}
		model, crisisModel = trainModels(train)
		rows := readCorpus(t, f)
		s := scoreCorpus(rows)
		n += len(rows)
		for k, v := range s.tp {
			total.tp[k] += v
		}
		for k, v := range s.fp {
			total.fp[k] += v
		}
		for k, v := range s.fn {
			total.fn[k] += v
		}
		total.answers += s.answers
		total.stolen += s.stolen
		for _, m := range s.misses {
			total.misses = append(total.misses, f+" "+m)
		}
		// The crises a held-out part's first run missed, read now by
		// rules the part has since shaped but models that never saw it.
		if misses := firstRunCrisisMisses(f); len(misses) > 0 {
			for _, text := range misses {
				if Understand(text, true).Has(IntentCrisis) {
					caught++
				}
			}
			missed += len(misses)
		}
	}
	total.report(t, "every development part, model trained without it", n)
	t.Logf("crises missed on the first runs of held-out parts, read now: %d of %d", caught, missed)
}

// firstRunCrisisMisses returns the crisis messages the first run of a
// held-out part missed (testdata/holdoutN_first_run.txt), if it has one.
func firstRunCrisisMisses(part string) []string {
	var n int
	if _, err := fmt.Sscanf(part, "testdata/intents_holdout%d.tsv", &n); err != nil {
		return nil
	}
	data, err := os.ReadFile(fmt.Sprintf("testdata/holdout%d_first_run.txt", n))
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasSuffix(line, `want "crisis"`) {
			continue
		}
		_, rest, ok := strings.Cut(line, `: "`)
		text, _, ok2 := strings.Cut(rest, `": got `)
		if ok && ok2 {
			if unq, err := strconv.Unquote(`"` + text + `"`); err == nil {
				text = unq
			}
			out = append(out, text)
		}
	}
	return out
}

// TestEighthRoundRules checks the general rules of the eighth round in
// code: a question about what the statement's words mean is explain, not
// person; a short echo of the statement with an answer word is an
// answer; a person asked for in a later sentence of a message that opens
// like an answer is kept; an answer opened by an answer word stays one.
func TestEighthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"wat bedoelt u met persoonlijke aandacht?", IntentExplain},
		{"what do you mean by personal contact", IntentExplain},
		{"persoonlijk contact? hoe bedoel je", IntentExplain},
		{"wat is het nummer van een medewerker", IntentPerson},
		{"wat bedoel je? ik wil gewoon een mens spreken", IntentPerson},
		{"moeilijke woorden ja, altijd!", IntentNone},
		{"persoonlijke aandacht, ja graag", IntentNone},
		{"difficult words yes", IntentNone},
		{"ik vind dit lastig met de computer. is er een nummer waar ik een mens krijg?", IntentPerson},
		{"ja, ik praat liever met een mens", IntentNone},
		{"ik ben alleen met 3 kinderen. vanavond heb ik niks om te koken", IntentUrgent},
		{"ik heb geen zin om te koken", IntentNone},
		{"ik houd mijn uitkering in de gaten", IntentNone},
		{"de gemeente houdt een deel van mijn bijstand in", IntentUrgent},
		{"de deurwarder komt morgen", IntentUrgent},
		{"zelfmrd", IntentCrisis},
		{"welke brug is hier het hoogst", IntentCrisis},
		{"ik rij elke dag met de auto naar mijn werk", IntentNone},
	})
	checkNoCrisis(t, []string{"hoe laat gaat de trein naar utrecht", "ik heb vandaag gekookt voor de kinderen", "de trein was vandaag te laat"})
}

// TestNinthRoundRules checks the ninth round's concepts on phrasings that
// are in no corpus part, and their harmless look-alikes.
func TestNinthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		// Stood at a railway, bridge or water; "next time".
		{"ik heb gisternacht op het spoor gestaan", IntentCrisis},
		{"vorige week stond ik op de rand van het dak", IntentCrisis},
		{"stond bij de rivier en dacht, de volgende keer spring ik", IntentCrisis},
		// A partner or child who died, and a wish to be with them.
		{"mijn vriendin is vorige maand gestorven, ik wil bij haar zijn", IntentCrisis},
		{"since my son died i want to be with him", IntentCrisis},
		// A farewell message through us.
		{"zeg tegen mijn dochter dat ik van haar hou en dat het me spijt", IntentCrisis},
		{"tell my husband i'm sorry", IntentCrisis},
		// Hanging oneself, not the washing or the phone.
		{"ik heb er vaak aan gedacht om me op te hangen", IntentCrisis},
		{"ik denk aan ophangen", IntentCrisis},
		{"ik ga eerst de was ophangen", IntentNone},
		{"ik moet de kerstverlichting nog ophangen", IntentNone},
		// A tiny amount left for the week or month; a toeslag withheld.
		{"heb nog 7 euro tot het eind van de maand", IntentUrgent},
		{"nog maar 3 euro en de kinderen hebben honger", IntentUrgent},
		{"mijn laatste 5 euro is op", IntentUrgent},
		{"de huurtoeslag wordt teruggevorderd", IntentUrgent},
		{"my healthcare allowance was stopped", IntentUrgent},
		// A partner who "is er niet meer" is not a wish to die.
		{"mijn man is er niet meer en ik moet alles zelf regelen", IntentNone},
		{"sinds hij er niet meer is doe ik de administratie zelf", IntentNone},
		{"nu zij er niet meer is willen ze het water afsluiten", IntentUrgent},
		{"als ik er niet meer ben hebben ze het beter", IntentCrisis},
		// Eviction outranks asking for a person.
		{"kan ik met iemand praten? ik moet er over twee weken uit", IntentUrgent},
		{"liever een mens, de huisbaas zegt dat ik er binnen een maand uit moet", IntentUrgent},
		// Asking to be phoned.
		{"kunt u mij terugbellen", IntentPerson},
		{"kan iemand me opbellen, typen is lastig", IntentPerson},
		{"could somebody phone me please", IntentPerson},
	})
	checkNoCrisis(t, []string{"ik zat op de trein naar utrecht", "volgende keer neem ik de trein", "ik heb de telefoon opgehangen", "mijn opa is overleden, ik wil wel bij de begrafenis zijn", "ik heb nog genoeg voor de rest van de maand"})
}

// TestTenthRoundRules checks the tenth round's rules in code and in
// data, with variants of the misses rather than the misses themselves.
func TestTenthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		// A wish right before its negation is no request: "wil geen".
		{"ik wil geen afspraak met iemand, ik vul het zelf in. 4", IntentNone},
		{"ik wil niet stoppen, ga maar door", IntentNone},
		// A question that asks with "niet" still asks.
		{"kan ik niet gewoon met iemand praten", IntentPerson},
		{"waarom kan ik niet even iemand spreken?", IntentPerson},
		{"ik kan niet bellen want ik ben doof", IntentNone},
		// An answer word after "dus" ends an answer.
		{"ik heb geen laptop dus oneens", IntentNone},
		// A negation does not reach past "sinds", "toen", "dus".
		{"we hebben geen dak meer boven ons hoofd sinds de ontruiming", IntentUrgent},
		// "eens" as the particle of a request is no agreement.
		{"vertel eens een grap", IntentOffTopic},
		{"eens", IntentNone},
		// A typo is never in the first letter: "rather" is no "father".
		{"i would rather die than go on like this", IntentCrisis},
		{"liever dood dan nog een jaar zo", IntentCrisis},
		// A question about a word next to "but it is happening to me".
		{"ik weet niet wat loonbeslag is maar ze gaan mijn salaris inhouden", IntentUrgent},
		// Plans and decisions said without naming them.
		{"ik weet precies hoe ik het ga doen", IntentCrisis},
		{"i have decided how it ends", IntentCrisis},
		{"vanavond gaat het gebeuren, ik heb er vrede mee", IntentCrisis},
		// Goodbye to everyone; greetings to loved ones through us.
		{"dag allemaal, vaarwel", IntentCrisis},
		{"doe mijn moeder de groeten van me", IntentCrisis},
		// Threatened or held by someone.
		{"hij zegt dat hij me wat aandoet als ik naar de gemeente ga", IntentCrisis},
		{"mijn schoonvader houdt mijn paspoort vast", IntentCrisis},
		{"ik mag van hem het huis niet uit", IntentCrisis},
		{"ik zit in de opvang maar hij heeft mijn adres gevonden", IntentCrisis},
		// Stopping with everything, not with the chat.
		{"ik wil stoppen met alles", IntentCrisis},
		{"niet met deze chat stoppen, met het leven", IntentCrisis},
		{"ik hou het geen maand meer vol", IntentCrisis},
		{"het viaduct hier is hoog genoeg", IntentCrisis},
		{"stond op het dak en wilde loslaten", IntentCrisis},
		{"ik heb mijn kat aan de buurvrouw gegeven, ik heb haar niet meer nodig", IntentCrisis},
		{"ik wou dat ik nooit geboren was", IntentCrisis},
		// Money: a company that comes to cut off; the bailiff on a day.
		{"vattenfall komt vrijdag om de stroom af te sluiten", IntentUrgent},
		{"de deurwaarder komt maandag langs", IntentUrgent},
		{"my landlord says we have to leave the flat by friday", IntentUrgent},
		// A visit or someone to do it together.
		{"kan er iemand van de gemeente bij mij thuis komen", IntentPerson},
		{"ik zoek iemand die samen met mij de post doorneemt", IntentPerson},
		// Second batch: a request in a later clause after an answer; a
		// point of the scale as a clause of its own opens an answer.
		{"oneens, en mag ik nu een medewerker spreken", IntentPerson},
		{"3. ik wil graag dat iemand mij belt", IntentPerson},
		{"ja, ik wil liever een mens", IntentNone},
		{"4, die brieven zijn echt te moeilijk", IntentNone},
		{"ik wil een medewerker", IntentPerson},
		{"eens, ik wil gewoon dat het gedoe met die brieven klaar is", IntentNone},
		// "belt" is a call, not a belt.
		{"ik wil dat iemand me belt", IntentPerson},
		{"mama ik wil stoppen met ademen", IntentCrisis},
		{"geen werk. geen geld. geen zin meer", IntentCrisis},
		{"ik heb geen zin meer in die vragen", IntentStop},
		{"hij heeft me bij mijn keel gegrepen", IntentCrisis},
		{"ik heb besloten dat ik dat niet ga meemaken", IntentCrisis},
		{"de svb houdt mijn kinderbijslag in", IntentUrgent},
		{"ik houd mijn uitkering in de gaten", IntentNone},
		{"moet het regenen morgen", IntentOffTopic},
		// Third batch: compounds (*brug), a firearm, goodbye to all,
		// someone who knows where my child lives, a tree, a window sill.
		{"ik sta op de spoorbrug", IntentCrisis},
		{"mijn vader heeft een jachtgeweer in de schuur", IntentCrisis},
		{"tot ziens iedereen", IntentCrisis},
		{"bye, thanks for trying", IntentCrisis},
		{"de woekeraar zegt dat hij weet waar mijn zoon woont", IntentCrisis},
		{"soms wil ik gewoon die boom in sturen", IntentCrisis},
		{"ik zit in de vensterbank en kijk naar beneden", IntentCrisis},
		{"wat moet ik nog op deze wereld", IntentCrisis},
		{"113?", IntentCrisis},
		{"ik heb mijn eigen uitvaart al geregeld", IntentCrisis},
		{"i dont see how i can go on", IntentCrisis},
		{"ik ben het allemaal zo zat", IntentCrisis},
		{"i hate myself", IntentCrisis},
		// Money, not danger: threatened with a legal measure.
		{"de belastingdienst dreigt met beslag", IntentUrgent},
		{"het cjib dreigt met gijzeling", IntentUrgent},
		{"de verhuurder zegt dat we eruit moeten", IntentUrgent},
		// Other third-batch intents.
		{"real person please, no bot", IntentPerson},
		{"kan ik iemand spreeke", IntentPerson},
		{"ik wil dit gesprek beeindigen", IntentStop},
		// Fourth batch: a date picked, voices, afraid of him, things
		// thrown, gone when help comes, nobody after me, when you die.
		{"ik heb de dag al uitgekozen", IntentCrisis},
		{"de stemmen zeggen dat ik moet gaan", IntentCrisis},
		{"ik ben zo bang voor hem", IntentCrisis},
		{"hij gooide een fles naar mijn hoofd", IntentCrisis},
		{"als de hulp komt ben ik er niet meer als ze aanbellen", IntentCrisis},
		{"alles is opgeruimd zodat niemand na mij iets hoeft", IntentCrisis},
		{"what happens to my debts if i die", IntentCrisis},
		{"i wont be around much longer", IntentCrisis},
		{"i want it to be over", IntentCrisis},
		{"2. but can someone call me about this", IntentPerson},
		{"ik heb een medewerker nodig", IntentPerson},
		// Answers that end in a point of the scale; tired of paperwork.
		{"iemand aan de telefoon is fijner voor mij, 5", IntentNone},
		{"honestly tired of all the letters, so 4", IntentNone},
		{"ik wil iemand spreken over mijn schuld", IntentPerson},
		// Not a request for a person.
		{"liever een brief dan bellen", IntentNone},
		{"ik heb vanmiddag een afspraak bij de tandarts", IntentNone},
	})
	checkNoCrisis(t, []string{
		"dak- en thuisloos sinds vorige week, ik slaap bij mijn zus",
		"ik wil dit niet meer",
		"ik stop voor altijd met roken",
		"ze vroegen me wat ik ga doen",
		"ze bieden me wat hulp aan",
		"ik geef mijn hond eten",
		"ik zou willen dat ik niet was gegaan",
		"wat is een digid? ik wil liever iemand spreken die het uitlegt",
		"ik slaap bij mijn zus maar dat kan niet lang meer",
		"3, want die vragen zijn lastig",
		"ik moet nu niks verdienen",
		"ik hoop op een oplossing voor mijn schulden",
		"we gaan vanavond pannenkoeken eten",
		"ik ben moe van al die brieven",
	})
}

// TestEleventhRoundRules checks the eleventh round's rules with variants
// of held-out part 10's misses and of the blind parts 11a and 11b.
func TestEleventhRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"this is the last you will ever hear from me", IntentCrisis},
		{"waarom sta ik nog op elke ochtend", IntentCrisis},
		{"hij duwde me tegen de kast", IntentCrisis},
		{"nog een paar dagen en dan is het klaar met mij", IntentCrisis},
		{"de rivier trekt me", IntentCrisis},
		{"de woekeraar weet op welke school mijn zoon zit", IntentCrisis},
		{"kun je doodgaan van te veel slaappillen", IntentCrisis},
		{"ik besta toch liever niet", IntentCrisis},
		{"ik ga vanavond naar de brug", IntentCrisis},
		{"wat gebeurt er met mijn schulden als ik overlijd", IntentCrisis},
		{"hij zei dat hij me afmaakt", IntentCrisis},
		{"ik heb toch niet lang meer", IntentCrisis},
		{"ik haal de kerst niet", IntentCrisis},
		{"ik heb geen kracht meer om te vechten", IntentCrisis},
		{"ik heb euthanasie aangevraagd", IntentCrisis},
		{"waar kan ik het best vanaf springen", IntentCrisis},
		{"i tried before, next time it will work", IntentCrisis},
		// Not a crisis: back after a pause, living with someone, "cant
		// live without", storing.
		{"sorry, ben er weer", IntentNone},
		{"ik woon bij mijn moeder", IntentNone},
		{"i cant live without coffee, 4", IntentNone},
		{"slaat de bot op wat ik typ?", IntentPrivacy},
		// Answers: "een 5 want ...".
		{"een 4 want ik heb mensen nodig die meedenken", IntentNone},
		// Person and privacy.
		{"mag ik met een vrouw praten", IntentPerson},
		{"stuur maar iemand", IntentPerson},
		{"weet mijn advocaat hiervan?", IntentPrivacy},
	})
}

// TestTwelfthRoundRules checks the twelfth round's rules with variants
// of held-out part 11's misses.
func TestTwelfthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"ik sta bij het water en weet niet of ik nog thuiskom", IntentCrisis},
		{"ik ben doodsbang voor die man", IntentCrisis},
		{"hij stuurde fotos van mijn kinderen bij school", IntentCrisis},
		{"brief van de corporatie, ik moet eruit. huis weg", IntentUrgent},
		{"kan een medewerker contact met mij opnemen?", IntentPerson},
		{"what a waste of my time, rubbish", IntentAngry},
		{"how late is the supermarket open", IntentOffTopic},
		// A point of the scale with its reason is an answer.
		{"4 omdat ik graag met een medewerker praat", IntentNone},
		{"5 because i like to talk to a person", IntentNone},
		// In an answer, the bailiff or the food bank named is a mention;
		// the bailiff at the door is heard.
		{"ja, ik vind brieven van de deurwaarder eng", IntentNone},
		{"eens, de voedselbank heeft me goed geholpen", IntentNone},
		{"ja, en de deurwaarder komt morgen", IntentUrgent},
		{"de deurwaarder", IntentUrgent},
		// Blind part 12a.
		{"ik eet niet meer en wil ook niet meer", IntentCrisis},
		{"laat me maar gaan", IntentCrisis},
		{"ik rij gewoon van de kade af", IntentCrisis},
		{"ik wil ze verlossen van mij", IntentCrisis},
		{"ik slaap onder de brug sinds vorige week", IntentUrgent},
		{"wat is een toeslag? ik ken dat woord niet", IntentExplain},
		{"stoppen aub", IntentStop},
		{"vroeger belde ik vaak met de gemeente, nu niet meer. 2", IntentNone},
	})
}

// TestThirteenthRoundRules checks the thirteenth round's rules with
// variants of held-out part 12's misses.
func TestThirteenthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"i said goodbye to my brother today", IntentCrisis},
		{"ik heb mijn sleutels met een brief aan de buurvrouw gegeven", IntentCrisis},
		{"als ik morgen niet reageer weet je waarom", IntentCrisis},
		{"ik vraag god elke nacht om mij te halen", IntentCrisis},
		{"ik ben klaar met deze wereld", IntentCrisis},
		{"ik ben gedagvaard door de verhuurder, de zitting is maandag", IntentUrgent},
		{"the bailiff is at the door, what do i do", IntentUrgent},
		{"welk loket bedoel je?", IntentExplain},
		{"ik ga vanavond verder", IntentLater},
		{"stomme bot", IntentAngry},
		{"who won the match yesterday", IntentOffTopic},
		// Answers and harmless phrases.
		{"no, the food bank and my church help me. disagree", IntentNone},
		{"nee, we hebben geen eten meer", IntentUrgent},
		{"nummer 3 graag", IntentNone},
		{"ik zit in de trein", IntentNone},
	})
	checkNoCrisis(t, []string{"the government ruined my life with their rules, 1"})
}

// TestFourteenthRoundRules checks the fourteenth round's rules with
// variants of held-out part 13's misses.
func TestFourteenthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"soms rij ik expres te hard op de snelweg", IntentCrisis},
		{"ik durf niet meer naar huis", IntentCrisis},
		{"ik heb lang vanaf de brug naar beneden gekeken", IntentCrisis},
		{"ik wil mijn leven beëindigen", IntentCrisis},
		{"ik denk erover mijn eigen leven te nemen", IntentCrisis},
		{"ik ben klaar met het leven op deze aarde", IntentCrisis},
		{"i'm on the bridge", IntentCrisis},
		// A question after a negation; "if not".
		{"ik lees niet goed kan iemand mij bellen", IntentPerson},
		{"ben je een robot? zo niet wil ik een medewerker", IntentPerson},
		{"ik wil niet gebeld worden", IntentNone},
		// Answers: a point said, a last clause of answer words.
		{"mijn moeder zegt 4", IntentNone},
		{"te moeilijke brieven ja, helemaal mee eens", IntentNone},
		{"wordt het morgen mooi weer?", IntentOffTopic},
	})
}

// TestFifteenthRoundRules checks the fifteenth round's rules with
// variants of held-out part 14's misses.
func TestFifteenthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"mijn vader zou blij zijn als ik dood was", IntentCrisis},
		{"ik heb het eerder geprobeerd en nu voel ik me weer zo", IntentCrisis},
		{"als ik terugkom maakt hij me af", IntentCrisis},
		{"ik zit te denken hoe ik er tussenuit kan stappen", IntentCrisis},
		{"elke avond kijk ik naar het water", IntentCrisis},
		{"morgen komt weer de deurwaarder", IntentUrgent},
		{"ik heb geen adres meer", IntentUrgent},
		{"ze gaan het gas afsnijden", IntentUrgent},
		{"ik krijg pas over 12 dagen weer geld", IntentUrgent},
		{"ik wil graag opgebeld worden", IntentPerson},
		{"kan de maatschappelijk werker langskomen", IntentPerson},
		{"stoppen nu", IntentStop},
		{"genoeg, ik sluit af", IntentStop},
		{"can i finish it tomorrow", IntentLater},
	})
	checkNoCrisis(t, []string{"mijn opa is vorig jaar overleden", "mijn hond is dood gegaan"})
}

// TestSixteenthRoundRules checks the sixteenth round's rules with
// variants of held-out part 15's misses.
func TestSixteenthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"dan vinden ze me niet meer levend", IntentCrisis},
		{"soms denk ik dat de trein ook een oplossing is", IntentCrisis},
		{"als de deurwaarder weer komt dan hang ik me op", IntentCrisis},
		{"als ze het huis afpakken dan spring ik", IntentCrisis},
		{"dit was het dan, doei", IntentCrisis},
		{"soms denk ik dat we samen beter dood kunnen zijn", IntentCrisis},
		{"voor mij hoeft het niet meer", IntentCrisis},
		{"ik woon bij een man die mij slaat", IntentCrisis},
		{"ik ben zo bang", IntentCrisis},
		{"ik wil niet meer eten", IntentCrisis},
		{"i would like a callback", IntentPerson},
		{"hoe werkt dit eigenlijk", IntentExplain},
		{"wat een domme vragen", IntentAngry},
		// A dash between spaces is a break; a hyphen in a word is not.
		{"4 - mijn maatschappelijk werker legt alles uit", IntentNone},
	})
	checkNoCrisis(t, []string{"ik woon bij mijn moeder", "ik ben bang dat ik de huur niet kan betalen, 4", "ik heb co-ouderschap"})
}

// TestSeventeenthRoundRules checks the seventeenth round's rules with
// variants of held-out part 16's misses.
func TestSeventeenthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"gave my guitar away, i wont be needing it", IntentCrisis},
		{"im done with everything. bye", IntentCrisis},
		{"de brief voor mijn zoon ligt klaar", IntentCrisis},
		{"soms wil ik het stuur gewoon loslaten", IntentCrisis},
		{"dan leef ik toch niet meer", IntentCrisis},
		{"ik ga ergens heen en kom niet meer terug", IntentCrisis},
		{"ik ben er binnenkort toch niet meer", IntentCrisis},
		{"i pray that god takes me", IntentCrisis},
		{"mijn stiefvader zit aan me", IntentCrisis},
		{"ze willen onze woonboot weghalen", IntentUrgent},
		{"de kinderen gaan zonder ontbijt naar school", IntentUrgent},
		// Answers: a point said at the end of the first clause; "last van".
		{"id say 2, some days i dont get it", IntentNone},
		{"ja, daar heb ik vaak last van. eens", IntentNone},
		{"sinds mijn vrouw overleden is weet ik niet waar ik heen moet, dus klopt", IntentNone},
	})
}

// wantIntent is a message and the first intent it must get.
type wantIntent = struct {
	text string
	want Intent
}

// checkFirst fails for every message whose first intent is not the one
// wanted.
func checkFirst(t *testing.T, cases []wantIntent) {
	t.Helper()
	for _, c := range cases {
		if got := Understand(c.text, true).First(); got != c.want {
			t.Errorf("Understand(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// checkNoCrisis fails for every message heard as a crisis.
func checkNoCrisis(t *testing.T, texts []string) {
	t.Helper()
	for _, text := range texts {
		if Understand(text, true).Has(IntentCrisis) {
			t.Errorf("Understand(%q) is a crisis", text)
		}
	}
}

// TestEighteenthRoundRules checks the rules of the eighteenth round with
// variants of the misses of held-out part 17: not sure to be there
// still, who would notice, a life had enough of, a plan written down, kept
// in the house; the meter shut, meals skipped for the children, a benefit
// not paid, the locks changed; and a message that closes with an answer
// of its own is one.
func TestEighteenthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"ik weet niet of ik er met kerst nog ben", IntentCrisis},
		{"not sure ill still be around next year", IntentCrisis},
		{"wie zou me eigenlijk missen", IntentCrisis},
		{"ik heb mijn leven wel gehad", IntentCrisis},
		{"ik heb genoeg geleefd", IntentCrisis},
		{"2. ik heb al uitgezocht waar ik het ga doen", IntentCrisis},
		{"eens, en ik heb een plan", IntentCrisis},
		{"ik app dit stiekem, hij laat me de deur niet uit", IntentCrisis},
		{"hij zei dat ik dan niet meer leef", IntentCrisis},
		{"de watermeter is dichtgedraaid", IntentUrgent},
		{"ik sla het avondeten over zodat de kinderen genoeg hebben", IntentUrgent},
		{"mijn uitkering is nog steeds niet overgemaakt", IntentUrgent},
		{"the council stopped my benefit and i have nothing", IntentUrgent},
		{"ze hebben de sloten vervangen", IntentUrgent},
		{"ik logeer bij mijn broer maar dat mag niet lang meer", IntentUrgent},
		// A last clause that answers: after "dus", or a point said.
		{"ik bel liever met iemand dan dat ik mail, dus eens", IntentNone},
		{"die brieven begrijp ik nooit, helemaal eens", IntentNone},
		{"de regels hier snap ik niet goed. ik kies 2", IntentNone},
		// A question about a word stays one beside a point.
		{"wat is een toeslag? ik zeg 3", IntentExplain},
		{"wat wordt er bedoeld met persoonlijke hulp", IntentExplain},
		// An idiom is no blow.
		{"dit slaat nergens op, ik wil een medewerker", IntentPerson},
	})
	checkNoCrisis(t, []string{
		"ik heb een plan voor de schulden",
		"we hebben een betalingsplan voor de huur",
		"ik weet niet hoe ik het moet doen met de huur",
		"het mag van mij nu ophouden met die brieven",
		"de vragen slaan nergens op",
	})
}

// TestCrisisModel checks the logistic crisis model: the same data gives
// the same weights, and it reads the crisis in phrasings no rule has
// while leaving everyday sentences alone.
func TestCrisisModel(t *testing.T) {
	some := trainSamples()[:2000]
	a, b := trainLogit(some, bCrisis), trainLogit(some, bCrisis)
	if a.bias != b.bias || len(a.w) != len(b.w) {
		t.Fatalf("two trainings differ: bias %v and %v, %d and %d weights", a.bias, b.bias, len(a.w), len(b.w))
	}
	for f, w := range a.w {
		if b.w[f] != w {
			t.Fatalf("two trainings differ in %q: %v and %v", f, w, b.w[f])
		}
	}
	for _, text := range []string{
		"ik wil er gewoon niet meer zijn",
		"i dont see the point of going on anymore",
		"niemand zou het merken als ik weg was",
	} {
		if p := crisisModel.prob(correctedTokens(text)); p < logitNone {
			t.Errorf("crisis model gives %q %.2f, want at least %.2f", text, p, logitNone)
		}
	}
	for _, text := range []string{
		"ik heb twee kinderen en een hond",
		"de huur is 800 euro per maand",
		"kan ik iemand spreken",
		"helemaal eens",
	} {
		if p := crisisModel.prob(correctedTokens(text)); p >= logitConfirm*10 {
			t.Errorf("crisis model gives %q %.2f", text, p)
		}
	}
}

// TestNineteenthRoundRules checks the rules of the nineteenth round with
// variants of the misses of held-out part 18: a hose on the exhaust, a
// bridge that will do what nobody did, "tell them I tried", not here for
// long, costing only money; a veto no longer drops a crisis said beside
// it; a frozen account; a social worker rather, a case worker fetched.
func TestNineteenthRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"ik heb een slang gekocht voor de uitlaat van de auto", IntentCrisis},
		{"niemand helpt me. het spoor wel misschien", IntentCrisis},
		{"zeg tegen mijn dochter dat ik het geprobeerd heb", IntentCrisis},
		{"i wont be around much longer", IntentCrisis},
		{"ik ben er niet lang meer", IntentCrisis},
		{"ik kost iedereen alleen maar geld", IntentCrisis},
		{"thrown out by my dad and i want it all to end", IntentCrisis},
		{"de bank heeft mijn rekening bevroren", IntentUrgent},
		{"ik heb liever een maatschappelijk werker", IntentPerson},
		{"haal de consulent er maar bij", IntentPerson},
		{"geef me gewoon een medewerker", IntentPerson},
		{"wat is het verschil tussen eens en helemaal eens", IntentExplain},
		{"kankerbot", IntentAngry},
	})
	checkNoCrisis(t, []string{
		"laatste waarschuwing van eneco",
		"my landlord kicked me out last week",
		"ik heb kanker gehad en nu schulden",
	})
}

// TestTwentiethRoundRules checks the rules of the twentieth round with
// variants of the misses of held-out part 19: broken English, done for
// good, the wrists, how easy it would be; a Dutch "die" is no English
// "die"; "ik weet niet waar ik ... heen moet" is no threat; an answer
// phrase as a first clause; bewindvoering is a word explained.
func TestTwentiethRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"me no want live more", IntentCrisis},
		{"i dont wanna live anymore", IntentCrisis},
		{"ik ben er voorgoed klaar mee", IntentCrisis},
		{"2. ik kijk de laatste tijd vaak naar mijn polsen", IntentCrisis},
		{"soms denk ik hoe makkelijk het zou zijn", IntentCrisis},
		{"ik weet niet waar ik met de kinderen heen moet, de deurwaarder komt ons huis ontruimen", IntentUrgent},
		{"kan ik iemand spreken die arabisch of turks spreekt", IntentPerson},
		{"not really, the forms are way too hard for me", IntentNone},
		{"helemaal niet, die brieven zijn veel te moeilijk", IntentNone},
		{"wat is bewindvoering precies", IntentExplain},
	})
	checkNoCrisis(t, []string{
		"hoe makkelijk het zou zijn om alles online te regelen",
		"ik weet niet waar ik met mijn vragen heen moet",
		"ik heb een schuld van 2000 euro",
	})
	if m := Understand("wat is bewindvoering", true); !slices.Equal(m.Words, []string{"bewind"}) {
		t.Errorf("Understand(%q).Words = %v, want [bewind]", "wat is bewindvoering", m.Words)
	}
}

// TestTwentyFirstRoundRules checks the rules of the twenty-first round
// with variants of the misses of held-out part 20: staring at the water
// for hours, better off with him, taking all there is, the grave sooner;
// pills saved up; a disconnection notice; a point said with a filler or
// followed by "voor deze" is an answer.
func TestTwentyFirstRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"ik sta al een uur op de brug naar het water te kijken", IntentCrisis},
		{"mijn vrouw is dood, ik kan maar beter bij haar zijn", IntentCrisis},
		{"vannacht slik ik alles in wat ik heb", IntentCrisis},
		{"ik spaar mijn pillen op", IntentCrisis},
		{"het graf komt eerder dan je denkt", IntentCrisis},
		{"got a disconnection notice from eneco", IntentUrgent},
		{"ik stop er nu mee", IntentStop},
		{"kan ik dit morgen afmaken", IntentLater},
		{"ze praten alleen maar en doen niks", IntentAngry},
		{"doe maar 3, ik weet het niet zo goed", IntentNone},
		{"liever iemand aan de telefoon, dus 4 voor deze", IntentNone},
	})
	checkNoCrisis(t, []string{
		"ik slik al maanden slaappillen",
		"slaappillen voor twee maanden van de dokter",
	})
}

// TestTwentySecondRoundRules checks the rules of the twenty-second round
// with variants of the misses of held-out part 21, and that a flat, a
// bridge or a train said in passing is no crisis: the patterns that read
// "flat ... op" across a whole message are gone.
func TestTwentySecondRoundRules(t *testing.T) {
	checkFirst(t, []wantIntent{
		{"ik sta naast het spoor en de treinen rijden langs", IntentCrisis},
		{"als ik de huur niet betaal sta ik volgende week op straat", IntentUrgent},
		{"de verhuurder heeft een advocaat ingeschakeld voor de achterstand", IntentUrgent},
		{"de kinderen eten al dagen alleen brood en nu is het op", IntentUrgent},
		{"ik slaap bij een vriendin maar dat kan niet meer", IntentUrgent},
		{"bent u een computer? dan wil ik liever iemand anders", IntentPerson},
		{"schaam jullie diep", IntentAngry},
		{"persoonlijk contact vind ik wel fijn, 4 zou ik zeggen", IntentNone},
	})
	// The patterns alone: the models may still read a train as a crisis.
	rulesOnly(t)
	checkNoCrisis(t, []string{
		"ik woon in een flat en ik sta elke dag om zes uur op",
		"ik heb een kaartje voor de trein van acht uur gekocht",
		"de trein voor acht uur was vol",
		"de brug gaat open voor de boten",
	})
}

// rulesOnly turns both models off until the test ends.
func rulesOnly(t *testing.T) {
	bt, ba := bayesThreshold, bayesAnswerThreshold
	ln, lo, la := logitNone, logitOver, logitAnswer
	t.Cleanup(func() {
		bayesThreshold, bayesAnswerThreshold = bt, ba
		logitNone, logitOver, logitAnswer = ln, lo, la
	})
	bayesThreshold = [3]float64{2, 2, 2}
	bayesAnswerThreshold = 2
	logitNone, logitOver, logitAnswer = 2, 2, 2
}
