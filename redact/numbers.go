package redact

import "unicode/utf8"

// validBSN reports whether digits (8 or 9 ASCII digits, nothing else)
// passes the 11-proof of the burgerservicenummer. An 8-digit number is
// read with an implied leading zero.
func validBSN(digits string) bool {
	if len(digits) == 8 {
		digits = "0" + digits
	}
	if len(digits) != 9 {
		return false
	}
	sum, zero := 0, true
	for i := 0; i < 9; i++ {
		c := digits[i]
		if !isDigit(c) {
			return false
		}
		d := int(c - '0')
		if d != 0 {
			zero = false
		}
		if i < 8 {
			sum += (9 - i) * d
		} else {
			sum -= d
		}
	}
	return !zero && sum%11 == 0
}

// validIBAN reports whether s, without spaces, in any case, is an IBAN with a
// correct mod-97 check: two letters, two check digits and 11 to 30 letters
// or digits.
func validIBAN(s string) bool {
	var buf [34]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			continue
		}
		if !isAlnum(c) || n == len(buf) {
			return false
		}
		buf[n] = c
		n++
	}
	if n < 15 || !isASCIILetter(buf[0]) || !isASCIILetter(buf[1]) || !isDigit(buf[2]) || !isDigit(buf[3]) {
		return false
	}
	if want := ibanLen[string([]byte{buf[0] &^ 0x20, buf[1] &^ 0x20})]; want != 0 && want != n {
		return false
	}
	return mod97(buf[4:n], buf[:4]) == 1
}

// mod97 returns the remainder modulo 97 of the number formed by a then b,
// with letters read as 10 (A) to 35 (Z).
func mod97(a, b []byte) int {
	r := 0
	for _, part := range [2][]byte{a, b} {
		for _, c := range part {
			if isDigit(c) {
				r = (r*10 + int(c-'0')) % 97
			} else {
				r = (r*100 + int(c|0x20-'a'+10)) % 97
			}
		}
	}
	return r
}

// ibanLen holds the IBAN length of common countries; others are accepted at
// any length from 15 to 34.
var ibanLen = map[string]int{
	"NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27,
	"LU": 20, "PL": 28, "TR": 26, "AT": 20, "CH": 21, "PT": 25, "IE": 22,
	"DK": 18, "SE": 24, "NO": 15, "FI": 18, "MA": 28, "SR": 0, "GR": 27,
	"CZ": 24, "HU": 28, "RO": 24, "BG": 22, "HR": 21, "LT": 20, "LV": 21,
	"EE": 20, "SI": 19, "SK": 24, "CY": 28, "MT": 31,
}

// ibans claims IBANs: two letters and two digits at the start of a word,
// then letters and digits with single spaces between groups.
func (f *finder) ibans() {
	s := f.s
	for i := 0; i+4 < len(s); i++ {
		if !isASCIILetter(s[i]) || !isASCIILetter(s[i+1]) || (i > 0 && isAlnum(s[i-1])) {
			continue
		}
		if d := i + 2 + boolInt(s[i+2] == ' '); d+1 >= len(s) || !isDigit(s[d]) || !isDigit(s[d+1]) {
			continue
		}
		// collect up to 34 letters and digits, with single spaces allowed
		var pos [34]int // pos[k] is the index in s of the k-th character
		var buf [34]byte
		n, j := 0, i
		for j < len(s) && n < len(buf) {
			c := s[j]
			if isAlnum(c) {
				pos[n], buf[n] = j, c
				n++
				j++
				continue
			}
			if c == ' ' && n >= 2 && j+1 < len(s) && isAlnum(s[j+1]) {
				j++
				continue
			}
			break
		}
		if n < 15 || !isDigit(buf[2]) || !isDigit(buf[3]) {
			continue
		}
		cc := string([]byte{buf[0] &^ 0x20, buf[1] &^ 0x20})
		end := func(l int) (int, bool) { // end offset if l characters form a whole word
			e := pos[l-1] + 1
			if e < len(s) && isAlnum(s[e]) {
				return 0, false
			}
			return e, true
		}
		found := false
		if want, ok := ibanLen[cc]; ok && want > 0 {
			if n >= want {
				if e, ok := end(want); ok {
					if mod97(buf[4:want], buf[:4]) == 1 || (cc == "NL" && nlShape(buf[:want])) {
						found = f.add(i, e, TagIBAN)
						i = e
					}
				}
			}
		} else {
			for l := n; l >= 15 && !found; l-- {
				if e, ok := end(l); ok && mod97(buf[4:l], buf[:4]) == 1 {
					found = f.add(i, e, TagIBAN)
					i = e
				}
			}
		}
	}
}

// nlShape reports whether b (18 characters) looks like a Dutch IBAN: NL, two
// digits, four letters, ten digits. Such a number is redacted even when a
// typo breaks its check digits.
func nlShape(b []byte) bool {
	for k, c := range b {
		switch {
		case k >= 4 && k < 8:
			if !isASCIILetter(c) {
				return false
			}
		case k >= 2:
			if !isDigit(c) {
				return false
			}
		}
	}
	return true
}

// numberRun describes digits read from s: the offset just after each digit
// and the digits themselves.
type numberRun struct {
	digits []byte
	ends   []int
}

// readPhone reads digits from s[i:], allowing between digits up to three
// characters of spaces, dashes, dots, slashes and brackets (as in
// "(020) 123 45 67", "+31 (0)6 ..." and "06 – 12"). It stops after max
// digits. gaps[k] reports whether something separates digit k from k+1.
func readPhone(s string, i, max int, r *numberRun, gaps *[]bool) {
	r.digits, r.ends = r.digits[:0], r.ends[:0]
	*gaps = (*gaps)[:0]
	j := i
	for j < len(s) && len(r.digits) < max {
		if isDigit(s[j]) {
			if len(r.digits) > 0 {
				*gaps = append(*gaps, r.ends[len(r.ends)-1] != j)
			}
			r.digits = append(r.digits, s[j])
			j++
			r.ends = append(r.ends, j)
			continue
		}
		// a gap
		k, runes, marks := j, 0, 0
		for k < len(s) && runes < 4 {
			c, size := utf8.DecodeRuneInString(s[k:])
			if c == ' ' {
			} else if c == '-' || c == '.' || c == '/' || c == '–' || c == '(' || c == ')' {
				marks++
			} else {
				break
			}
			k += size
			runes++
		}
		if k >= len(s) || !isDigit(s[k]) || runes > 3 || marks > 2 || len(r.digits) == 0 {
			break
		}
		j = k
	}
}

// phones claims telephone numbers: Dutch ones starting with 0, +31 or 0031,
// service numbers (0800, 090x) and international ones starting with + or 00.
func (f *finder) phones() {
	s := f.s
	var r numberRun
	var gaps []bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '+' && c != '0' && c != '(' {
			continue
		}
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '+' || s[i-1] == ',' || s[i-1] == '.' && i > 1 && isDigit(s[i-2])) {
			continue
		}
		start := i
		j := i
		if c == '+' || c == '(' {
			j++
			if c == '(' && (j >= len(s) || s[j] != '0') {
				continue
			}
			if c == '+' && (j >= len(s) || !isDigit(s[j])) {
				continue
			}
		}
		readPhone(s, j, 18, &r, &gaps)
		d := r.digits
		if len(d) < 8 {
			continue
		}
		want := 0
		intl := c == '+' || (d[0] == '0' && d[1] == '0')
		skip := 0 // digits before the national number
		switch {
		case intl && c != '+':
			skip = 2
			fallthrough
		case intl:
			if d[skip] == '3' && d[skip+1] == '1' { // the Netherlands
				want = skip + 2 + 9
				if len(d) > skip+2 && d[skip+2] == '0' { // +31 (0)6
					want++
				}
			} else {
				// unknown numbering plan: take the whole run, 8 to 15 digits
				if len(d)-skip > 15 || len(d)-skip < 8 {
					continue
				}
				want = len(d)
			}
		case d[1] == '8' && d[2] == '0' && d[3] == '0', d[1] == '9' && d[2] == '0':
			want = 8
			if len(d) >= 11 && (len(d) == 11 || gaps[10]) {
				want = 11
			}
		default:
			want = 10
		}
		if len(d) < want || (len(d) > want && !gaps[want-1]) {
			continue
		}
		e := r.ends[want-1]
		if !intl && (d[1] == '8' && d[2] == '0' && d[3] == '0' || d[1] == '9' && d[2] == '0') {
			// 0800 and 090x numbers belong to organisations, not people
			f.reserve(start, e)
			i = e - 1
			continue
		}
		if f.add(start, e, TagTelefoon) {
			i = e - 1
		}
	}
}

// numbers claims long digit runs (seven or more digits, in groups joined
// by single spaces, dots, dashes or slashes) that are not amounts: a BSN if
// it passes the 11-proof or follows "bsn", a NUMMER otherwise.
func (f *finder) numbers() {
	s := f.s
	var digits []byte
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || f.isTaken(i) || (i > 0 && (isDigit(s[i-1]) || isASCIILetter(s[i-1]))) {
			continue
		}
		digits = digits[:0]
		j, end := i, i
		for j < len(s) && !f.isTaken(j) {
			if isDigit(s[j]) {
				digits = append(digits, s[j])
				j++
				end = j
				continue
			}
			if (s[j] == ' ' || s[j] == '.' || s[j] == '-' || s[j] == '/') && j+1 < len(s) && isDigit(s[j+1]) && !f.isTaken(j+1) {
				j++
				continue
			}
			break
		}
		if end < len(s) && isASCIILetter(s[end]) {
			i = end
			continue
		}
		if len(digits) < 7 || isAmount(s, i, end) {
			i = end
			continue
		}
		tag := TagNummer
		switch cue := lastCue(s[max(0, i-48):i]); {
		case cue == cueBSN && (len(digits) == 8 || len(digits) == 9):
			tag = TagBSN
		case cue != cueNummer && len(digits) == 9 && validBSN(string(digits)):
			tag = TagBSN
		case cue != cueNummer && len(digits) == 8 && cue == cueBSN && validBSN(string(digits)):
			tag = TagBSN
		}
		f.add(i, end, tag)
		i = end
	}
}

// isAmount reports whether the number s[i:j] is money: after a euro sign or
// "eur", or before ",-", ",00" or "euro".
func isAmount(s string, i, j int) bool {
	before := s[max(0, i-5):i]
	if indexFold(before, "€") >= 0 || indexFold(before, "eur") >= 0 {
		return true
	}
	after := s[j:min(len(s), j+6)]
	if len(after) >= 2 && after[0] == ',' && after[1] == '-' {
		return true
	}
	if len(after) >= 3 && after[0] == ',' && isDigit(after[1]) && isDigit(after[2]) && (len(after) == 3 || !isDigit(after[3])) {
		return true // ",00" but not ",0000000"
	}
	if hasPrefixFold(trimSpaceLeft(after), "eur") || hasPrefixFold(trimSpaceLeft(after), "€") {
		return true
	}
	return false
}

const (
	cueNone = iota
	cueBSN
	cueNummer
)

// lastCue reports which kind of number the text just before a number
// announces: the cue word closest to the number wins.
func lastCue(before string) int {
	best, kind := -1, cueNone
	for _, w := range bsnCues {
		if k := indexFold(before, w); k > best {
			best, kind = k, cueBSN
		}
	}
	for _, w := range nummerCues {
		if k := indexFold(before, w); k > best {
			best, kind = k, cueNummer
		}
	}
	return kind
}

var bsnCues = []string{"bsn", "burgerservice", "sofi"}

var nummerCues = []string{"klant", "dossier", "factuur", "polis", "relatie", "zaak", "contract",
	"student", "debiteur", "kenmerk", "referentie", "order", "vonnis", "aanslag",
	"registratie", "personeels", "beschikking", "huurder"}

// indexFold returns the last index of needle (lower-case) in hay, ignoring
// ASCII case, or -1.
func indexFold(hay, needle string) int {
	for k := len(hay) - len(needle); k >= 0; k-- {
		if hasPrefixFold(hay[k:], needle) {
			return k
		}
	}
	return -1
}

// hasPrefixFold reports whether s starts with prefix (lower-case),
// ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for k := 0; k < len(prefix); k++ {
		c := s[k]
		if 'A' <= c && c <= 'Z' {
			c |= 0x20
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}

func trimSpaceLeft(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
