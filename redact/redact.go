package redact

import (
	"slices"
	"strings"
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
// replaced by its tag, such as "[BSN]" or "[NAAM]". Everything else,
// including bytes that are not valid UTF-8, is copied unchanged.
func Text(s string) string {
	// One pass is enough for almost every text. Redacting can remove the
	// context that kept a neighbour (the ",0" after "1234567,0" made it look
	// like an amount), so a few more passes make Text idempotent.
	for range maxPasses {
		spans := Find(s)
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
// their position. It returns nil if it finds none.
func Find(s string) []Span {
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
	toks := tokenize(s)
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
