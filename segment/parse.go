package segment

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseKind says what kind of answer Parse read.
type ParseKind int

// The kinds of answer Parse can read.
const (
	NotUnderstood ParseKind = iota // the text is not a readable answer; ask again
	Value                          // Parsed.Value holds 1..5
	Skip                           // the person chose not to answer
	Why                            // the person asks why we ask
)

// String returns a short English name of the kind.
func (k ParseKind) String() string {
	switch k {
	case Value:
		return "value"
	case Skip:
		return "skip"
	case Why:
		return "why"
	}
	return "not understood"
}

// Parsed is the reading of a free-text answer.
type Parsed struct {
	Kind  ParseKind
	Value int // 1..5 when Kind is Value, else 0
	// Beside is set when the value was read beside words that are no
	// answer ("3, want ik praat graag met een medewerker"): the caller
	// may want to say more than "thank you" to what was written.
	Beside bool
}

// Valid reports whether p is a well-formed result: a known kind, and a
// value in 1..5 exactly when the kind is Value.
func (p Parsed) Valid() bool {
	if p.Kind == Value {
		return p.Value >= 1 && p.Value <= 5
	}
	return p.Value == 0 && p.Kind >= NotUnderstood && p.Kind <= Why
}

// maxParseLen bounds the text Parse reads: longer text is not an answer to
// a statement and is reported as not understood.
const maxParseLen = 300

// maxUnknown is how many unrecognised words Parse tolerates around an
// answer ("ja dat vind ik wel") before it gives up rather than guess.
const maxUnknown = 4

// word classes; a word can have several.
const (
	cYes     = 1 << iota // affirmative: ja, klopt, eens, belangrijk
	cNo                  // negative answer word: nee, oneens, disagree
	cNeg                 // negator: niet, not, geen
	cInt                 // intensifier: helemaal, heel, erg, strongly
	cMild                // a little: beetje, bit
	cNeutral             // neutral: neutraal, misschien, soms
	cWhy                 // waarom, why
	cSkip                // skip, overslaan, pass
	cFill                // filler words that carry no answer
	cWel                 // Dutch contrastive "wel"
	cAnd                 // en, and: "ja en nee"
	cSure                // zeker, sure: "niet zeker" = unsure
	cKnow                // weet, know: "weet ik niet"
	cSoft                // zo, really, very after a negator soften it: "niet zo"
	cAll                 // "at all"
)

// lexicon maps a normalised word to its classes. Words of four or more
// letters also match with small typos (see fuzzy).
var lexicon = map[string]int{
	// Dutch affirmative
	"ja": cYes, "jaa": cYes, "jawel": cYes, "jazeker": cYes | cInt, "jep": cYes, "jup": cYes, "jah": cYes,
	"klopt": cYes, "kloppen": cYes, "eens": cYes, "belangrijk": cYes, "inderdaad": cYes, "precies": cYes,
	"tuurlijk": cYes, "natuurlijk": cYes, "uiteraard": cYes, "correct": cYes, "prima": cYes,
	"zeker": cYes | cInt | cSure, "zekers": cYes | cInt, "absoluut": cYes | cInt, "helemaal": cYes | cInt,
	"oke": cYes, "ok": cYes, "okay": cYes, "okee": cYes, "okido": cYes, "waar": cFill, "goed": cYes, "fijn": cYes, "good": cYes,
	// English affirmative
	"yes": cYes, "yeah": cYes, "yep": cYes, "yup": cYes, "yea": cYes, "sure": cYes | cSure, "agree": cYes,
	"important": cYes, "true": cYes, "definitely": cYes | cInt, "absolutely": cYes | cInt,
	"certainly": cYes | cInt, "indeed": cYes, "course": cYes, "right": cYes,
	// negative answer words
	"nee": cNo, "neen": cNo, "nope": cNo, "no": cNo, "nah": cNo, "nein": cNo, "oneens": cNo,
	"onbelangrijk": cNo, "disagree": cNo, "unimportant": cNo, "false": cNo, "onzin": cNo,
	// negators
	"niet": cNeg, "nie": cNeg, "neit": cNeg, "not": cNeg, "geen": cNeg, "dont": cNeg, "nooit": cNeg | cInt,
	"never": cNeg | cInt, "isnt": cNeg, "doesnt": cNeg, "nt": cNeg,
	// intensifiers
	"heel": cInt, "erg": cInt, "zeer": cInt, "echt": cInt | cSoft, "totaal": cInt, "volledig": cInt,
	"enorm": cInt, "hartstikke": cInt, "super": cInt, "extreem": cInt, "ontzettend": cInt,
	"vreselijk": cInt, "mega": cInt, "strongly": cInt, "very": cInt | cSoft, "totally": cInt,
	"completely": cInt, "really": cInt | cSoft, "fully": cInt, "so": cSoft, "zo": cSoft, "zozeer": cSoft,
	"all": cAll,
	// a little, neutral
	"beetje": cMild, "bit": cMild, "little": cMild, "slightly": cMild, "enigszins": cMild,
	"neutraal": cNeutral, "neutral": cNeutral, "neither": cNeutral, "misschien": cNeutral,
	"maybe": cNeutral, "perhaps": cNeutral, "soms": cNeutral, "sometimes": cNeutral, "jein": cNeutral,
	"soso": cNeutral, "zozo": cNeutral, "meh": cNeutral, "mwah": cNeutral, "mwa": cNeutral,
	"middel": cNeutral, "gemiddeld": cNeutral, "half": cNeutral, "wisselend": cNeutral,
	"hangt": cNeutral, "depends": cNeutral, "twijfel": cNeutral, "ergens": cNeutral, "average": cNeutral,
	// why
	"waarom": cWhy, "why": cWhy, "waarvoor": cWhy, "hoezo": cWhy, "waarom?": cWhy,
	// skip
	"skip": cSkip, "overslaan": cSkip, "sla": cSkip, "pass": cSkip, "volgende": cSkip,
	"next": cSkip, "idk": cSkip, "geenidee": cSkip, "overslaat": cSkip,
	// small words that carry structure
	"wel": cWel, "en": cAnd, "and": cAnd, "weet": cKnow, "know": cKnow, "weten": cKnow,
	// fillers
	"ik": cFill, "i": cFill, "dat": cFill, "vind": cFill, "vindt": cFill, "het": cFill, "is": cFill,
	"hoor": cFill, "dan": cFill, "toch": cFill, "maar": cFill, "ook": cFill, "me": cFill, "mij": cFill,
	"je": cFill, "jij": cFill, "u": cFill, "de": cFill, "een": cFill, "die": cFill, "dit": cFill,
	"mee": cFill, "met": cFill, "the": cFill, "a": cFill, "am": cFill, "to": cFill, "it": cFill,
	"that": cFill, "do": cFill, "think": cFill, "well": cFill, "oh": cFill, "uh": cFill, "eh": cFill,
	"ehm": cFill, "hmm": cFill, "hm": cFill, "nou": cFill, "tja": cFill, "gewoon": cFill,
	"eigenlijk": cFill, "best": cFill, "redelijk": cFill, "vrij": cFill, "tamelijk": cFill,
	"wat": cFill, "meestal": cFill, "mostly": cFill, "fairly": cFill, "quite": cFill, "rather": cFill,
	"somewhat": cFill, "of": cFill, "or": cFill, "but": cFill, "en?": cFill, "zou": cFill,
	"zeggen": cFill, "denk": cFill, "vinden": cFill, "ben": cFill, "heb": cFill, "er": cFill,
	"daar": cFill, "daarmee": cFill, "ermee": cFill, "at": cFill, "this": cFill, "for": cFill,
	"my": cFill, "mijn": cFill, "voor": cFill, "in": cFill, "op": cFill, "van": cFill, "uit": cFill,
	"wij": cFill, "we": cFill, "you": cFill, "your": cFill, "jouw": cFill, "dus": cFill, "haha": cFill,
	"lol": cFill, "hoor!": cFill, "zijn": cFill, "was": cFill, "are": cFill, "its": cFill, "thats": cFill,
	"vraag": cFill, "vraagt": cFill, "vragen": cFill, "ask": cFill, "asking": cFill, "idee": cFill,
	"mening": cFill, "antwoord": cFill, "answer": cFill, "zeg": cFill, "liever": cFill, "wil": cFill,
	"graag": cFill, "geef": cFill, "cijfer": cFill, "score": cFill, "punt": cFill, "punten": cFill,
	"sorry": cFill, "hoi": cFill, "over": cFill, "nog": cFill, "al": cFill, "eh?": cFill, "bedoel": cFill,
	"mean": cFill, "recht": cFill, "niets": cFill, "niks": cFill, "meer": cFill, "want": cFill,
	"weer": cFill, "even": cFill, "keer": cFill, "heer": cFill, "eerst": cFill, "agreed": cYes,
	"deels": cMild, "gedeeltelijk": cMild, "partly": cMild, "partially": cMild,
	"nor": cFill, "vaak": cFill, "often": cFill, "usually": cFill,
}

// emoji maps emoji to the words they stand for in an answer.
var emoji = map[rune]string{
	'👍': "ja", '👌': "ja", '🙂': "ja", '😊': "ja", '😀': "ja", '😃': "ja", '😄': "ja", '😁': "ja",
	'☺': "ja", '✅': "ja", '✔': "ja", '☑': "ja", '🙆': "ja", '🤗': "ja",
	'💯': "zeker", '😍': "zeker", '❤': "zeker", '🥰': "zeker", '🤩': "zeker", '👏': "zeker",
	'😐': "neutraal", '😑': "neutraal", '😶': "neutraal", '🫤': "neutraal", '🤨': "neutraal",
	'👎': "nee", '🙁': "nee", '☹': "nee", '😕': "nee", '😞': "nee", '😟': "nee", '❌': "nee",
	'✖': "nee", '🚫': "nee", '🙅': "nee", '😒': "nee",
	'😠': "helemaal niet", '😡': "helemaal niet", '🤬': "helemaal niet",
	'🤷': "weet niet", '⏭': "skip",
	'❓': "waarom", '❔': "waarom",
}

// scaleFiller are the words that may stand beside a digit in an answer
// besides the lexicon's: "4 van de 5", "4 out of 5".
var scaleFiller = map[string]bool{"van": true, "uit": true, "op": true, "out": true, "of": true, "de": true, "geef": true, "give": true, "say": true, "id": true, "would": true}

// knownWords are real words that look like answer words ("mens" and
// "eens"). The typo rule: a word on this list is never corrected into an
// answer word, however close it is; only unknown words are.
var knownWords = map[string]bool{
	"mens": true, "mensen": true, "week": true, "weken": true, "geel": true, "heen": true, "geld": true,
	"teen": true, "been": true, "leen": true, "neef": true, "steen": true, "zeep": true, "meen": true,
	"goed": true, "goede": true, "hoed": true, "werk": true, "help": true, "hulp": true, "niets": true,
	"eten": true, "elke": true, "neem": true, "wees": true, "gees": true, "jaar": true, "maar": true,
	"waar": true, "naar": true, "haar": true, "klap": true, "klok": true, "kopen": true, "koopt": true,
	"zeggen": true, "dood": true, "mees": true, "leef": true, "leven": true,
	"nieuw": true, "neus": true, "noot": true, "node": true, "nood": true, "mooi": true,
	"beter": true, "belang": true, "belangen": true, "bang": true, "moet": true, "moeten": true,
	"snap": true, "snapt": true, "spreken": true, "praten": true, "bellen": true, "huis": true,
	"mean": true, "meant": true, "yet": true, "yesterday": true, "note": true, "nose": true, "now": true,
	"sue": true, "sore": true, "agent": true, "trust": true, "tree": true,
	"geven": true, "heeft": true, "keel": true, "kerel": true, "deel": true,
}

// numberWords are spelled-out scale values accepted as the only content.
var numberWords = map[string]int{
	"één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5,
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
}

// fold maps accented letters to plain ones.
var fold = strings.NewReplacer(
	"é", "e", "è", "e", "ë", "e", "ê", "e", "á", "a", "à", "a", "ä", "a", "â", "a",
	"ó", "o", "ò", "o", "ö", "o", "ô", "o", "í", "i", "ì", "i", "ï", "i", "î", "i",
	"ú", "u", "ù", "u", "ü", "u", "û", "u", "’", "", "'", "", "`", "",
)

// token is one word or number of an answer.
type token struct {
	w   string
	cls int
	num int // scale value for number tokens, -1 for other numbers, 0 for words
}

// Parse reads a free-text answer to a statement the way people answer in
// a chat, in Dutch or English: "ja hoor", "helemaal mee eens", "niet zo
// belangrijk", "4", "een 4", "4/5", 👍, "sla over", "waarom?". It copes
// with capitals, punctuation, extra words and small typos. Text it cannot
// read confidently is reported as NotUnderstood, never guessed.
func Parse(text string) Parsed {
	if len(text) > maxParseLen || !utf8.ValidString(text) {
		return Parsed{}
	}
	toks := tokenize(text)
	if len(toks) == 0 {
		return Parsed{}
	}
	if v, ok, bad := number(toks); bad {
		return Parsed{}
	} else if ok {
		// A digit inside other text is not an answer ("ik heb 2
		// kinderen", "<script>alert(1)</script>"): only scale words and
		// fillers may stand beside it ("een 4", "4 van de 5", "ik geef een 3").
		for _, t := range toks {
			if t.num == 0 && t.w != "/" && t.cls == 0 && !scaleFiller[t.w] {
				// Except a point of the scale that stands on its own at
				// the start or the end, beside its reason: "3, want ik
				// praat graag met een medewerker", "die brieven snap ik
				// nooit - 2".
				if pointSaid.MatchString(text) {
					return Parsed{Kind: Value, Value: v}
				}
				if lonePoint(text) {
					return Parsed{Kind: Value, Value: v, Beside: true}
				}
				return Parsed{}
			}
		}
		return Parsed{Kind: Value, Value: v}
	}
	return words(toks)
}

// A point of the scale on its own: at the start, followed by a comma,
// full stop, colon, semicolon or dash, or by a word that gives a reason;
// or at the end, after one of those marks. number has already made sure
// that no other value stands in the text.
//
// The point may be said or chosen ("geef maar 1, ...", "..., ik zeg 2",
// "id say 3, ...", "mijn vader zegt 2") and followed by a few words that
// say so ("4 zou ik zeggen", "dus 2 voor deze"), as the understanding
// step reads them too (dialogue.answerLed).
const (
	saysPoint = `(?i:(?:(?:ik|i|i'?d|i\s+would|i\s+will|i'?ll)\s+)?(?:zeg|zegt|zeggen|geef|geeft|kies|kiest|doe|gok|say|says|pick|choose|give|go\s+with)\s+(?:(?:maar|dan|gewoon|toch|een|a|it|for)\s+){0,2})?`
	pointTail = `(?i:\s+(?:zou\s+ik\s+zeggen|i\s+would\s+say|i'?d\s+say|denk\s+ik|i\s+think|i\s+guess|voor\s+deze(?:\s+vraag)?|for\s+this(?:\s+one)?|dan|maar|hoor))?`
)

var (
	lonePointStart = regexp.MustCompile(`^\s*` + saysPoint + `[1-5]\s*(?:[,.;:]|\s[-–—]|[-–—]\s)\s*\pL|^\s*[1-5]\s+(?i:want|omdat|because|since|cause|coz|cos|dus|so)\b`)
	lonePointEnd   = regexp.MustCompile(`\pL[^\pL\d]*(?:[,.;:]|\s[-–—])\s*(?i:(?:dus|so|en|and)\s+)?` + saysPoint + `[1-5]` + pointTail + `\s*[.!]*\s*$`)
	// "mijn vader zegt 2", "ik kies 4": a point said, the whole message.
	pointSaid = regexp.MustCompile(`^\s*(?:\pL+\s+){0,2}(?i:zeg|zegt|zeggen|geef|geeft|kies|kiest|gok|say|says|pick|choose)\s+(?i:(?:maar|dan|een|a)\s+)?[1-5]\s*[.!]*\s*$`)
)

// lonePoint reports whether text holds a point of the scale on its own,
// beside words that are no answer: "4, want ...", "..., 2".
func lonePoint(text string) bool {
	return lonePointStart.MatchString(text) || lonePointEnd.MatchString(text)
}

// tokenize lower-cases, folds accents, turns emoji into words and splits
// text into word and number tokens; "/" is kept as a token of its own.
func tokenize(text string) []token {
	var b strings.Builder
	for _, r := range text {
		if w, ok := emoji[r]; ok {
			b.WriteString(" " + w + " ")
			continue
		}
		b.WriteRune(r)
	}
	s := strings.ToLower(b.String())
	if n, ok := numberWords[strings.Trim(s, " .!?")]; ok {
		return []token{{w: s, num: n}}
	}
	s = fold.Replace(s)
	var toks []token
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r):
			j := i
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) {
					break
				}
				j += sz
			}
			w := Squeeze(s[i:j])
			toks = append(toks, token{w: w, cls: classify(w)})
			i = j
		case unicode.IsDigit(r):
			j := i
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsDigit(r2) {
					break
				}
				j += sz
			}
			n, err := strconv.Atoi(s[i:j])
			if err != nil || n < 1 || n > 5 {
				n = -1
			}
			toks = append(toks, token{w: s[i:j], num: n})
			i = j
		case r == '/':
			toks = append(toks, token{w: "/"})
			i += size
		default:
			i += size
		}
	}
	return toks
}

// Squeeze shortens runs of three or more equal letters to two: "jaaaa" to
// "jaa", "neeee" to "nee".
func Squeeze(w string) string {
	if len(w) < 3 {
		return w
	}
	rs := []rune(w)
	out := rs[:0]
	for i, r := range rs {
		if i >= 2 && r == rs[i-1] && r == rs[i-2] {
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

// classify looks a word up, first exactly and then with small typos.
func classify(w string) int {
	if c, ok := lexicon[w]; ok {
		return c
	}
	if knownWords[w] {
		return 0
	}
	if c, ok := fuzzy(w); ok {
		return c
	}
	return 0
}

// fuzzy matches a word of four or more letters against the lexicon with
// an edit distance (with transpositions) of 1, or 2 for words of eight or
// more letters. Ties between different classes are not guessed.
func fuzzy(w string) (int, bool) {
	n := utf8.RuneCountInString(w)
	if n < 4 || n > 30 {
		return 0, false
	}
	limit := 1
	if n >= 8 {
		limit = 2
	}
	best, cls, tie := limit+1, 0, false
	for k, c := range lexicon {
		kn := utf8.RuneCountInString(k)
		if kn < 4 || abs(kn-n) > limit {
			continue
		}
		d := Distance(w, k, limit)
		switch {
		case d < best:
			best, cls, tie = d, c, false
		case d == best && c != cls:
			tie = true
		}
	}
	if best > limit || tie {
		return 0, false
	}
	return cls, true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Distance is the optimal string alignment distance between a and b (an
// insertion, deletion, substitution or swap of two neighbouring letters
// each count one), or limit+1 when it exceeds limit. b may have at most 31
// runes; a longer b gives limit+1.
func Distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if len(rb) > 31 {
		return limit + 1
	}
	var buf [3][32]int
	prev2, prev, cur := buf[0][:len(rb)+1], buf[1][:len(rb)+1], buf[2][:len(rb)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// number reads a scale value given as a digit: "4", "4.", "een 4", "4/5",
// "4 van de 5". ok is false when there is no number; bad is true when
// there are numbers that are not one clear scale value.
func number(toks []token) (v int, ok, bad bool) {
	var nums []int
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.num == 0 {
			continue
		}
		// "x/5", "x van (de) 5", "x uit 5", "x op 5", "x out of 5": the
		// scale's maximum is not a second value.
		j := i + 1
		for j < len(toks) && (toks[j].w == "/" || toks[j].w == "van" || toks[j].w == "de" ||
			toks[j].w == "uit" || toks[j].w == "op" || toks[j].w == "out" ||
			toks[j].w == "of" && toks[j-1].w == "out") {
			j++
		}
		if j > i+1 && j < len(toks) && (toks[j].w == "5" || toks[j].w == "vijf" || toks[j].w == "five") {
			nums = append(nums, t.num)
			i = j
			continue
		}
		if j > i+1 && j < len(toks) && toks[j].num != 0 {
			return 0, false, true // "4/10": another scale
		}
		nums = append(nums, t.num)
	}
	if len(nums) == 0 {
		return 0, false, false
	}
	for _, n := range nums {
		if n != nums[0] || n < 1 {
			return 0, false, true
		}
	}
	return nums[0], true, false
}

// has reports whether any token has one of the classes.
func has(toks []token, cls int) bool {
	for _, t := range toks {
		if t.cls&cls != 0 {
			return true
		}
	}
	return false
}

// words reads an answer given in words.
func words(toks []token) Parsed {
	unknown := 0
	for _, t := range toks {
		if t.cls == 0 && t.w != "/" {
			unknown++
		}
	}
	if unknown > maxUnknown {
		return Parsed{}
	}
	// Content tokens: the ones that carry meaning, in order.
	var ct []token
	for _, t := range toks {
		if t.cls != 0 && t.cls&cFill == 0 {
			ct = append(ct, t)
		}
	}
	at := func(i int) int {
		if i < 0 || i >= len(ct) {
			return 0
		}
		return ct[i].cls
	}

	// Why do you ask? But "waarom niet" means yes.
	for i, t := range ct {
		if t.cls&cWhy != 0 {
			if at(i+1)&cNeg != 0 {
				return Parsed{Kind: Value, Value: 4}
			}
			return Parsed{Kind: Why}
		}
	}
	// Skipping: "sla over", "skip", "weet ik niet", "geen idee", "not sure",
	// "zeg ik liever niet".
	if has(ct, cSkip) {
		return Parsed{Kind: Skip}
	}
	for i, t := range ct {
		// "weet ik niet", "niet weten", and with a word or two between:
		// "ik weet het (echt) niet".
		if t.cls&cKnow != 0 && (at(i+1)&cNeg != 0 || at(i-1)&cNeg != 0 ||
			at(i+1)&cNeg == 0 && (at(i+2)&cNeg != 0 || at(i+3)&cNeg != 0) && i+4 >= len(ct)) {
			return Parsed{Kind: Skip}
		}
		if t.cls&cNeg != 0 && at(i+1)&cSure != 0 && t.cls&cInt == 0 {
			return Parsed{Kind: Skip}
		}
	}
	joined := " " + joinWords(toks) + " "
	for _, p := range []string{" geen idee ", " no idea ", " liever niet ", " rather not ", " geen mening ", " weet ik veel ", " wat weet ik ",
		" no opinion ", " geen antwoord ", " wil ik niet zeggen ", " zeg ik niet "} {
		if strings.Contains(joined, p) {
			return Parsed{Kind: Skip}
		}
	}
	for _, p := range []string{" dat is zo ", " is zo ", " dat is waar ", " is waar ", " thats true ", " thats right ",
		" that is true ", " klopt wel ", " dat klopt ", " zo is het "} {
		if strings.Contains(joined, p) && !has(ct, cNeg|cNo) {
			return Parsed{Kind: Value, Value: 4}
		}
	}
	for _, p := range []string{" neither agree nor disagree ", " niet eens en niet oneens ", " niet mee eens en niet mee oneens ",
		" neither ", " sort of ", " kind of ", " zo half ", " min of meer ", " more or less "} {
		if strings.Contains(joined, p) {
			return Parsed{Kind: Value, Value: 3}
		}
	}
	if strings.Contains(joined, " gaat wel ") || strings.Contains(joined, " so so ") ||
		strings.Contains(joined, " zo zo ") || strings.Contains(joined, " ja en nee ") ||
		strings.Contains(joined, " yes and no ") || strings.Contains(joined, " wel en niet ") {
		return Parsed{Kind: Value, Value: 3}
	}

	var yes, no, neg, strong, soft, mild, neutral, intensity, hard, wel bool
	for i := 0; i < len(ct); i++ {
		c := ct[i].cls
		switch {
		case c&cNeg != 0:
			neg = true
			if c&cInt != 0 { // nooit, never
				strong = true
			}
			next := at(i + 1)
			switch {
			case at(i-1)&cInt != 0:
				strong = true // helemaal niet, zeker niet, echt niet
			case next&(cInt|cSoft) != 0:
				soft = true // niet echt, niet zo, not really, niet heel
				i++
			case next&cNo != 0:
				neutral = true // niet oneens
				i++
			case next&cAll != 0:
				strong = true // not at all
			}
		case c&cNo != 0:
			no = true
			if at(i-1)&cInt != 0 {
				strong = true // helemaal oneens, strongly disagree
			}
		case c&cYes != 0 && c&cInt != 0: // zeker, helemaal, absoluut
			intensity, hard = true, true
		case c&cYes != 0:
			yes = true
		case c&cInt != 0:
			intensity = true
			hard = hard || c&cSoft == 0
		case c&cMild != 0:
			mild = true
		case c&cNeutral != 0:
			neutral = true
		case c&cWel != 0:
			wel = true
		}
	}
	switch {
	case neutral && !yes && !no && !neg:
		return Parsed{Kind: Value, Value: 3}
	case neutral && neg && !strong:
		return Parsed{Kind: Value, Value: 3}
	case neg || no:
		if yes && no && !neg {
			if wel {
				return Parsed{Kind: Value, Value: 4} // "nee, ik vind het wel belangrijk"
			}
			return Parsed{} // "nee, belangrijk": contradictory
		}
		if strong && !soft {
			return Parsed{Kind: Value, Value: 1}
		}
		if mild {
			return Parsed{Kind: Value, Value: 3}
		}
		return Parsed{Kind: Value, Value: 2}
	case yes || hard || wel && intensity:
		if mild || neutral {
			return Parsed{Kind: Value, Value: 3} // "een beetje", "ja, soms"
		}
		if intensity {
			return Parsed{Kind: Value, Value: 5}
		}
		return Parsed{Kind: Value, Value: 4}
	case mild:
		return Parsed{Kind: Value, Value: 3}
	case wel && len(ct) == 1:
		return Parsed{Kind: Value, Value: 4} // "wel" on its own: yes, I do
	}
	return Parsed{}
}

// joinWords joins the word tokens with single spaces.
func joinWords(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.w)
	}
	return b.String()
}
