package dialogue

import "testing"

// Consent is never guessed: the statement parser's reading of degrees
// ("veel", "heel erg") does not make a yes, an explicit agreement does.
func TestParseYesNo(t *testing.T) {
	cases := map[string]yesNoAnswer{
		"ja": answerYes, "Ja, prima": answerYes, "helemaal mee eens": answerYes, "ik ben het eens": answerYes,
		"nee": answerNo, "helemaal niet mee eens": answerNo, "nee, liever niet": answerNo,
		"weet ik veel": answerUnknown, "blablabla weet ik veel": answerUnknown, "heel veel": answerUnknown,
		"allemaal": answerUnknown, "misschien": answerUnknown, "ja, maar liever niet": answerUnknown,
		"waarom?": answerWhy,
	}
	for in, want := range cases {
		if got := parseYesNo(in); got != want {
			t.Errorf("parseYesNo(%q) = %v, want %v", in, got, want)
		}
	}
}
