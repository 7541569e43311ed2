package dialogue

import (
	"fmt"
	"os"
	"testing"
)

// TestBayesThresholds cross-validates the model on the development data
// (5 folds) and reports, per threshold, how many crisis, urgent and person
// messages the model alone adds that the rules missed, and how many real
// answers it would take. The chosen thresholds must take no real answer.
func TestBayesThresholds(t *testing.T) {
	var all []sample
	var labels []string
	for _, f := range trainFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rows := readCorpus(t, f)
		for _, r := range rows {
			labels = append(labels, r.label)
		}
		all = append(all, readSamples(string(data))...)
	}
	const folds = 5
	post := make([][bClasses]float64, len(all))
	for k := 0; k < folds; k++ {
		var train []sample
		for i, s := range all {
			if i%folds != k {
				train = append(train, s)
			}
		}
		m := trainBayes(train)
		for i, s := range all {
			if i%folds == k {
				post[i] = m.posterior(s.text)
			}
		}
	}
	for _, th := range []float64{0.5, 0.7, 0.8, 0.9, 0.95, 0.99} {
		var found, missed, stolen, wrong [3]int
		answers := 0
		for i, s := range all {
			if labels[i] == "answer" {
				answers++
			}
			for k := bCrisis; k <= bPerson; k++ {
				hit := post[i][k] >= th
				switch {
				case hit && s.class == k:
					found[k]++
				case !hit && s.class == k:
					missed[k]++
				case hit && labels[i] == "answer":
					stolen[k]++
				case hit:
					wrong[k]++
				}
			}
		}
		msg := fmt.Sprintf("threshold %.2f:", th)
		for k := bCrisis; k <= bPerson; k++ {
			msg += fmt.Sprintf(" %s recall %.3f (answers taken %d, other wrong %d);", bayesIntents[k], float64(found[k])/float64(found[k]+missed[k]), stolen[k], wrong[k])
		}
		t.Log(msg)
	}
}

// TestBayesCues: a cue word is learnt from the training data, and one cue
// alone does not open the model's gate (cueWords).
func TestBayesCues(t *testing.T) {
	var train []sample
	for _, text := range []string{"ik wil poging wagen", "poging gedaan vandaag", "weer een poging gedaan"} {
		train = append(train, sample{bCrisis, text, correctedTokens(text)})
	}
	for _, text := range []string{"ja", "nee", "klopt wel", "vandaag niet"} {
		train = append(train, sample{bNone, text, correctedTokens(text)})
	}
	b := trainBayes(train)
	if !b.cues[bCrisis]["poging"] || !b.cues[bCrisis]["gedaan"] {
		t.Errorf("crisis cues %v lack poging and gedaan", b.cues[bCrisis])
	}
	if b.cues[bCrisis]["vandaag"] {
		t.Error("vandaag is as often elsewhere: no cue")
	}
	if b.hasCue(correctedTokens("een poging"), bCrisis) {
		t.Error("one cue word opened the gate")
	}
	if !b.hasCue(correctedTokens("poging gedaan"), bCrisis) {
		t.Error("two cue words did not open the gate")
	}
	// Tenth round: short function words alone ("ben er nog") do not
	// open it; one cue word of cueLen letters or more must be among them.
	short := trainBayes([]sample{{bCrisis, "ben er nog", correctedTokens("ben er nog")}, {bCrisis, "ben er nog", correctedTokens("ben er nog")}, {bNone, "ja", nil}})
	if short.hasCue(correctedTokens("ben er nog"), bCrisis) {
		t.Error("cue words of three letters opened the gate")
	}
	// Time words are in the urgent lexicon but do not say money: they
	// do not close the crisis cue gate.
	if got := withoutTimeWords([]string{"vandaag", "gave", "dog", "tonight"}); len(got) != 2 || got[0] != "gave" {
		t.Errorf("withoutTimeWords = %v", got)
	}
}
