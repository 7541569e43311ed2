package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidBSN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"123456782", true},
		{"111222333", true},
		{"908301662", true},
		{"12345678", false}, // read as 012345678
		{"123456789", false},
		{"000000000", false},
		{"12345678a", false},
		{"1234567820", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := validBSN(tt.in); got != tt.want {
			t.Errorf("validBSN(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestValidIBAN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"NL91ABNA0417164300", true},
		{"nl91 abna 0417 1643 00", true},
		{"NL91ABNA0417164301", false},
		{"NL91ABNA041716430", false}, // too short for NL
		{"BE71096123456769", true},
		{"DE89370400440532013000", true},
		{"GB82WEST12345698765432", true},
		{"FR1420041010050500013M02606", true},
		{"XX00", false},
		{"NL91ABNA0417164300!", false},
	}
	for _, tt := range tests {
		if got := validIBAN(tt.in); got != tt.want {
			t.Errorf("validIBAN(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mijn bsn is 123456782", "mijn bsn is [BSN]"},
		{"bsn 123.456.782 en 123 456 782", "bsn [BSN] en [BSN]"},
		{"iban NL91 ABNA 0417 1643 00 graag", "iban [IBAN] graag"},
		{"bel 06-12345678 of 020-1234567", "bel [TELEFOON] of [TELEFOON]"},
		{"+31 6 12345678", "[TELEFOON]"},
		{"mail jan@example.nl", "mail [EMAIL]"},
		{"ik woon op de Kerkstraat 12, 1234 AB Utrecht", "ik woon op de [ADRES], [POSTCODE] Utrecht"},
		{"ik heet jan de vries", "ik heet [NAAM]"},
		{"Hoi Sanne, ik heb een vraag", "Hoi [NAAM], ik heb een vraag"},
		{"Hoi, ik heb een vraag", "Hoi, ik heb een vraag"},
		{"geboren op 12 maart 1985", "geboren op [DATUM]"},
		{"kenteken 12-ABC-3", "kenteken [KENTEKEN]"},
		{"klantnummer 12345678", "klantnummer [NUMMER]"},
		{"ik heb € 1.250,00 schuld bij het CJIB, sinds 2019", "ik heb € 1.250,00 schuld bij het CJIB, sinds 2019"},
		{"ik ben 34 en verdien 1.800 per maand", "ik ben 34 en verdien 1.800 per maand"},
		{"zie www.example.nl en @janneke_vd", "zie [URL] en [GEBRUIKER]"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFind(t *testing.T) {
	s := "mvg Kees Jansen, 06-12345678"
	got := Find(s)
	want := []Span{{4, 15, TagNaam}, {17, 28, TagTelefoon}}
	if len(got) != len(want) {
		t.Fatalf("Find(%q) = %v, want %v", s, got, want)
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("Find(%q)[%d] = %v, want %v", s, k, got[k], want[k])
		}
	}
	if Find("niks aan de hand") != nil {
		t.Errorf("Find on clean text is not nil")
	}
}

// checkProperties fails t if Text breaks one of its promises for s.
func checkProperties(t *testing.T, s string) {
	t.Helper()
	out := Text(s)
	if len(out) > 2*len(s)+32 {
		t.Fatalf("Text(%q) = %q: %d bytes from %d", s, out, len(out), len(s))
	}
	if again := Text(out); again != out {
		t.Fatalf("not idempotent: Text(%q) = %q, Text(that) = %q", s, out, again)
	}
	if utf8.ValidString(s) && !utf8.ValidString(out) {
		t.Fatalf("Text(%q) = %q: invalid UTF-8", s, out)
	}
	for _, sp := range Suspects(out) {
		if sp.Start < 0 || sp.End <= sp.Start || sp.End > len(out) {
			t.Fatalf("Suspects(%q): bad span %v", out, sp)
		}
	}
	last := 0
	for _, sp := range Find(s) {
		if sp.Start < last || sp.End <= sp.Start || sp.End > len(s) {
			t.Fatalf("Find(%q): bad span %v", s, sp)
		}
		last = sp.End
	}
}

func TestProperties(t *testing.T) {
	for _, ex := range loadCorpus(t) {
		checkProperties(t, ex.input)
		checkProperties(t, strings.ToUpper(ex.input))
		checkProperties(t, ex.input+" "+ex.input)
	}
	checkProperties(t, strings.Repeat("@abcd ", 1000))
	checkProperties(t, strings.Repeat("06 ", 1000))
	checkProperties(t, "\xff\xfe 06-12345678 \xff")
}

func FuzzText(f *testing.F) {
	for _, s := range []string{
		"mijn bsn is 123456782", "NL91 ABNA 0417 1643 00", "bel 06-12345678", "Hoi Sanne,",
		"ik woon op de Kerkstraat 12, 1234 AB", "mvg Kees Jansen", "geboren 12-03-1985",
		"@abcd @efgh", "www.example.nl/x", "klantnummer 2024-00123", "\xff06 12 34 56 78",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkProperties(t, s)
	})
}

// benchMessage is a typical 200-character message.
const benchMessage = "Hoi, ik ben Sanne en ik heb een schuld van € 1.250,00 bij de Belastingdienst. " +
	"Mijn bsn is 123456782 en je kan me bellen op 06-12345678. Ik woon op de Kerkstraat 12. mvg Sanne"

func BenchmarkText(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMessage)))
	for b.Loop() {
		Text(benchMessage)
	}
}

func BenchmarkTextClean(b *testing.B) {
	const msg = "Hallo, ik heb een vraag over mijn huur. Ik betaal 750 euro per maand en ik heb sinds 2019 " +
		"schulden bij het CJIB en DUO. Kan iemand van de gemeente mij helpen met een betalingsregeling?"
	b.ReportAllocs()
	for b.Loop() {
		Text(msg)
	}
}
