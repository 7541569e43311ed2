package telegram

import (
	"regexp"
	"strings"
	"testing"
)

// TestFormalTexts: with Formal, every Dutch text of the adapter that has a
// "u" form uses it, and no "u" form says "je".
func TestFormalTexts(t *testing.T) {
	tx, err := loadTexts()
	if err != nil {
		t.Fatal(err)
	}
	informal := regexp.MustCompile(`(?i)(^|[^\p{L}])(je|jij|jou|jouw)([^\p{L}]|$)`)
	formal := &Adapter{texts: tx, opts: Options{Formal: true}}
	plain := &Adapter{texts: tx}
	for _, key := range []string{"group", "unavailable", "button_invalid", "button_done", "chosen"} {
		got := formal.text(key, "nl", "label", "Ja")
		if m := informal.FindStringSubmatch(got); m != nil {
			t.Errorf("%s in the u form says %q: %q", key, m[2], got)
		}
		if en := formal.text(key, "en", "label", "Yes"); en != plain.text(key, "en", "label", "Yes") {
			t.Errorf("%s: Formal changed the English text: %q", key, en)
		}
	}
	if got := plain.text("chosen", "nl", "label", "Ja"); !strings.Contains(got, "Jouw") {
		t.Errorf("without Formal the je form changed: %q", got)
	}
}
