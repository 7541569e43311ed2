package dialogue

import (
	"strings"

	"github.com/proactief/proactief/segment"
)

// An echo is an answer that says the statement again in the person's own
// words: "ik weet niet waar ik hulp kan krijgen" to "Je weet niet waar je
// hulp kunt krijgen ... Klopt dat voor jou?" means yes, although the
// answer parser, reading "weet ... niet", would take it for "I don't know".
// The rule:
//
//   - at least two of the message's content words (four or more letters,
//     not a small function word) occur in the statement (its study text or
//     a phrasing), a shared start of five letters counting ("krijg" and
//     "krijgen"), and at least half of its content words do;
//   - the answer agrees (4) when the message has as many negations as the
//     statement's study text, and disagrees (2) when it has one more or
//     one fewer ("wel" undoes a negation: "ik weet wel waar");
//   - an intensifier ("echt", "helemaal", "really") makes it 5 or 1.
//
// An echo is tried before the parser, on typed text only.

var echoStop = map[string]bool{
	"voor": true, "mijn": true, "jouw": true, "zijn": true, "heeft": true, "hebt": true, "heb": true, "door": true,
	"vind": true, "vindt": true, "naar": true, "meer": true, "maar": true, "zoals": true, "over": true, "deze": true,
	"want": true, "omdat": true, "what": true, "with": true, "that": true, "this": true, "your": true, "have": true,
	"from": true, "when": true, "they": true, "them": true, "klopt": true, "true": true, "dat": true, "wat": true,
	"echt": true, "really": true, "helemaal": true, "totally": true, "vaak": true, "meestal": true, "usually": true,
	"often": true, "does": true, "dont": true, "niet": true, "geen": true, "nooit": true, "never": true, "waar": true, "where": true,
}

var echoNeg = map[string]bool{"niet": true, "geen": true, "nooit": true, "not": true, "dont": true, "never": true, "doesnt": true, "nie": true}

var echoStrong = map[string]bool{"echt": true, "helemaal": true, "totaal": true, "absoluut": true, "really": true, "totally": true, "absolutely": true, "completely": true, "zeker": true, "definitely": true}

// echoWords returns the content words of text.
func echoWords(text string) []string {
	var out []string
	for _, w := range tokens(text) {
		if len(w) >= 4 && !echoStop[w] && w != clauseBreak {
			out = append(out, w)
		}
	}
	return out
}

func negations(toks []string) int {
	n := 0
	for _, w := range toks {
		switch {
		case echoNeg[w]:
			n++
		case w == "wel":
			n--
		}
	}
	return n
}

// sameStem reports whether two words share their first five letters, or
// are equal.
func sameStem(a, b string) bool {
	if a == b {
		return true
	}
	return len(a) >= 5 && len(b) >= 5 && a[:5] == b[:5]
}

// echoAnswer reads text as an echo of statement s; ok is false when it is
// not one.
func echoAnswer(text string, s segment.Statement, phrasings ...string) (value int, ok bool) {
	src := s.Text + " " + s.AskNL + " " + s.AskEN + " " + strings.Join(phrasings, " ")
	var stmt []string
	for _, w := range tokens(src) {
		if len(w) >= 4 {
			stmt = append(stmt, w)
		}
	}
	words := echoWords(text)
	shared := 0
	for _, w := range words {
		for _, x := range stmt {
			if sameStem(w, x) {
				shared++
				break
			}
		}
	}
	if shared < 2 || 2*shared < len(words) {
		return 0, false
	}
	toks := tokens(text)
	// The statement's own negations are counted in the study's text.
	diff := negations(toks) - negations(tokens(s.Text))
	strong := false
	for _, w := range toks {
		strong = strong || echoStrong[w]
	}
	switch {
	case diff == 0 && strong:
		return 5, true
	case diff == 0:
		return 4, true
	case diff == 1 || diff == -1:
		if strong {
			return 1, true
		}
		return 2, true
	}
	return 0, false
}
