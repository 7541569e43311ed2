package redact

import "testing"

// TestIssue15Patterns: one example for each pattern that leaked in the
// report of issue 15, and for each thing that must stay.
func TestIssue15Patterns(t *testing.T) {
	tests := []struct{ in, want string }{
		// a name first in the message
		{"bram hier, ik heb een vraag", "[NAAM] hier, ik heb een vraag"},
		// a first name alone
		{"ik heb gebeld met bram", "ik heb gebeld met [NAAM]"},
		{"thx mark", "thx [NAAM]"},
		{"thx kwabena", "thx [NAAM]"},
		{"ik had een afspraak met oluwaseun", "ik had een afspraak met [NAAM]"},
		// sign-offs
		{"oke dan wacht ik. doei sanne", "oke dan wacht ik. doei [NAAM]"},
		// the surname goes with the first name
		{"ik heet jan bakker", "ik heet [NAAM]"},
		{"mijn man peter de wit", "mijn man [NAAM]"},
		// names of migrant background
		{"mijn buurman Yusuf Çelik helpt mij", "mijn buurman [NAAM] helpt mij"},
		{"ik ben agnieszka nowak", "ik ben [NAAM]"},
		{"ik heet prem ramsaran", "ik heet [NAAM]"},
		// surnames that are words, and someone referred to by surname
		{"mevrouw de jong heeft mij doorgestuurd", "mevrouw [NAAM] heeft mij doorgestuurd"},
		{"de jong van de schuldhulp zei het", "[NAAM] van de schuldhulp zei het"},
		{"dhr visser van de bank", "dhr [NAAM] van de bank"},
		// a list of personal details
		{"naam: Fatima El Amrani\nadres: Kerkweg 3", "naam: [NAAM]\nadres: [ADRES]"},
		// addresses without a postcode or street word
		{"ik woon op spui 10 in den haag", "ik woon op [ADRES] in den haag"},
		// short birth dates
		{"ik ben geboren op 2 feb 74", "ik ben geboren op [DATUM]"},
		{"mijn vrouw is van 7 juni 92", "mijn vrouw is van [DATUM]"},
		// number plates in lower case without dashes
		{"mijn auto xp123v is weg", "mijn auto [KENTEKEN] is weg"},
		// what must stay
		{"met spoed graag", "met spoed graag"},
		{"bedankt voorr alles", "bedankt voorr alles"},
		{"ik werk bij de bakker", "ik werk bij de bakker"},
		{"de roos op mijn arm", "de roos op mijn arm"},
		{"ik heb 450 euro schuld bij het CJIB en DUO", "ik heb 450 euro schuld bij het CJIB en DUO"},
		{"bij de Albert Heijn in Den Haag", "bij de Albert Heijn in Den Haag"},
		{"de Belastingdienst en de Voedselbank", "de Belastingdienst en de Voedselbank"},
		{"afspraak op 12 maart om 10:00", "afspraak op 12 maart om 10:00"},
		{"bel de belastingtelefoon 0800-0543", "bel de belastingtelefoon 0800-0543"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
