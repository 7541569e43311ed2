package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize returns s as the detectors read it: every kind of space
// (no-break, narrow, ideographic, tab) becomes ' ', zero-width characters
// and soft hyphens are removed, and NUL, other control characters, bytes
// that are not valid UTF-8 and U+FFFD become ' '. Line breaks stay. Text
// redacts the normalised text, so "ik heet\u00a0Jan" and a BSN with a
// zero-width space inside are found; the person's own message elsewhere is
// never changed. s is returned itself when it needs no change.
func Normalize(s string) string {
	n, _ := normalize(s, false)
	return n
}

// normalize returns Normalize(s) and, when asked and s changed, the offset
// in s of every byte of the result, with one more entry for its end.
func normalize(s string, withMap bool) (string, []int32) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c == '\n' {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if kind, _ := normKind(r, size); kind != keepRune {
			break
		}
		i += size
	}
	if i == len(s) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	var m []int32
	if withMap {
		m = make([]int32, 0, len(s)+1)
		for k := 0; k < i; k++ {
			m = append(m, int32(k))
		}
	}
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c == '\n' {
			b.WriteByte(c)
			if withMap {
				m = append(m, int32(i))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch kind, _ := normKind(r, size); kind {
		case keepRune:
			b.WriteString(s[i : i+size])
			if withMap {
				for k := 0; k < size; k++ {
					m = append(m, int32(i+k))
				}
			}
		case spaceRune:
			b.WriteByte(' ')
			if withMap {
				m = append(m, int32(i))
			}
		case dropRune:
			// a zero-width space between "heet" and "Jan" separates words
			if next, _ := utf8.DecodeRuneInString(s[i+size:]); b.Len() > 0 && isLowerASCII(lastByte(&b)) && unicode.IsUpper(next) {
				b.WriteByte(' ')
				if withMap {
					m = append(m, int32(i))
				}
			}
		}
		i += size
	}
	if withMap {
		m = append(m, int32(len(s)))
	}
	return b.String(), m
}

func isLowerASCII(c byte) bool { return 'a' <= c && c <= 'z' }

func lastByte(b *strings.Builder) byte { s := b.String(); return s[len(s)-1] }

const (
	keepRune = iota
	spaceRune
	dropRune
)

// normKind says what Normalize does with rune r of size bytes.
func normKind(r rune, size int) (int, rune) {
	switch {
	case r == utf8.RuneError && size <= 1, r == utf8.RuneError:
		return spaceRune, ' '
	case r == '\n':
		return keepRune, r
	case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
		return spaceRune, ' '
	case r == 0xa0 || r == 0x1680 || r >= 0x2000 && r <= 0x200a || r == 0x2028 || r == 0x2029 ||
		r == 0x202f || r == 0x205f || r == 0x3000:
		return spaceRune, ' '
	case r == 0xad || r >= 0x200b && r <= 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2060 && r <= 0x2064 ||
		r == 0xfeff || r == 0x034f || r == 0x180e:
		return dropRune, 0
	}
	return keepRune, r
}
