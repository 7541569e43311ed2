package dialogue

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/proactief/proactief/segment"
)

// Intent is what a message means besides, or instead of, an answer to the
// open question. The empty Intent means none was found: the message is read
// as an answer (or, failing that, as not understood).
type Intent string

// The intents, most urgent first (see [Meaning]).
const (
	IntentNone     Intent = ""
	IntentCrisis   Intent = "crisis"   // suicidal thoughts, self-harm, acute danger
	IntentUrgent   Intent = "urgent"   // eviction, cut-off, no money for food, bailiff
	IntentPerson   Intent = "person"   // wants to talk with a person
	IntentExplain  Intent = "explain"  // does not understand the question, or asks what a word means
	IntentPrivacy  Intent = "privacy"  // who sees this, what is kept
	IntentStop     Intent = "stop"     // wants to stop
	IntentLater    Intent = "later"    // wants to go on later
	IntentAngry    Intent = "angry"    // angry or swearing
	IntentOffTopic Intent = "offtopic" // about something else (the weather, the bot itself)
)

// Intents lists every intent in order of precedence: when a message has
// several, the engine answers the first.
var Intents = []Intent{IntentCrisis, IntentUrgent, IntentPerson, IntentExplain, IntentPrivacy, IntentStop, IntentLater, IntentAngry, IntentOffTopic}

// Meaning is what [Understand] found in a message.
type Meaning struct {
	// Intents are the intents found, most urgent first; empty when none.
	Intents []Intent
	// Words are the explanation keys of the words the person asks about
	// ("toeslag", "digid"), in the order they appear.
	Words []string
}

// First returns the most urgent intent, or IntentNone.
func (m Meaning) First() Intent {
	if len(m.Intents) == 0 {
		return IntentNone
	}
	return m.Intents[0]
}

// Has reports whether the message has intent i.
func (m Meaning) Has(i Intent) bool {
	for _, x := range m.Intents {
		if x == i {
			return true
		}
	}
	return false
}

// The understanding step is data plus a small matcher. The data is
// understand.txt: per intent a list of patterns, each a sequence of words.
//
// Pattern syntax, one pattern per line:
//
//	word      the word itself (after lower-casing and folding accents)
//	word*     any word that starts with "word"
//	*word     any word that ends in "word": the end of a compound
//	          ("*brug" is "erasmusbrug" and "spoorbrug")
//	a/b/c     one of these words
//	..        up to three other words (never across , . ! ? ;)
//	...       any number of other words, across clauses too
//	^         (first) only at the start of the message
//	$         the end of the message or of a clause
//	- pattern (a whole line) a veto: when it matches, the intent is not found
//	@name     the words a line "@name = a/b/c" defined earlier
//	?word     an optional word
//	& a b c   (a whole line) a co-occurrence: each of the words (or word
//	          groups) occurs somewhere in the message, in any order and
//	          any clause. Concepts are written this way: a life word, a
//	          "too heavy" word and a "stop/out" word in one message.
//	! pattern (a whole line) a mere mention: not heard in a message that
//	          reads as an answer ("ja, ik ben bang voor brieven van de
//	          deurwaarder" is an answer; "de deurwaarder komt morgen" is
//	          heard by its own pattern)
//	~ pattern (a whole line, [crisis] only) a harmless phrase: the words it
//	          covers are hidden from the crisis patterns and from the
//	          model's crisis reading, the rest of the message is still
//	          read ("pillen voor mijn rug", "kicked me out", "i cant pay
//	          for food anymore" hides "cant pay"). Unlike a veto it never
//	          drops a crisis said elsewhere in the message: "mijn hond is
//	          dood, ik wil ook dood" is a crisis. Words, ".." and ?word
//	          only.
//
// A message matches when the pattern's words occur in it in this order
// (for "&" lines: in any order).
//
// Negation: a match is dropped when a negator (niet, geen, not, don't,
// no, ...) stands earlier in the same clause, unless the pattern contains
// a negator itself ("niet meer leven"). Crisis is the exception, the rule
// decided in the sixth round: a crisis match is NEVER dropped for a
// negation. "ik denk niet aan zelfmoord" and "ik wil niet dood, maar ..."
// get the calm 113 note: a person who brings up suicide or death in a
// chat about money worries is better served by one calm message too many
// (the questions pause, they can go on) than by a missed one. Real answers
// to the statements do not speak of death, so no answer is lost by it.
//
// Typos, the rule: a typed word of six or more letters is corrected only
// towards a pattern word of six or more letters, by at most one edit (a
// second edit turned "geslagen" into "opgeslagen"), never in the first
// letter (tenth round: "rather" became "father", "gedreigd" "bedreigd"),
// only when exactly one pattern word is that close,
// and never when the typed word is itself a word the matcher or the answer
// parser knows (a pattern word, a word a word* pattern matches, an answer
// or scale word, a word on the knownWords list, or a real word of the
// dictionaries that would otherwise be corrected, realwords.txt): "uitleg" never
// becomes "uitweg". So "mens" never becomes "eens" and "eens" never
// becomes "mens"; "zelfmort" becomes "zelfmoord". The answer parser
// (segment.Parse) keeps the same rule from its side: a word on its list of
// known content words is never corrected into an answer word.
//
//go:embed understand.txt
var understandData string

type pword struct {
	alts     []string        // exact words
	set      map[string]bool // the same, as a set when there are many
	prefixes []string        // word* forms
	suffixes []string        // *word forms: the end of a compound ("erasmusbrug")
	gap      bool            // ".."
	anyGap   bool            // "...": any number of words, across clauses
	optional bool
	end      bool // "$": the end of the message
}

type pattern struct {
	intent   Intent
	words    []pword
	start    bool   // "^": only at the start of the message
	veto     bool   // "-" before a pattern: when it matches, the intent is not found
	negates  bool   // the pattern holds a negator itself
	anyOrder bool   // "&": every word somewhere in the message, any order
	word     string // for [words] patterns: the explanation key
	mask     bool   // "~": a harmless phrase hidden from the crisis patterns
	mention  bool   // "!": a mere mention, not heard in a message that reads as an answer
	line     int
}

type matcher struct {
	patterns []pattern
	known    map[string]bool // every exact pattern word: never corrected
	fuzzable []string        // pattern words of 6+ letters
	prefixes []string        // the stems of word* patterns: a word they match is known
	suffixes []string        // the ends of *word patterns: a word they match is known
	// An index from a pattern's first required word to the pattern, so
	// that a message is matched only against patterns it can match.
	byWord   map[string][]int
	byPrefix []prefixRef
	bySuffix []prefixRef      // *word: the end of the word, and the pattern
	byLen    map[int][]string // fuzzable words by length
	// lexicon holds, per intent index, the words of its "@lex<intent>"
	// group: the vocabulary gate of the model (bayes.go).
	lexicon map[int]pword
	// masks are the "~" lines: harmless phrases hidden from crisis.
	masks []pattern
}

type prefixRef struct {
	prefix  string
	pattern int
}

var understander = mustMatcher(understandData)

// realWordsData lists real Dutch and English words that the typo rule
// would otherwise correct into a pattern word ("verdienen" into
// "verdwenen", "rather" into "father", "regelen" into "regenen"). It is
// generated from the OpenTaal and SCOWL word lists (see realwords.txt for
// the licences and TestRealWords for the command): a word on it is never
// corrected.
//
//go:embed realwords.txt
var realWordsData string

var realWords = func() map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(realWordsData, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out[line] = true
		}
	}
	return out
}()

func mustMatcher(data string) *matcher {
	m, err := parseMatcher(data)
	if err != nil {
		panic("dialogue: understand.txt: " + err.Error())
	}
	return m
}

// negators turn a match around when they stand before it in its clause.
var negators = map[string]bool{
	"niet": true, "geen": true, "nie": true, "nooit": true, "niemand": true, "hoef": true, "hoeft": true,
	"not": true, "no": true, "dont": true, "never": true, "nobody": true, "doesnt": true, "didnt": true, "wont": true, "isnt": true, "nt": true,
}

// answerWords are words that begin a real answer; a message that starts
// with one while a statement is open is read as an answer unless it
// is a crisis or urgent.
var answerWords = map[string]bool{
	"ja": true, "jawel": true, "jazeker": true, "nee": true, "neen": true, "klopt": true, "eens": true, "oneens": true,
	"inderdaad": true, "precies": true, "absoluut": true, "zeker": true, "tuurlijk": true, "natuurlijk": true,
	"yes": true, "yeah": true, "yep": true, "no": true, "nope": true, "nah": true, "agree": true, "disagree": true,
	"true": true, "definitely": true, "absolutely": true, "correct": true, "jep": true, "jup": true,
	// Words that begin a hedged answer ("somewhat, i am tired of waiting").
	"somewhat": true, "kinda": true, "sorta": true, "partly": true, "deels": true, "gedeeltelijk": true,
	"mwah": true, "mwa": true, "neutraal": true, "neutral": true,
}

// scaleWords mark an answer on the scale wherever they stand.
var scaleWords = map[string]bool{
	"belangrijk": true, "onbelangrijk": true, "important": true, "unimportant": true,
	"oneens": true, "agree": true, "disagree": true, "klopt": true,
	"vind": true, "vindt": true, "matters": true, "matter": true,
	"meestal": true, "vaak": true, "soms": true, "usually": true, "often": true, "sometimes": true, "mostly": true,
}

func parseMatcher(data string) (*matcher, error) {
	m := &matcher{known: map[string]bool{}, lexicon: map[int]pword{}}
	var intent Intent
	wordsSection := false
	macros := map[string]string{}
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "@") && strings.Contains(line, "=") {
			name, alts, ok := strings.Cut(line, "=")
			name, alts = strings.TrimSpace(name), strings.TrimSpace(alts)
			if !ok || name == "@" || alts == "" || strings.ContainsAny(alts, " \t") {
				return nil, fmt.Errorf("line %d: want @name = a/b/c", i+1)
			}
			macros[name] = alts
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			name := line[1 : len(line)-1]
			wordsSection = name == "words"
			intent = Intent(name)
			if !wordsSection && !knownIntent(intent) {
				return nil, fmt.Errorf("line %d: unknown intent %q", i+1, name)
			}
			continue
		}
		if intent == "" {
			return nil, fmt.Errorf("line %d: pattern before the first [intent]", i+1)
		}
		p := pattern{intent: intent, line: i + 1}
		if strings.HasPrefix(line, "- ") {
			p.veto, line = true, strings.TrimSpace(line[2:])
		}
		if strings.HasPrefix(line, "! ") {
			p.mention, line = true, strings.TrimSpace(line[2:])
		}
		if strings.HasPrefix(line, "& ") {
			p.anyOrder, line = true, strings.TrimSpace(line[2:])
		}
		if strings.HasPrefix(line, "~ ") {
			if intent != IntentCrisis {
				return nil, fmt.Errorf("line %d: a ~ line only in [crisis]", i+1)
			}
			p.mask, line = true, strings.TrimSpace(line[2:])
		}
		if wordsSection {
			key, rest, ok := strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("line %d: want key: words", i+1)
			}
			p.intent, p.word, line = "", strings.TrimSpace(key), rest
		}
		for _, f := range strings.Fields(line) {
			switch f {
			case "..":
				p.words = append(p.words, pword{gap: true})
				continue
			case "...":
				p.words = append(p.words, pword{anyGap: true})
				continue
			case "$":
				p.words = append(p.words, pword{end: true})
				continue
			case "^":
				if len(p.words) > 0 {
					return nil, fmt.Errorf("line %d: ^ only at the start", i+1)
				}
				p.start = true
				continue
			}
			var w pword
			if strings.HasPrefix(f, "?") {
				w.optional, f = true, f[1:]
			}
			// @name stands for the alternatives it was defined as; it
			// can be mixed with others: @die/dood.
			var parts []string
			for _, a := range strings.Split(f, "/") {
				if strings.HasPrefix(a, "@") {
					alts, ok := macros[a]
					if !ok {
						return nil, fmt.Errorf("line %d: unknown %s", i+1, a)
					}
					a = alts
				}
				parts = append(parts, a)
			}
			f = strings.Join(parts, "/")
			for _, a := range strings.Split(f, "/") {
				a = normWord(a)
				if a == "" {
					return nil, fmt.Errorf("line %d: empty word", i+1)
				}
				if strings.HasSuffix(a, "*") {
					pre := strings.TrimSuffix(a, "*")
					w.prefixes = append(w.prefixes, pre)
					m.prefixes = append(m.prefixes, pre)
					continue
				}
				if suf, ok := strings.CutPrefix(a, "*"); ok && suf != "" {
					w.suffixes = append(w.suffixes, suf)
					m.suffixes = append(m.suffixes, suf)
					continue
				}
				w.alts = append(w.alts, a)
				if negators[a] {
					p.negates = true
				}
				if !m.known[a] {
					m.known[a] = true
					if utf8.RuneCountInString(a) >= 6 {
						m.fuzzable = append(m.fuzzable, a)
					}
				}
			}
			p.words = append(p.words, w)
		}
		if p.anyOrder {
			for _, w := range p.words {
				if w.gap || w.anyGap || w.end || w.optional || p.start {
					return nil, fmt.Errorf("line %d: an & line holds words only", i+1)
				}
			}
		}
		for k := range p.words {
			if w := &p.words[k]; len(w.alts) > 4 {
				w.set = make(map[string]bool, len(w.alts))
				for _, a := range w.alts {
					w.set[a] = true
				}
			}
		}
		if len(p.words) == 0 || p.words[0].gap || p.words[0].anyGap || p.words[len(p.words)-1].gap || p.words[len(p.words)-1].anyGap {
			return nil, fmt.Errorf("line %d: a pattern starts and ends with a word", i+1)
		}
		if p.mask {
			for _, w := range p.words {
				if w.anyGap || w.end || p.start {
					return nil, fmt.Errorf("line %d: a ~ line holds words, .. and ?word only", i+1)
				}
			}
			m.masks = append(m.masks, p)
			continue
		}
		m.patterns = append(m.patterns, p)
	}
	for _, in := range []Intent{IntentCrisis, IntentUrgent, IntentPerson} {
		alts, ok := macros["@lex"+string(in)]
		if !ok {
			return nil, fmt.Errorf("no @lex%s word group", in)
		}
		w := pword{set: map[string]bool{}}
		for _, a := range strings.Split(alts, "/") {
			a = normWord(a)
			if pre, ok := strings.CutSuffix(a, "*"); ok {
				w.prefixes = append(w.prefixes, pre)
			} else if suf, ok := strings.CutPrefix(a, "*"); ok {
				w.suffixes = append(w.suffixes, suf)
			} else {
				w.alts = append(w.alts, a)
				w.set[a] = true
			}
		}
		m.lexicon[intentIndex(in)] = w
	}
	m.byWord = map[string][]int{}
	m.byLen = map[int][]string{}
	for _, w := range m.fuzzable {
		n := utf8.RuneCountInString(w)
		m.byLen[n] = append(m.byLen[n], w)
	}
	for i, p := range m.patterns {
		for _, w := range p.words {
			if w.gap || w.anyGap || w.end || w.optional {
				continue
			}
			for _, a := range w.alts {
				m.byWord[a] = append(m.byWord[a], i)
			}
			for _, pre := range w.prefixes {
				m.byPrefix = append(m.byPrefix, prefixRef{pre, i})
			}
			for _, suf := range w.suffixes {
				m.bySuffix = append(m.bySuffix, prefixRef{suf, i})
			}
			break
		}
	}
	for w := range answerWords {
		m.known[w] = true
	}
	for w := range negators {
		m.known[w] = true
	}
	for _, w := range knownWords {
		m.known[w] = true
	}
	return m, nil
}

func knownIntent(i Intent) bool {
	for _, x := range Intents {
		if x == i {
			return true
		}
	}
	return false
}

// knownWords are common words that look like pattern words but are not
// typos of them; they are never corrected.
var knownWords = []string{"eten", "meten", "week", "weken", "leven", "geven", "heten", "beter", "mensen", "eens", "mens",
	"bellen", "willen", "wel", "weet", "weten", "meer", "even", "kunnen", "kennen", "helpen", "helpt", "spreken",
	"breken", "zitten", "weg", "werk", "woorden", "worden", "vragen", "wagen", "brief", "brieven", "leren", "lezen", "dood",
	"quite", "quiet", "living", "lieve", "gezet", "gezegd", "zeggen", "leggen", "liggen", "kosten", "kunnen",
	"zorgen", "zorgt", "zorg", "morgen", "worgen", "borgen", "sorgen", "hoog", "huur", "duur", "geld", "euro", "gegaan",
	"regelen", "geregeld", "regelt"}

// normWord lower-cases a word and folds accents and apostrophes away.
func normWord(w string) string {
	w = strings.ToLower(w)
	var b strings.Builder
	for _, r := range w {
		switch r {
		case 'é', 'è', 'ë', 'ê':
			r = 'e'
		case 'á', 'à', 'ä', 'â':
			r = 'a'
		case 'ó', 'ò', 'ö', 'ô':
			r = 'o'
		case 'í', 'ì', 'ï', 'î':
			r = 'i'
		case 'ú', 'ù', 'ü', 'û':
			r = 'u'
		case '\'', '’', '`':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// emojiWords are the emoji the matcher reads, as words.
var emojiWords = map[rune]string{'🤬': "boos", '😡': "boos", '😠': "boos", '🖕': "boos", '🔪': "mes", '🆘': "help"}

// clauseBreak is the token that separates clauses.
const clauseBreak = "|"

// tokens splits text into normalised words; punctuation that ends a
// clause becomes clauseBreak.
func tokens(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		out = append(out, segment.Squeeze(normWord(b.String())))
		b.Reset()
	}
	prev := ' '
	for _, r := range text {
		// A dash between spaces separates like a comma: "5 - my social
		// worker explains everything" (sixteenth round); "co-ouderschap"
		// is one word.
		dash := r == '–' || r == '—' || r == '-' && unicode.IsSpace(prev)
		prev = r
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' || r == '*':
			b.WriteRune(r)
		case r == ',' || r == '.' || r == '!' || r == '?' || r == ';' || r == ':' || r == '(' || r == ')' || dash:
			flush()
			if len(out) > 0 && out[len(out)-1] != clauseBreak {
				out = append(out, clauseBreak)
			}
		default:
			flush()
			if w, ok := emojiWords[r]; ok {
				out = append(out, w)
			}
		}
	}
	flush()
	return out
}

// Understand finds what a message means besides an answer. answering says
// that a statement is open: then a message that starts like an answer
// ("ja, ...", "nee, ...") or uses the scale's words ("belangrijk", "eens")
// is an answer, unless it is a crisis or urgent.
//
// Understand is pure and safe for concurrent use.
func Understand(text string, answering bool) Meaning {
	if len(text) > MaxText {
		text = text[:MaxText]
	}
	toks := tokens(text)
	if len(toks) == 0 {
		return Meaning{}
	}
	m := understander
	// Correct typos once per token (see the rule above).
	fixed := make([]string, len(toks))
	for i, t := range toks {
		fixed[i] = m.correct(t)
	}
	// The crisis patterns read the message without its harmless phrases.
	ctoks := m.mask(fixed, uniqTokens(fixed))
	found := make([]bool, len(Intents))
	vetoed := make([]bool, len(Intents))
	negated := make([]bool, len(Intents)) // a pattern matched, but negated
	atStart := make([]bool, len(Intents)) // found by a pattern that starts the message
	var words []wordAt
	var personAt []int                   // where the person patterns matched
	led := answering && answerLed(fixed) // reads as an answer (before a question about a word is ruled out)
	// "vroeger vertrouwde ik de overheid, nu niet meer. 2": a message that
	// closes with an answer of its own is an answer throughout; so are
	// "..., dus helemaal eens" and "... ik zeg 2" (eighteenth round).
	closes := closesWithAnswer(fixed)
	cand := make([]bool, len(m.patterns))
	var utoks []string // fixed without an opening answer word, for urgent
	var scratch memo
	uniq := make([]string, 0, len(fixed))
	for _, t := range fixed {
		if t != clauseBreak && !slices.Contains(uniq, t) {
			uniq = append(uniq, t)
		}
	}
	for _, t := range uniq {
		for _, i := range m.byWord[t] {
			cand[i] = true
		}
		for _, r := range m.byPrefix {
			if strings.HasPrefix(t, r.prefix) {
				cand[r.pattern] = true
			}
		}
		for _, r := range m.bySuffix {
			if strings.HasSuffix(t, r.prefix) {
				cand[r.pattern] = true
			}
		}
	}
	for pi := range m.patterns {
		if !cand[pi] {
			continue
		}
		p := &m.patterns[pi]
		if !p.possible(uniq) {
			continue
		}
		toks := fixed
		if p.intent == IntentCrisis {
			toks = ctoks
		} else if p.intent == IntentUrgent && led && len(fixed) > 1 && answerWords[fixed[0]] && fixed[1] == clauseBreak {
			// "no, i know where to go, the food bank helps me": the
			// answer's own "no" is no part of an emergency (thirteenth
			// round); "nee, geen eten meer" still is one.
			if utoks == nil {
				utoks = slices.Clone(fixed)
				utoks[0] = masked
			}
			toks = utoks
		}
		start, ok := p.match(toks, &scratch)
		if !ok {
			continue
		}
		if p.veto {
			vetoed[intentIndex(p.intent)] = true
			continue
		}
		if p.mention && led {
			// "ja, ik ben bang voor brieven van de deurwaarder": in an
			// answer the bailiff named is no bailiff at the door.
			continue
		}
		if !p.negates && p.intent == IntentUrgent && led && negatedInClause(fixed, start) {
			// "oneens, mijn stroom is nooit afgesloten": in an answer,
			// a negation anywhere in the clause turns an emergency
			// around. Outside an answer only one before it does: "de
			// stroom is nog niet afgesloten, maar morgen wel" is urgent.
			negated[intentIndex(p.intent)] = true
			continue
		}
		if !p.negates && p.intent != IntentCrisis && (negatedBefore(fixed, start) || p.intent != IntentUrgent && !p.anyOrder && negatedAfterModal(fixed, start)) {
			if p.intent != "" {
				negated[intentIndex(p.intent)] = true // "ik wil geen mens spreken"
			}
			continue
		}
		if p.intent != "" && start == 0 && answerWords[fixed[0]] {
			// The pattern itself starts with an answer word ("no more
			// questions"): the message is not an answer.
			atStart[intentIndex(p.intent)] = true
		}
		if p.intent != "" && led && !closes && (laterPlainClause(fixed, start) || laterRequest(fixed, start)) {
			// "ik vind dit lastig met de computer. is er een nummer
			// waar ik een mens krijg?": the answer-like opening does not
			// reach a later sentence that answers nothing.
			atStart[intentIndex(p.intent)] = true
		}
		if p.intent == IntentPerson {
			personAt = append(personAt, start)
		}
		if p.word != "" {
			dup := false
			for i, w := range words {
				if w.word == p.word {
					dup = true
					words[i].at = min(w.at, start)
				}
			}
			if !dup {
				words = append(words, wordAt{p.word, start})
			}
		}
		for i, in := range Intents {
			if in == p.intent {
				found[i] = true
			}
		}
	}
	asks := asksMeaning(fixed)
	if len(words) > 0 && asks {
		// "wat is een deurwaarder": a question about the word, not a
		// bailiff at the door; unless the message also says it is
		// happening to them: "wat is beslag? de deurwaarder heeft het op
		// mijn rekening gelegd" is urgent (urgent outranks explain).
		found[explainIndex] = true
		if !happensToThem(fixed) {
			found[intentIndex(IntentUrgent)] = false
		}
	}
	if asks && found[personIndex] && askedAbout(fixed, personAt) {
		// "wat bedoelt u met persoonlijke aandacht?": the statement's
		// own words in a question about what they mean, not a request
		// for a person.
		found[personIndex] = false
		found[explainIndex] = true
	}
	for i := range found {
		found[i] = found[i] && !vetoed[i]
	}
	answerLike := answering && !asks && answerLed(fixed)
	if answerLike {
		for i, in := range Intents {
			if in != IntentCrisis && in != IntentUrgent && !atStart[i] {
				found[i] = false
			}
		}
	}
	// When the rules found nothing, the model may (bayes.go): only crisis,
	// urgent or person, never one the rules saw negated or vetoed, and
	// for a message that reads as an answer only a crisis.
	none := true
	for _, f := range found {
		none = none && !f
	}
	// The crisis model (logistic.go) reads every message the rules did
	// not find a crisis in.
	ci := intentIndex(IntentCrisis)
	pCrisis := -1.0
	if !found[ci] && !vetoed[ci] {
		pCrisis = crisisModel.prob(ctoks)
	}
	if none {
		answerLike = answerLike || answering && segment.Parse(text).Kind != segment.NotUnderstood
		in := model.backstop(fixed, ctoks, answerLike, led)
		if in == IntentCrisis && pCrisis < logitConfirm {
			in = IntentNone // the two models disagree
		}
		if in != IntentNone && !vetoed[intentIndex(in)] && !negated[intentIndex(in)] {
			found[intentIndex(in)] = true
		}
	}
	if pCrisis >= 0 && !found[ci] {
		th := logitNone
		if !none {
			th = logitOver
		}
		if answerLike || led {
			th = max(th, logitAnswer)
		}
		found[ci] = pCrisis >= th
	}
	var out Meaning
	for i, f := range found {
		if f {
			out.Intents = append(out.Intents, Intents[i])
		}
	}
	if out.Has(IntentExplain) {
		sort.SliceStable(words, func(i, j int) bool { return words[i].at < words[j].at })
		for _, w := range words {
			out.Words = append(out.Words, w.word)
		}
	}
	return out
}

var (
	explainIndex = intentIndex(IntentExplain)
	personIndex  = intentIndex(IntentPerson)
)

// meaningWords ask what something means in any clause they stand in.
var meaningWords = map[string]bool{
	"bedoel": true, "bedoelt": true, "bedoelen": true, "bedoeld": true, "betekent": true, "betekend": true,
	"betekenen": true, "betekenis": true, "mean": true, "means": true, "meaning": true, "meant": true,
}

// askedAbout reports whether every position in at (where a pattern
// matched) lies in a clause that asks what something means, or in a
// short clause right before a short one that does ("persoonlijke
// aandacht? hoe bedoel je"). A clause asks what something means when it
// has a word of meaningWords, or when it is short (five words at most)
// and asksMeaning reads it as a question ("wat is persoonlijke
// aandacht"); "wat is het nummer van een medewerker" is a request.
func askedAbout(toks []string, at []int) bool {
	if len(at) == 0 {
		return false
	}
	var clauses [][2]int // start, end (exclusive)
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i == len(toks) || toks[i] == clauseBreak {
			if i > start {
				clauses = append(clauses, [2]int{start, i})
			}
			start = i + 1
		}
	}
	asking := func(c [2]int) bool {
		clause := toks[c[0]:c[1]]
		for _, t := range clause {
			if meaningWords[t] {
				return true
			}
		}
		return len(clause) <= 5 && asksMeaning(clause)
	}
	for _, a := range at {
		ok := false
		for ci, c := range clauses {
			if a < c[0] || a >= c[1] {
				continue
			}
			ok = asking(c) || ci+1 < len(clauses) && c[1]-c[0] <= 4 && clauses[ci+1][1]-clauses[ci+1][0] <= 4 && asking(clauses[ci+1])
		}
		if !ok {
			return false
		}
	}
	return true
}

// intentIndex returns the position of in in Intents.
func intentIndex(in Intent) int {
	for i, x := range Intents {
		if x == in {
			return i
		}
	}
	panic("dialogue: unknown intent " + string(in))
}

// asksMeaning reports whether a message asks what something is or means:
// "wat is ...", "wat betekent ...", "what is ...", "what does ... mean".
func asksMeaning(toks []string) bool {
	for i, t := range toks {
		switch t {
		case "betekent", "betekend", "betekenen", "betekenis", "uitleg", "mean", "means", "meaning", "explain", "whats":
			return true
		case "welk", "welke", "which":
			// "welke overheid bedoel je?" (thirteenth round)
			for j := i + 1; j < len(toks) && j <= i+4 && toks[j] != clauseBreak; j++ {
				if meaningWords[toks[j]] {
					return true
				}
			}
		case "hoe", "how":
			// "hoe bedoel je", "how do you mean"
			for j := i + 1; j < len(toks) && j <= i+3 && toks[j] != clauseBreak; j++ {
				if meaningWords[toks[j]] {
					return true
				}
			}
		case "wat", "what":
			// "wat is ...", "what does ... mean", "ik weet niet wat een
			// toeslag is"; "what do i do" asks for help, not a meaning
			// (thirteenth round: "the bailiff is at my door, what do i
			// do" is urgent).
			for j := i + 1; j < len(toks) && j <= i+4 && toks[j] != clauseBreak; j++ {
				switch toks[j] {
				case "is", "zijn", "bedoel", "bedoelen", "bedoelt", "bedoeld", "are":
					return true
				}
			}
		}
	}
	return false
}

// situationWords say that something is happening to the writer: a person
// (ik, mijn, we), a time (vandaag, morgen) or the door.
var situationWords = map[string]bool{
	"ik": true, "mijn": true, "mn": true, "me": true, "mij": true, "we": true, "wij": true, "ons": true, "onze": true,
	"i": true, "im": true, "my": true, "us": true, "our": true,
	"vandaag": true, "morgen": true, "nu": true, "today": true, "tomorrow": true, "now": true, "deur": true, "door": true,
	"maandag": true, "dinsdag": true, "woensdag": true, "donderdag": true, "vrijdag": true, "zaterdag": true, "zondag": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
	"heb": true, "kreeg": true, "gekregen": true, "got": true, "received": true, "komen": true, "komt": true, "kwam": true,
	"came": true, "coming": true, "staat": true, "stond": true, "took": true, "gelegd": true,
}

// happensToThem reports whether a message that asks what a word means
// also says, in a clause that asks nothing, that it is happening to them:
// "wat is beslag? de deurwaarder heeft het op mijn rekening gelegd". "wat
// is loonbeslag eigenlijk" does not.
func happensToThem(toks []string) bool {
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && toks[i] != clauseBreak && toks[i] != "maar" && toks[i] != "but" {
			continue // "ik weet niet wat beslag is maar ze gaan mijn loon inhouden"
		}
		clause := toks[start:i]
		start = i + 1
		if asksMeaning(clause) || aboutTheWord(clause) {
			continue
		}
		for _, t := range clause {
			if situationWords[t] {
				return true
			}
		}
	}
	return false
}

// aboutTheWord reports whether a clause speaks of the word asked about,
// not of a situation: "ik ken dat woord niet" (twelfth round).
func aboutTheWord(clause []string) bool {
	for _, t := range clause {
		switch t {
		case "woord", "woorden", "word", "words", "ken", "kende", "betekenis", "term":
			return true
		}
	}
	return false
}

// uniqTokens returns the distinct words of toks.
func uniqTokens(toks []string) []string {
	var out []string
	for _, t := range toks {
		if t != clauseBreak && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// masked stands for a word of a harmless phrase (a "~" line).
const masked = "_"

// mask returns toks with the words of every harmless phrase replaced by
// masked; toks itself when there is none. Each phrase is matched on the
// message as typed, so the order of the "~" lines does not matter: "bang
// dat ik de huur niet kan betalen" is hidden whole even though "kan ...
// betalen" is a phrase of its own too.
func (m *matcher) mask(toks, uniq []string) []string {
	out := toks
	for k := range m.masks {
		p := &m.masks[k]
		if !p.possible(uniq) {
			continue
		}
		for s := 0; s < len(out); s++ {
			e := p.span(toks, s, 0)
			if e <= s {
				continue
			}
			if &out[0] == &toks[0] {
				out = slices.Clone(toks)
			}
			for i := s; i < e; i++ {
				if out[i] != clauseBreak {
					out[i] = masked
				}
			}
			s = e - 1
		}
	}
	return out
}

// span returns where a match of the pattern's words from k on, starting
// at position i, ends; -1 when there is none. For the short "~" lines,
// which hold words, ".." and ?word only.
func (p *pattern) span(toks []string, i, k int) int {
	if k == len(p.words) {
		return i
	}
	w := &p.words[k]
	if w.gap {
		for skip := 0; skip <= 3; skip++ {
			if skip > 0 && (i+skip-1 >= len(toks) || toks[i+skip-1] == clauseBreak) {
				return -1
			}
			if e := p.span(toks, i+skip, k+1); e >= 0 {
				return e
			}
		}
		return -1
	}
	if i < len(toks) && w.matches(toks[i]) {
		if e := p.span(toks, i+1, k+1); e >= 0 {
			return e
		}
	}
	if w.optional {
		return p.span(toks, i, k+1)
	}
	return -1
}

// wordAt is a word asked about and where it stands in the message.
type wordAt struct {
	word string
	at   int
}

// answerLed reports whether a message reads as an answer: it starts with
// an answer word, or uses a word of the scale.
func answerLed(toks []string) bool {
	// "ik wil liever persoonlijk contact, ja": an answer word as the
	// last clause on its own.
	if n := len(toks); n >= 3 && toks[n-2] == clauseBreak && answerWords[toks[n-1]] ||
		n >= 4 && toks[n-1] == clauseBreak && toks[n-3] == clauseBreak && answerWords[toks[n-2]] {
		return true
	}
	if shortEcho(toks) {
		return true
	}
	// "2, the letters are always too difficult for me": a point of the
	// scale as a clause of its own opens an answer (tenth round).
	if scaleDigit(toks[0]) && (len(toks) == 1 || toks[1] == clauseBreak) {
		return true
	}
	// "een 5 want ik heb mensen nodig die me echt helpen" (eleventh round),
	// "nummer 5 graag" (thirteenth): a point introduced; "5 want ik praat
	// graag rustig met een medewerker" (twelfth): a point with its reason.
	if len(toks) >= 2 && pointIntros[toks[0]] && scaleDigit(toks[1]) {
		return true
	}
	if len(toks) >= 2 && scaleDigit(toks[0]) && reasonWords[toks[1]] {
		return true
	}
	// "mijn vader zegt 2", "ik kies 4": a point said or chosen
	// (fourteenth round), also at the end of the first clause: "id say 3,
	// some days i get it" (seventeenth).
	if saysPoint(toks) {
		return true
	}
	if c := slices.Index(toks, clauseBreak); c >= 2 && saysPoint(toks[:c]) {
		return true
	}
	// "veels te moeilijke woorden ja, helemaal eens": a last clause of
	// answer words only, or another answer of its own (closesWithAnswer).
	if closesWithAnswer(toks) {
		return true
	}
	// "not at all, the letters are way too complicated for me": a first
	// clause that is an answer phrase on its own (twentieth round).
	if c := slices.Index(toks, clauseBreak); c > 0 && answerPhrases[strings.Join(toks[:c], " ")] {
		return true
	}
	// "ik gebruik geen computer dus nee": an answer word or a point of the
	// scale after dus/so ends it; so does a point of the scale as the last
	// clause ("talking to someone on the phone is easier for me, 5").
	if n := len(toks); n >= 3 && (toks[n-2] == "dus" || toks[n-2] == "so" || toks[n-2] == clauseBreak) && (answerWords[toks[n-1]] || scaleDigit(toks[n-1])) {
		return true
	}
	for i, t := range toks {
		if t == clauseBreak {
			continue
		}
		if i == 0 || (i == 1 && toks[0] == clauseBreak) {
			if answerWords[t] {
				return true
			}
		}
		if (t == "vind" || t == "vindt") && i+1 < len(toks) && (toks[i+1] == "jij" || toks[i+1] == "je" || toks[i+1] == "u") {
			continue // "wat vind jij van ajax": a question to the bot
		}
		if scaleWords[t] || t == "eens" && i > 0 && toks[i-1] == "mee" {
			return true
		}
	}
	return false
}

// laterPlainClause reports whether position start lies in a clause after
// the first that holds no answer or scale word, while the first clause is
// a sentence of its own (four words or more, not opened by an answer
// word): "ja, ik praat liever met een mens" stays an answer.
func laterPlainClause(toks []string, start int) bool {
	first := slices.Index(toks, clauseBreak)
	if first < 4 || start < first || answerWords[toks[0]] {
		return false
	}
	lo := start
	for lo > 0 && toks[lo-1] != clauseBreak {
		lo--
	}
	for i := lo; i < len(toks) && toks[i] != clauseBreak; i++ {
		if answerWords[toks[i]] || scaleWords[toks[i]] || isAnswerWord(toks[i]) {
			return false
		}
	}
	return true
}

// connectives may open a clause before what it does: "en kan ik ...".
var connectives = map[string]bool{"en": true, "maar": true, "and": true, "but": true, "ook": true, "also": true, "wel": true, "nu": true, "now": true}

// laterRequest reports whether position start lies in a clause after the
// first that opens as a request (tenth round): a question with a modal
// ("eens, en kan ik nu ook echt iemand spreken"), "graag" or "please";
// or, after an opening that is no answer word, a wish ("4. maar ik wil
// wel graag dat iemand me belt"). "ja, ik wil liever een mens" stays an
// answer.
func laterRequest(toks []string, start int) bool {
	lo := start
	for lo > 0 && toks[lo-1] != clauseBreak {
		lo--
	}
	if lo == 0 {
		return false
	}
	for lo < start && connectives[toks[lo]] {
		lo++
	}
	if lo+1 >= len(toks) {
		return false
	}
	a, b := toks[lo], toks[lo+1]
	switch {
	case askModals[a] && askSubjects[b], a == "graag" || a == "please" || a == "pls":
		return true
	case (a == "ik" || a == "i") && (b == "wil" || b == "want" || b == "would" || b == "zou" || b == "wou"):
		return !answerWords[toks[0]]
	}
	return false
}

// answerPhrases answer on their own, as the first clause of a message.
var answerPhrases = map[string]bool{
	"helemaal niet": true, "totaal niet": true, "echt niet": true, "zeker niet": true, "niet echt": true,
	"niet waar": true, "helemaal waar": true, "dat klopt": true, "klopt wel": true, "klopt niet": true,
	"not at all": true, "absolutely not": true, "definitely not": true, "not really": true, "of course": true,
	"not true": true, "very true": true, "thats right": true, "thats true": true, "thats not true": true,
}

// pointIntros introduce a point of the scale: "een 5", "nummer 3".
var pointIntros = map[string]bool{"een": true, "a": true, "nummer": true, "number": true, "optie": true, "option": true, "antwoord": true, "answer": true}

// reasonWords give the reason for an answer right after it: "5 want ...".
var reasonWords = map[string]bool{"want": true, "omdat": true, "because": true, "since": true, "cause": true, "coz": true, "cos": true, "dus": true, "so": true}

// sayWords say or choose a point: "mijn vader zegt 2".
var sayWords = map[string]bool{"zegt": true, "zeg": true, "zeggen": true, "says": true, "say": true, "kies": true, "kiest": true,
	"choose": true, "pick": true, "geef": true, "geeft": true, "gok": true, "antwoord": true, "answer": true, "doe": true}

// answerFillers may stand in a clause of answer words: "helemaal mee eens".
var answerFillers = map[string]bool{"helemaal": true, "mee": true, "totaal": true, "echt": true, "wel": true, "niet": true,
	"strongly": true, "totally": true, "completely": true, "fully": true, "really": true, "somewhat": true, "hoor": true, "zeker": true}

// lastClause returns where the last clause of a message of more than one
// clause starts and ends; ok is false for a message of one clause.
func lastClause(toks []string) (lo, end int, ok bool) {
	end = len(toks)
	for end > 0 && toks[end-1] == clauseBreak {
		end--
	}
	lo = end
	for lo > 0 && toks[lo-1] != clauseBreak {
		lo--
	}
	return lo, end, lo > 0 && lo < end
}

// saysPoint reports whether toks end in a point said or chosen: "zeg 2",
// also with a filler between ("geef maar 1", "doe dan 3"; twenty-first
// round).
func saysPoint(toks []string) bool {
	n := len(toks)
	if n < 2 || !scaleDigit(toks[n-1]) {
		return false
	}
	return sayWords[toks[n-2]] || n >= 3 && sayFillers[toks[n-2]] && sayWords[toks[n-3]]
}

// sayFillers may stand between a say word and its point.
var sayFillers = map[string]bool{"maar": true, "dan": true, "gewoon": true, "toch": true, "then": true, "just": true, "it": true}

// pointTail may follow a point of the scale in a clause of its own: "2
// voor deze", "3 for this one".
var pointTail = map[string]bool{"voor": true, "deze": true, "die": true, "dan": true, "maar": true, "hoor": true, "graag": true,
	"vraag": true, "stelling": true, "for": true, "this": true, "that": true, "one": true, "question": true, "then": true, "please": true,
	// "4 zou ik zeggen", "3 i would say" (twenty-second round)
	"zou": true, "ik": true, "zeggen": true, "denk": true, "gok": true, "i": true, "would": true, "say": true, "think": true, "guess": true, "id": true}

// answerClause reports whether a clause holds answer words only.
func answerClause(clause []string) bool {
	answer := false
	for _, t := range clause {
		switch {
		case answerWords[t] || t == "eens" || t == "oneens":
			answer = true
		case !answerFillers[t]:
			return false
		}
	}
	return answer
}

// closingConnectives may open a last clause that answers: "dus helemaal
// eens", "so 4".
var closingConnectives = map[string]bool{"dus": true, "so": true, "en": true, "and": true, "daarom": true}

// closesWithAnswer reports whether the last clause of a message of more
// than one clause is an answer of its own: answer words only, a point
// said ("ik zeg 2", "i'd say 4") or either after a connective ("dus
// helemaal eens").
func closesWithAnswer(toks []string) bool {
	lo, end, ok := lastClause(toks)
	if !ok {
		return false
	}
	for lo < end-1 && closingConnectives[toks[lo]] {
		lo++
	}
	last := toks[lo:end]
	switch n := len(last); {
	case n == 1 && scaleDigit(last[0]):
		return true
	case n >= 2 && n <= 4 && saysPoint(last):
		return true // "ik zeg 2", "dus ik kies 4"
	case n >= 2 && n <= 4 && scaleDigit(last[0]) && allIn(last[1:], pointTail):
		return true // "dus 2 voor deze"
	}
	return answerClause(last)
}

// allIn reports whether every token is in set.
func allIn(toks []string, set map[string]bool) bool {
	for _, t := range toks {
		if !set[t] {
			return false
		}
	}
	return true
}

// scaleDigit reports whether t is a point of the answer scale, 1 to 5.
func scaleDigit(t string) bool {
	return len(t) == 1 && t[0] >= '1' && t[0] <= '5'
}

// echoStops are words that make a short opening more than an echo of
// the statement: the writer speaking of themself or asking something.
var echoStops = map[string]bool{
	"ik": true, "i": true, "im": true, "me": true, "mij": true, "wil": true, "want": true, "wanna": true,
	"kan": true, "kun": true, "kunt": true, "can": true, "mag": true, "may": true, "help": true, "hulp": true,
	"wat": true, "what": true, "wie": true, "who": true, "hoe": true, "how": true, "waarom": true, "why": true,
	// (tenth round) "real person please no chatbot" asks, it echoes nothing.
	"please": true, "pls": true, "graag": true, "aub": true, "alsjeblieft": true,
}

// shortEcho reports whether a message echoes the statement in a few
// words and then answers it: "moeilijke woorden ja, altijd!",
// "persoonlijke aandacht, ja graag", "difficult words yes". The echo is
// one to three words, none of echoStops, followed (in the same clause
// or at the start of the next) by an answer word.
func shortEcho(toks []string) bool {
	for i, t := range toks {
		if i == 0 {
			continue
		}
		if t == clauseBreak {
			if i+1 < len(toks) && answerWords[toks[i+1]] && i <= 3 {
				return true
			}
			return false
		}
		if i > 3 || echoStops[t] {
			return false
		}
		if answerWords[t] && !(t == "eens" && i+1 < len(toks) && eensParticle[toks[i+1]]) {
			return true
		}
	}
	return false
}

// eensParticle are words after which "eens" is the particle of a request
// ("vertel eens een mop", "leg het eens uit"), not agreement.
var eensParticle = map[string]bool{"een": true, "het": true, "de": true, "uit": true, "wat": true, "iets": true, "even": true, "dit": true, "dat": true, "naar": true}

// scopeEnds are the words a negation does not reach past.
var scopeEnds = map[string]bool{clauseBreak: true, "maar": true, "but": true, "en": true, "and": true, "because": true, "omdat": true,
	"wat": true, "what": true, "waar": true, "where": true, "wie": true, "who": true, "of": true, "if": true,
	// (tenth round) "heb geen eigen plek meer sinds de ontruiming": the
	// negation ends where a clause of time or consequence begins.
	"sinds": true, "since": true, "toen": true, "nadat": true, "dus": true}

// negatedBefore reports whether a negator stands before position start in
// the same clause.
//
// A Dutch subordinate clause that ends in "niet meer is/was" ("nu mijn man
// er niet meer is moet ik het huis uit", ninth round) is closed by its
// verb: its negation does not reach the main clause after it.
func negatedBefore(toks []string, start int) bool {
	for i := start - 1; i >= 0; i-- {
		if scopeEnds[toks[i]] || closedNegation(toks, i) {
			return false
		}
		if i+1 < start && askModals[toks[i]] && askSubjects[toks[i+1]] {
			// "ik typ niet goed kan iemand mij bellen": a question
			// ("kan iemand") begins a clause of its own (fourteenth round).
			return false
		}
		if negators[toks[i]] && !rhetorical(toks, i) && !conditional(toks, i) {
			return true
		}
	}
	return false
}

// conditional reports whether the negator at toks[i] is the "not" of
// "if not": "ben jij een mens? zo niet wil ik een mens" (fourteenth round).
func conditional(toks []string, i int) bool {
	return i > 0 && (toks[i-1] == "zo" || toks[i-1] == "if" || toks[i-1] == "indien" || toks[i-1] == "anders")
}

// askModals and askSubjects open a question: "kan ik", "kunnen jullie".
var (
	askModals   = map[string]bool{"kan": true, "kun": true, "kunt": true, "kunnen": true, "mag": true, "mogen": true, "can": true, "could": true, "cant": true, "couldnt": true}
	askSubjects = map[string]bool{"ik": true, "je": true, "jij": true, "u": true, "we": true, "wij": true, "jullie": true, "i": true, "you": true,
		"iemand": true, "er": true, "someone": true, "somebody": true, "anyone": true}
)

// rhetorical reports whether the negator at toks[i] stands in a question
// that asks for something ("kan ik niet gewoon iemand spreken?", "waarom
// kan ik niet even iemand bellen"): modal, subject, negator at the start
// of a clause (or after waarom/why). Such a negation asks, it does not
// refuse.
func rhetorical(toks []string, i int) bool {
	if i < 2 || !askSubjects[toks[i-1]] || !askModals[toks[i-2]] {
		return false
	}
	return i == 2 || toks[i-3] == clauseBreak || toks[i-3] == "waarom" || toks[i-3] == "why"
}

// wantModals open a wish: "ik wil ...", "i want ...".
var wantModals = map[string]bool{"wil": true, "wilt": true, "willen": true, "wou": true, "hoef": true, "hoeft": true, "want": true, "wanna": true, "need": true, "would": true}

// negatedAfterModal reports whether a pattern that starts at a wish
// ("wil .. gesprek") has a negator right after it, in the gap: "ik wil
// geen gesprek met iemand" is no request for a person (tenth round).
func negatedAfterModal(toks []string, start int) bool {
	if !wantModals[toks[start]] {
		return false
	}
	for i := start + 1; i < len(toks) && i <= start+2 && !scopeEnds[toks[i]]; i++ {
		if negators[toks[i]] {
			return true
		}
	}
	return false
}

// closedNegation reports whether toks[i] is the verb that closes a
// subordinate "niet meer is/was" clause.
func closedNegation(toks []string, i int) bool {
	return (toks[i] == "is" || toks[i] == "was") && i >= 2 && toks[i-1] == "meer" && toks[i-2] == "niet"
}

// negatedInClause reports whether a negator stands anywhere in the
// clause (as negatedBefore bounds it) of position start.
func negatedInClause(toks []string, start int) bool {
	if negatedBefore(toks, start) {
		return true
	}
	for i := start + 1; i < len(toks) && !scopeEnds[toks[i]]; i++ {
		if negators[toks[i]] {
			return true
		}
	}
	return false
}

// inLexicon reports whether a token of the message is in the vocabulary
// of intent in (its "@lex" word group).
func (m *matcher) inLexicon(toks []string, in Intent) bool {
	w, ok := m.lexicon[intentIndex(in)]
	if !ok {
		return false
	}
	for _, t := range toks {
		if t != clauseBreak && w.matches(t) {
			return true
		}
	}
	return false
}

// correct returns the pattern word a token is a typo of, or the token.
func (m *matcher) correct(t string) string {
	if realWords[t] {
		return t
	}
	return m.correctTypo(t)
}

// correctTypo is correct without the list of real words: the rule that
// list is generated from (TestRealWords).
func (m *matcher) correctTypo(t string) string {
	n := utf8.RuneCountInString(t)
	if n < 6 || n > 30 || m.known[t] || isAnswerWord(t) {
		return t
	}
	for _, pre := range m.prefixes {
		if strings.HasPrefix(t, pre) {
			return t // "uitleg" matches uitleg*: it is no typo of "uitweg"
		}
	}
	for _, suf := range m.suffixes {
		if strings.HasSuffix(t, suf) {
			return t
		}
	}
	const limit = 1
	best, bestD, tie := "", limit+1, false
	for _, w := range append(append(m.byLen[n-1], m.byLen[n]...), m.byLen[n+1]...) {
		if w[0] != t[0] {
			continue // first letters are rarely mistyped: "rather" is no "father"
		}
		d := editDistance(t, w, limit)
		switch {
		case d < bestD:
			best, bestD, tie = w, d, false
		case d == bestD && w != best:
			tie = true
		}
	}
	if bestD > limit || tie {
		return t
	}
	return best
}

// isAnswerWord reports whether the answer parser reads w as an answer
// word; such a word is never corrected into a pattern word.
func isAnswerWord(w string) bool {
	return answerWords[w] || scaleWords[w]
}

// memo is a pattern match's scratch space: which (word, position) pairs
// cannot lead to a match, and for each gap "..." the smallest position
// from which it is known to fail. With it the work grows with words ×
// positions, never faster: a long message of repeated words stays cheap.
type memo struct {
	failed  []bool
	gapFrom []int
}

func (m *memo) reset(words, positions int) {
	if cap(m.failed) < words*positions {
		m.failed = make([]bool, words*positions)
	}
	m.failed = m.failed[:words*positions]
	clear(m.failed)
	if cap(m.gapFrom) < words {
		m.gapFrom = make([]int, words)
	}
	m.gapFrom = m.gapFrom[:words]
	for i := range m.gapFrom {
		m.gapFrom[i] = positions
	}
}

// possible reports whether every required word of the pattern occurs
// among the message's distinct words: a cheap test before match.
func (p *pattern) possible(uniq []string) bool {
	for k := range p.words {
		w := &p.words[k]
		if w.gap || w.anyGap || w.end || w.optional {
			continue
		}
		if !slices.ContainsFunc(uniq, w.matches) {
			return false
		}
	}
	return true
}

// match finds the pattern in toks; it returns where the match starts.
func (p *pattern) match(toks []string, m *memo) (int, bool) {
	if p.anyOrder {
		first := len(toks)
		for _, w := range p.words {
			at := -1
			for i, t := range toks {
				if w.matches(t) {
					at = i
					break
				}
			}
			if at < 0 {
				return 0, false
			}
			first = min(first, at)
		}
		return first, true
	}
	m.reset(len(p.words), len(toks)+1)
	// From the last start to the first, so that a gap reuses what the
	// later starts found; the first start that matches is returned.
	first, ok := 0, false
	for s := len(toks) - 1; s >= 0; s-- {
		if toks[s] == clauseBreak || p.start && s > 0 {
			continue
		}
		if p.matchAt(toks, s, 0, m) {
			first, ok = s, true
		}
	}
	return first, ok
}

func (p *pattern) matchAt(toks []string, i, k int, m *memo) bool {
	if k == len(p.words) {
		return true
	}
	cell := k*(len(toks)+1) + i
	if m.failed[cell] {
		return false
	}
	if p.step(toks, i, k, m) {
		return true
	}
	m.failed[cell] = true
	return false
}

func (p *pattern) step(toks []string, i, k int, m *memo) bool {
	w := p.words[k]
	if w.end {
		// The end of the message or of a clause.
		return (i == len(toks) || toks[i] == clauseBreak) && p.matchAt(toks, i, k+1, m)
	}
	if w.anyGap {
		// What follows may start at i or anywhere after it; from
		// gapFrom[k] on it is known to fail.
		for j := i; j < m.gapFrom[k]; j++ {
			if p.matchAt(toks, j, k+1, m) {
				return true
			}
		}
		m.gapFrom[k] = min(m.gapFrom[k], i)
		return false
	}
	if w.gap {
		for skip := 0; skip <= 3; skip++ {
			if skip > 0 && (i+skip-1 >= len(toks) || toks[i+skip-1] == clauseBreak) {
				return false
			}
			if p.matchAt(toks, i+skip, k+1, m) {
				return true
			}
		}
		return false
	}
	if i < len(toks) && w.matches(toks[i]) && p.matchAt(toks, i+1, k+1, m) {
		return true
	}
	if w.optional {
		return p.matchAt(toks, i, k+1, m)
	}
	return false
}

func (w *pword) matches(t string) bool {
	if w.set != nil {
		if w.set[t] {
			return true
		}
	} else {
		for _, a := range w.alts {
			if t == a {
				return true
			}
		}
	}
	for _, pre := range w.prefixes {
		if strings.HasPrefix(t, pre) {
			return true
		}
	}
	for _, suf := range w.suffixes {
		if strings.HasSuffix(t, suf) {
			return true
		}
	}
	return false
}

// editDistance is segment.Distance, the distance the answer parser's typo
// matching uses too, limited to words of at most 31 runes.
func editDistance(a, b string, limit int) int {
	if utf8.RuneCountInString(a) > 31 {
		return limit + 1
	}
	return segment.Distance(a, b, limit)
}
