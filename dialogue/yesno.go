package dialogue

import (
	"strings"
	"unicode"

	"github.com/proactief/proactief/segment"
)

type yesNoAnswer int

const (
	answerUnknown yesNoAnswer = iota
	answerYes
	answerNo
	answerWhy
)

var (
	yesWords = []string{"ja", "jaa", "jawel", "ja hoor", "ja graag", "graag", "prima", "goed", "is goed", "oke", "oké", "ok", "okay", "akkoord", "mag", "dat mag", "zeker", "yes", "yep", "sure", "y", "j", "👍", "✅"}
	noWords  = []string{"nee", "neen", "nee hoor", "nee dank je", "liever niet", "niet", "no", "nope", "n", "mag niet", "dat mag niet", "👎", "❌"}
	whyWords = []string{"waarom", "waarom?", "meer", "meer info", "uitleg", "wat houdt dat in", "why", "more", "more info", "?"}
)

// parseYesNo reads a yes/no answer to a consent or confirmation question.
// Anything it is not sure of is answerUnknown: consent is never guessed.
func parseYesNo(text string) yesNoAnswer {
	low := strings.ToLower(strings.TrimSpace(text))
	low = strings.Trim(low, " .!,")
	if low == "" {
		return answerUnknown
	}
	for _, w := range whyWords {
		if low == w || strings.HasPrefix(low, "waarom") || strings.HasPrefix(low, "why") {
			return answerWhy
		}
	}
	in := func(ws []string) bool {
		for _, w := range ws {
			if low == w {
				return true
			}
		}
		return false
	}
	switch {
	case in(noWords):
		return answerNo
	case in(yesWords):
		return answerYes
	}
	// A longer answer: its first word decides only when the rest does not
	// contradict it ("ja, maar liever niet" stays unknown).
	first, rest, _ := strings.Cut(low, " ")
	first = strings.Trim(first, ",.!")
	neg := strings.Contains(rest, "niet") || strings.Contains(rest, "geen") || strings.Contains(rest, "not")
	switch {
	case (first == "ja" || first == "yes") && !neg:
		return answerYes
	case first == "nee" || first == "no":
		return answerNo
	}
	// Fall back on the statement parser: "helemaal mee eens" is a yes. Only
	// when the message says yes or no in so many words: the parser also
	// reads degrees ("veel", "heel erg"), and "weet ik veel" is no consent.
	if p := segment.Parse(text); p.Kind == segment.Value {
		switch {
		case p.Value >= 4 && hasWord(low, explicitYes):
			return answerYes
		case p.Value <= 2 && hasWord(low, explicitNo):
			return answerNo
		}
	}
	return answerUnknown
}

var (
	explicitYes = []string{"eens", "agree", "agreed", "klopt", "akkoord", "ja", "jawel", "yes", "zeker", "graag", "prima", "goed", "oke", "ok", "okay", "👍"}
	explicitNo  = []string{"oneens", "disagree", "nee", "niet", "no", "not", "geen", "nooit", "never", "👎"}
)

// hasWord reports whether one of words is a word of low.
func hasWord(low string, words []string) bool {
	for _, f := range strings.FieldsFunc(low, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r < 0x2000 }) {
		for _, w := range words {
			if f == w {
				return true
			}
		}
	}
	return false
}
