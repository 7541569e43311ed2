package redact

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Tags written in place of personal data, in the form "[" + tag + "]".
const (
	TagBSN       = "BSN"       // burgerservicenummer
	TagIBAN      = "IBAN"      // bank account number
	TagTelefoon  = "TELEFOON"  // telephone number
	TagEmail     = "EMAIL"     // e-mail address
	TagPostcode  = "POSTCODE"  // Dutch postcode
	TagAdres     = "ADRES"     // street and house number
	TagNaam      = "NAAM"      // person's name
	TagDatum     = "DATUM"     // calendar date, such as a date of birth
	TagKenteken  = "KENTEKEN"  // licence plate
	TagURL       = "URL"       // web address
	TagGebruiker = "GEBRUIKER" // @username
	TagNummer    = "NUMMER"    // customer, case or reference number
)

// Span is one piece of personal data found in a text: s[Start:End] is
// replaced by "[" + Tag + "]".
type Span struct {
	Start, End int    // byte offsets into the text
	Tag        string // one of the Tag constants
}

// Text returns s with every piece of personal data that Find reports
// replaced by its tag, such as "[BSN]" or "[NAAM]". The result is the
// normalised text (see Normalize): unusual spaces, zero-width characters,
// control characters and invalid bytes do not survive into it. A long text
// is redacted in pieces of about chunkSize bytes, so memory stays in
// proportion to the text.
func Text(s string) string {
	s = Normalize(s)
	buf := tokenPool.Get().(*[]token)
	defer tokenPool.Put(buf)
	if len(s) <= chunkSize {
		return redactChunk(s, buf)
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for len(s) > 0 {
		n := chunkEnd(s)
		b.WriteString(redactChunk(s[:n], buf))
		s = s[n:]
	}
	return b.String()
}

// tokenPool holds token buffers between calls of Text.
var tokenPool = sync.Pool{New: func() any { return new([]token) }}

// chunkSize bounds the text the detectors see at once. A piece of
// personal data that straddles a chunk's end can be missed; chunks end at
// a line break, a sentence end or a space where there is one.
const chunkSize = 32 << 10

// chunkEnd returns where the first chunk of s ends.
func chunkEnd(s string) int {
	if len(s) <= chunkSize {
		return len(s)
	}
	w := s[:chunkSize]
	if k := strings.LastIndexByte(w, '\n'); k > chunkSize/2 {
		return k + 1
	}
	for _, sep := range []string{". ", "! ", "? ", " "} {
		if k := strings.LastIndex(w, sep); k > chunkSize/2 {
			return k + len(sep)
		}
	}
	n := chunkSize
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// redactChunk runs the passes of Text over one normalised chunk; toks is
// reused between chunks.
func redactChunk(s string, toks *[]token) string {
	// One pass is enough for almost every text. Redacting can remove the
	// context that kept a neighbour (the ",0" after "1234567,0" made it look
	// like an amount), so a few more passes make Text idempotent.
	for range maxPasses {
		spans := find(s, toks)
		if len(spans) == 0 {
			break
		}
		s = replace(s, spans)
	}
	return s
}

// maxPasses bounds the passes of Text over its own output.
const maxPasses = 4

// replace writes each span's tag in place of its text.
func replace(s string, spans []Span) string {
	var b strings.Builder
	b.Grow(len(s) + 8*len(spans))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.Start])
		b.WriteByte('[')
		b.WriteString(sp.Tag)
		b.WriteByte(']')
		last = sp.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// Find returns the personal data in s as non-overlapping spans in order of
// their position, as byte offsets into s. It reads s as Text does
// (normalised, in chunks). It returns nil if it finds none.
func Find(s string) []Span {
	n, m := normalize(s, true)
	var toks []token
	var out []Span
	for off := 0; off < len(n); {
		e := off + chunkEnd(n[off:])
		for _, sp := range find(n[off:e], &toks) {
			sp.Start += off
			sp.End += off
			if m != nil {
				sp.Start, sp.End = int(m[sp.Start]), int(m[sp.End])
			}
			out = append(out, sp)
		}
		off = e
	}
	return out
}

// find returns the spans of one normalised chunk; toks is a buffer reused
// between calls.
func find(s string, buf *[]token) []Span {
	if len(s) == 0 {
		return nil
	}
	f := finder{s: s}
	// Detectors run from the most to the least certain; a later detector
	// cannot claim bytes that an earlier one took.
	at := strings.IndexByte(s, '@') >= 0
	if at {
		f.emails()
	}
	if strings.IndexByte(s, '/') >= 0 || strings.IndexByte(s, '.') >= 0 {
		f.urls()
	}
	if at {
		f.users()
	}
	toks := tokenize(s, (*buf)[:0])
	*buf = toks
	if hasDigit(s) {
		f.ibans()
		f.dates()
		f.phones()
		f.plates()
		f.postcodes()
		f.addresses(toks)
		f.cueNumbers(toks)
		f.numbers()
	}
	f.names(toks)
	f.guessNames(toks)
	if len(f.spans) == 0 {
		return nil
	}
	slices.SortFunc(f.spans, func(a, b Span) int { return a.Start - b.Start })
	return f.spans
}

// finder collects spans; taken marks the bytes already claimed.
type finder struct {
	s     string
	spans []Span
	taken []uint64
}

// free reports whether no byte of s[i:j] is claimed yet.
func (f *finder) free(i, j int) bool {
	if f.taken == nil {
		return true
	}
	for k := i; k < j; k++ {
		if f.taken[k>>6]&(1<<(k&63)) != 0 {
			return false
		}
	}
	return true
}

// isTaken reports whether byte k is claimed.
func (f *finder) isTaken(k int) bool {
	return f.taken != nil && f.taken[k>>6]&(1<<(k&63)) != 0
}

// add claims s[i:j] for tag if it is still free and reports whether it did.
func (f *finder) add(i, j int, tag string) bool {
	if i >= j || !f.free(i, j) {
		return false
	}
	if f.taken == nil {
		f.taken = make([]uint64, len(f.s)/64+1)
	}
	for k := i; k < j; k++ {
		f.taken[k>>6] |= 1 << (k & 63)
	}
	f.spans = append(f.spans, Span{Start: i, End: j, Tag: tag})
	return true
}

// reserve claims s[i:j] for no tag: the bytes are kept as typed and no
// later detector may take them (a public service number).
func (f *finder) reserve(i, j int) {
	if i >= j || !f.free(i, j) {
		return
	}
	if f.taken == nil {
		f.taken = make([]uint64, len(f.s)/64+1)
	}
	for k := i; k < j; k++ {
		f.taken[k>>6] |= 1 << (k & 63)
	}
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isASCIILetter(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z'
}
func isAlnum(c byte) bool { return isDigit(c) || isASCIILetter(c) }
