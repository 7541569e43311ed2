package segment

import (
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	v := func(n int) Parsed { return Parsed{Kind: Value, Value: n} }
	skip, why, nu := Parsed{Kind: Skip}, Parsed{Kind: Why}, Parsed{}
	tests := []struct {
		in   string
		want Parsed
	}{
		// Dutch agreement
		{"ja", v(4)}, {"Ja.", v(4)}, {"ja hoor", v(4)}, {"JA HOOR!", v(4)}, {"jaaaa", v(4)},
		{"klopt", v(4)}, {"Klopt!", v(4)}, {"klopt helemaal", v(5)}, {"helemaal mee eens", v(5)},
		{"mee eens", v(4)}, {"eens", v(4)}, {"ja dat vind ik wel", v(4)}, {"ja zeker", v(5)},
		{"zeker", v(5)}, {"absoluut", v(5)}, {"echt wel", v(5)}, {"ja, heel erg", v(5)},
		{"inderdaad", v(4)}, {"tuurlijk", v(4)}, {"ja want ik wil graag hulp", v(4)},
		// Dutch disagreement
		{"nee", v(2)}, {"nee hoor", v(2)}, {"Nee.", v(2)}, {"neeee", v(2)}, {"zeker niet", v(1)},
		{"helemaal niet", v(1)}, {"nee, helemaal niet", v(1)}, {"niet mee eens", v(2)},
		{"helemaal niet mee eens", v(1)}, {"oneens", v(2)}, {"helemaal oneens", v(1)},
		{"niet echt", v(2)}, {"niet zo", v(2)}, {"echt niet", v(1)}, {"absoluut niet", v(1)},
		{"nooit", v(1)}, {"klopt niet", v(2)}, {"dat klopt helemaal niet", v(1)},
		{"niet helemaal mee eens", v(2)}, {"nee dat vind ik niet", v(2)},
		// importance
		{"heel belangrijk", v(5)}, {"belangrijk", v(4)}, {"niet belangrijk", v(2)},
		{"niet zo belangrijk", v(2)}, {"helemaal niet belangrijk", v(1)}, {"zeer belangrijk", v(5)},
		{"best belangrijk", v(4)}, {"een beetje belangrijk", v(3)}, {"onbelangrijk", v(2)},
		{"vind ik wel belangrijk", v(4)}, {"nee, ik vind het wel belangrijk", v(4)},
		{"niet heel belangrijk", v(2)}, {"super belangrijk!!", v(5)},
		// neutral
		{"gaat wel", v(3)}, {"neutraal", v(3)}, {"misschien", v(3)}, {"soms", v(3)},
		{"een beetje", v(3)}, {"ja en nee", v(3)}, {"jein", v(3)}, {"ja, soms", v(3)},
		// typos
		{"helemaal mee eenz", v(5)}, {"hellemaal niet", v(1)}, {"belangrik", v(4)},
		{"niet belagrijk", v(2)}, {"neit mee eens", v(2)}, {"klopd", v(4)}, {"neutaal", v(3)},
		{"absoluud", v(5)}, {"Helemaaal mee eens", v(5)},
		// digits
		{"1", v(1)}, {"5", v(5)}, {"4.", v(4)}, {"een 4", v(4)}, {"4/5", v(4)}, {"ik geef een 3", v(3)},
		{"2 van de 5", v(2)}, {"4 out of 5", v(4)}, {" 3 ", v(3)}, {"vier", v(4)}, {"Vijf!", v(5)},
		{"0", nu}, {"6", nu}, {"10", nu}, {"8/10", nu}, {"4/10", nu}, {"3 of 4", nu}, {"4,5", nu},
		{"45", nu}, {"één", v(1)},
		// emoji
		{"👍", v(4)}, {"👎", v(2)}, {"🙂", v(4)}, {"😐", v(3)}, {"👍🏽", v(4)}, {"😡", v(1)},
		{"💯", v(5)}, {"❤️", v(5)}, {"🤷", skip}, {"🤷‍♀️", skip},
		// English
		{"yes", v(4)}, {"Yes!", v(4)}, {"strongly agree", v(5)}, {"agree", v(4)}, {"no", v(2)},
		{"not really", v(2)}, {"strongly disagree", v(1)}, {"disagree", v(2)}, {"very important", v(5)},
		{"not important", v(2)}, {"not at all", v(1)}, {"neutral", v(3)}, {"I don't agree", v(2)},
		{"definitely", v(5)}, {"maybe", v(3)}, {"of course", v(4)},
		// skip
		{"weet ik niet", skip}, {"weet niet", skip}, {"ik weet het echt niet hoor", skip}, {"ik weet het niet", skip},
		{"weet ik veel", skip}, {"blablabla weet ik veel", skip}, {"sla over", skip}, {"overslaan", skip},
		{"skip", skip}, {"Skip please", skip}, {"geen idee", skip}, {"liever niet", skip},
		{"zeg ik liever niet", skip}, {"I don't know", skip}, {"no idea", skip}, {"pass", skip},
		{"niet zeker", skip}, {"not sure", skip}, {"volgende vraag", skip}, {"overslaam", skip},
		// why
		{"waarom?", why}, {"Waarom vraag je dat?", why}, {"why", why}, {"why do you ask", why},
		{"hoezo?", why}, {"waarvoor is dat", why}, {"waarom wil je dat weten", why}, {"❓", why},
		{"waarom niet", v(4)}, {"why not", v(4)},
		// not understood
		{"", nu}, {"   ", nu}, {"?!", nu}, {"blabla", nu}, {"de kat zit op de mat", nu},
		{"ik heb morgen een afspraak bij de huisarts", nu}, {"nee, belangrijk", nu},
		{"asdfgh", nu}, {"🤔", nu}, {"hallo", nu},
	}
	for _, tt := range tests {
		if got := Parse(tt.in); got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"ja", "helemaal niet", "4/5", "👍", "waarom?", "weet ik niet", "een 4", "x/5/5", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := Parse(s)
		if !p.Valid() {
			t.Fatalf("Parse(%q) = %+v, not valid", s, p)
		}
	})
}

func ExampleParse() {
	for _, s := range []string{"ja hoor", "Helemaal mee eens!", "niet zo belangrijk", "een 4", "👎", "sla over", "waarom vraag je dat?", "de kat"} {
		p := Parse(s)
		fmt.Printf("%q: %v %d\n", s, p.Kind, p.Value)
	}
	// Output:
	// "ja hoor": value 4
	// "Helemaal mee eens!": value 5
	// "niet zo belangrijk": value 2
	// "een 4": value 4
	// "👎": value 2
	// "sla over": skip 0
	// "waarom vraag je dat?": why 0
	// "de kat": not understood 0
}

func BenchmarkParse(b *testing.B) {
	in := []string{"ja hoor", "helemaal niet mee eens", "niet zo belangrijk", "een 4", "👍", "weet ik niet", "hellemaal mee eenz"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Parse(in[i%len(in)])
	}
}

// TestParseIssue13 holds the free-text answers issue 13 found missing and
// the digits inside other text that must not be answers.
func TestParseIssue13(t *testing.T) {
	v := func(n int) Parsed { return Parsed{Kind: Value, Value: n} }
	b := func(n int) Parsed { return Parsed{Kind: Value, Value: n, Beside: true} }
	nu := Parsed{}
	for _, c := range []struct {
		in   string
		want Parsed
	}{
		{"dat is zo", v(4)}, {"Dat is zo.", v(4)}, {"deels", v(3)}, {"gedeeltelijk", v(3)}, {"partly", v(3)},
		{"neither agree nor disagree", v(3)}, {"that's true", v(4)}, {"dat is waar", v(4)}, {"nee dat is niet zo", v(2)},
		{"<script>alert(1)</script>", nu}, {"ik heb 2 kinderen", nu}, {"mijn zoon is 4", nu}, {"testing 1 2 3", nu},
		{"ik geef een 3", v(3)}, {"4 van de 5", v(4)}, {"een 4", v(4)},
		// A content word is never read as an answer word by the typo rule.
		{"mens", nu}, {"ik wil een mens spreken", nu}, {"week", nu},
		// A point of the scale on its own beside its reason (issue 13,
		// tenth to seventeenth rounds), read as said beside other words;
		// never when another value is in the text or the digit stands
		// inside it.
		{"3, want ik praat graag met een medewerker", b(3)}, {"4 want ik snap ze nooit", b(4)},
		{"iemand aan de telefoon is fijner voor mij, 5", b(5)}, {"die brieven snap ik nooit - 2", b(2)},
		{"5. ik wil graag persoonlijk contact", b(5)}, {"1: de overheid doet nooit wat ze belooft", b(1)},
		{"ik heb 2 kinderen, 3", nu}, {"3, of eigenlijk 4", nu}, {"ik woon op nummer 3", nu},
		{"2 kinderen en een hond", nu}, {"alert(1)", nu},
		// A point said or chosen at the start or the end, or as the whole
		// message (twenty-second round); not a number said of something.
		{"geef maar 1, de brieven zijn altijd te moeilijk", b(1)}, {"de regels snap ik niet. ik zeg 2", b(2)},
		{"persoonlijk contact vind ik fijn, 4 zou ik zeggen", b(4)}, {"liever iemand aan de telefoon, dus 4 voor deze", b(4)},
		{"id say 3, some days i dont get it", b(3)}, {"mijn vader zegt 2", v(2)}, {"ik kies 4", v(4)},
		{"ik geef 2 kinderen eten", nu}, {"mijn zoon zegt 2 dingen", nu},
	} {
		if got := Parse(c.in); got != c.want {
			t.Errorf("Parse(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}
