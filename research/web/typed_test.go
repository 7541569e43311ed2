package web

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/research"
)

// TestTypedOrButton: the transcript page and both exports say of every
// citizen message whether it was typed or a button press, so that a typed
// "2" no longer reads as [KNOP 2].
func TestTypedOrButton(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	var conv research.Conversation
	for _, x := range conversations(t, research.Filter{}) {
		if x.Completed && x.Offer != "" {
			conv = x
			break
		}
	}
	inputs := map[string]string{} // text -> input
	for _, tr := range conv.Turns {
		if tr.From == "citizen" {
			inputs[tr.Text] = tr.Input
		}
	}
	if inputs["ja"] != bot.InputTyped || inputs["[KNOP offer_person]"] != bot.InputButton {
		t.Fatalf("citizen turns %v: want ja typed and [KNOP offer_person] a button", inputs)
	}
	resp, body := c.get("/gesprekken/" + conv.Pseudonym)
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "<strong>Inwoner</strong> (getypt)", "<strong>Inwoner</strong> (knop gekozen)", "[KNOP offer_person]")
	if strings.Contains(body, "<strong>Chatbot</strong> (") {
		t.Errorf("a bot turn is marked as typed or pressed")
	}

	resp, body = c.get("/export?formaat=jsonl")
	wantStatus(t, resp, http.StatusOK, body)
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(nil, 1<<20)
	found := false
	for sc.Scan() {
		var x research.Conversation
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			t.Fatal(err)
		}
		if x.Pseudonym != conv.Pseudonym {
			continue
		}
		found = true
		for _, tr := range x.Turns {
			if tr.From == "citizen" && tr.Input == "" {
				t.Errorf("exported citizen turn %q without input", tr.Text)
			}
		}
	}
	if !found {
		t.Fatalf("%s not exported", conv.Pseudonym)
	}
	resp, body = c.get("/export?formaat=csv")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, `""input"":""typed""`, `""input"":""button""`)
}
