package dialogue

import (
	"strconv"
	"strings"
)

var offerChoices = []string{"link", "person", "self", "later"}

func (t *turn) askOffer(fresh bool) {
	cs := make([]Choice, len(offerChoices))
	for i, id := range offerChoices {
		cs[i] = t.choice("offer_"+id, "btn_offer_"+id)
	}
	text := t.text("offer")
	if !fresh {
		text = t.text("offer_unclear")
	}
	t.ask(text, promptOffer, cs...)
}

func (t *turn) offer(text string) {
	id := strings.TrimPrefix(t.in.Choice, "offer_")
	if t.in.Choice == "" {
		id = parseOffer(text)
	}
	valid := false
	for _, o := range offerChoices {
		valid = valid || id == o
	}
	if !valid {
		t.askOffer(false)
		return
	}
	t.st.Offer = id
	t.say("offer_" + id)
	t.fire("offer_answered")
	t.st.Prompt = ""
	t.say("closing")
}

// parseOffer maps typed text to an offer: a number 1..4 or a keyword.
func parseOffer(text string) string {
	low := strings.ToLower(strings.Trim(text, " .!"))
	if n, err := strconv.Atoi(low); err == nil && n >= 1 && n <= len(offerChoices) {
		return offerChoices[n-1]
	}
	switch {
	case strings.Contains(low, "praat") || strings.Contains(low, "persoon") || strings.Contains(low, "mens") || strings.Contains(low, "bel") || strings.Contains(low, "talk") || strings.Contains(low, "person"):
		return "person"
	case strings.Contains(low, "zelf") || strings.Contains(low, "tips") || strings.Contains(low, "myself"):
		return "self"
	case strings.Contains(low, "later") || strings.Contains(low, "niet nu") || strings.Contains(low, "nee"):
		return "later"
	case strings.Contains(low, "online") || strings.Contains(low, "link") || strings.Contains(low, "website") || strings.Contains(low, "kijk"):
		return "link"
	}
	return ""
}
