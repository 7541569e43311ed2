package redact

// Names without a cue word. In chat people name each other without "ik
// heet": "bram hier", "thx mark", "de jong van de schuldhulp". Each word
// that could start a name gets a score from what it is (a known first name
// or surname, whether it is also an ordinary word) and from the words
// around it (a position where people are named, a capital where no
// sentence starts, "hier" after it, an article before it). A name is taken
// when the score reaches nameThreshold; the surname after a first name is
// taken with it.

// nameThreshold is the score from which a word starts a name.
const nameThreshold = 3

// personSlot are words after which a person is often named: "met bram",
// "aan sanne gevraagd", "thx mark", "volgens de vries".
var personSlot = set("met", "aan", "bij", "door", "tegen", "naar", "volgens", "namens", "thx", "thnx",
	"thanks", "dank", "bedankt", "dankjewel", "dankuwel", "merci", "top", "oke", "ok", "oké", "okee",
	"doei", "doeii", "dag", "bye", "ciao", "later", "laters", "ziens", "morgen", "lekker", "kusjes", "x",
	"xx", "xxx", "groetjes", "heb", "had", "is", "en", "sprak", "gesproken", "gebeld", "gemaild", "vraag",
	"zeg", "wie", "hoi", "hallo", "hey", "dankje", "wel", "gr", "mvg", "liefs", "geholpen", "over")

// personNext are words that often follow a person's name: "henk zei",
// "mohammed van het wijkteam".
var personNext = set("zei", "zegt", "belde", "belt", "heeft", "had", "kan", "kon", "wil", "weet", "zit",
	"woont", "werkt", "helpt", "hielp", "stuurde", "stuurt", "reageert", "is", "en", "van", "hier", "here",
	"gaf", "geeft", "komt", "kwam", "moet", "mag")

// strongSlot reports whether toks[k] names a person next so surely that a
// lower-case word in no list after it is taken as a name: a thank-you or a
// goodbye, or "met" after a verb of contact ("gebeld met").
func strongSlot(toks []token, k int) bool {
	switch w := toks[k].lower; w {
	case "thx", "thnx", "thanks", "dank", "bedankt", "dankjewel", "dankuwel", "merci", "doei", "doeii", "doeg",
		"bye", "ciao", "laters", "groetjes", "groet", "liefs", "kusjes":
		return true
	case "met":
		if k > 0 {
			switch toks[k-1].lower {
			case "gebeld", "gesproken", "gepraat", "contact", "afspraak", "samen", "gesprek", "ruzie", "gemaild", "geappt":
				return true
			}
		}
	}
	return false
}

// articles before a word make it a thing: "de roos", "een bakker".
var articles = set("de", "het", "een", "die", "deze", "mijn", "je", "uw", "onze", "hun", "zijn", "haar")

// nounSurnames are surnames that with an article are a thing: "de koning", "de boer".
var nounSurnames = set("koning", "boer", "haan", "bakker", "visser", "kok", "graaf", "man", "leeuw", "ruiter",
	"vos", "wilde", "lange", "kroon", "roos", "bruin", "groot", "smit", "wit")

// guessNames claims names that no cue announced.
func (f *finder) guessNames(toks []token) {
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.tag || f.isTaken(t.start) || !nameable(t) && !particles[t.lower] {
			continue
		}
		if n := placeAt(toks, i); n > 0 {
			i += n - 1
			continue
		}
		end, sc := nameScore(toks, i)
		if sc < nameThreshold {
			continue
		}
		if f.add(t.start, toks[end].end, TagNaam) {
			i = end
		}
	}
}

// nameScore scores the name that would start at token i and returns its
// last token.
func nameScore(toks []token, i int) (end, score int) {
	t := toks[i]
	f := fold(t.lower)
	end = i
	mid := !t.stop // not the first word of a sentence
	switch {
	case particles[t.lower]:
		// "de jong", "van der meer": a known surname with tussenvoegsels
		j, ok := particleName(toks, i, false)
		if !ok {
			return i, 0
		}
		sur := toks[j]
		whole := particleSurnames[phrase(toks, i, j)]
		sf := fold(sur.lower)
		switch {
		case sur.cap && (whole || isSurname(sf) || !isDutchWord(sur.lower)):
			score = 3
		case whole && !nounSurnames[sf]:
			score = 3
		case whole && sur.cap:
			score = 1
		default:
			return i, 0
		}
		end = j
	case isGiven(f) || isSurname(f):
		switch {
		case nameWords[f]:
			score = -1
		case isDutchWord(t.lower):
			score = 1
		default:
			score = 3
		}
		if len(t.lower) < 3 {
			score -= 2
		}
		if t.cap && mid {
			score += 3
		}
		end = extendName(toks, i, false)
	case t.cap && mid && !t.caps && !isDutchWord(t.lower) && !isProperNoun(t.lower) && len(t.lower) >= 3:
		score = 2
		end = extendName(toks, i, false)
	case !isDutchWord(t.lower) && len(t.lower) >= 3 && i+1 < len(toks) && (toks[i+1].lower == "hier" || toks[i+1].lower == "here") && t.stop:
		score = 3
	case t.cap && i == 0 && t.stop && t.gap == ' ' && i+1 < len(toks) && toks[i+1].lower == "hier" &&
		(toks[i+1].gap == ',' || toks[i+1].gap == '.' || i+2 == len(toks)):
		// "Marjolein hier." opens a message with a name, even one that is
		// also a word
		score = 1
	case !t.cap && len(t.lower) >= 4 && i > 0 && toks[i-1].gap == ' ' && strongSlot(toks, i-1) &&
		(toks[i-1].lower == "met" || t.gap != ' ' || i+1 == len(toks)) && !isDutchWord(t.lower) && !isProperNoun(t.lower):
		// "thx kwabena", "gebeld met kwabena": a word in no list, where
		// a person is named; after a thank-you or goodbye only as the last word
		// or before punctuation, so "bedankt voorr alles" keeps its typo
		score = 1
		end = extendName(toks, i, false)
	default:
		return i, 0
	}
	if end > i && !particles[t.lower] {
		score++ // a first name with a surname
	}
	// the words before
	if i > 0 {
		p := toks[i-1]
		switch {
		case p.gap != ' ' && p.gap != ',' && p.gap != '.':
		case (p.lower == "je" || p.lower == "u") && i > 1 && (toks[i-2].lower == "dank" || toks[i-2].lower == "bedankt"):
			score += 2
		case articles[p.lower] && p.gap == ' ' && !particles[t.lower]:
			score -= 3
		case personSlot[p.lower]:
			score += 2
		}
	} else if t.stop {
		if t.cap && (isGiven(f) || isSurname(f)) && !nameWords[f] {
			score++
		}
		// first word of the message, set off by a comma or full stop
		if g := toks[end].gap; g == ',' || g == '.' || end+1 >= len(toks) {
			score += 2
		}
	}
	// the words after
	if end+1 < len(toks) && toks[end].gap != 0 {
		n := toks[end+1].lower
		switch {
		case n == "hier" || n == "here":
			score += 3
		case personNext[n] && toks[end].gap == ' ':
			score++
		}
	} else if end+1 >= len(toks) && i > 0 && (toks[i-1].gap == ',' || toks[i-1].gap == '.') {
		score += 2 // a name alone at the end: a sign-off
	}
	return end, score
}
