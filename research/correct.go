package research

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/redact"
)

// Corrector is a store that can correct a research record in place; a
// researcher uses it to redact a piece of personal data that redaction at
// the source missed. store/bolt and store/etcd implement it.
type Corrector interface {
	// CorrectResearch replaces the text of research turn seq of pseudonym
	// by what fix returns, in one transaction, and keeps no copy of the old
	// text. It returns an error wrapping bot.ErrNotFound if there is no
	// such turn, bot.ErrReadOnly on a read-only store, and fix's error if
	// fix fails; then nothing is written.
	CorrectResearch(ctx context.Context, pseudonym string, seq int, fix func(text string) (string, error)) error
}

// Errors RedactTurn returns.
var (
	// ErrCannotCorrect is returned when the store cannot correct research
	// records (it is no Corrector).
	ErrCannotCorrect = errors.New("this store cannot correct research records")
	// ErrPieceNotFound is returned when the text to redact is not in the turn.
	ErrPieceNotFound = errors.New("text to redact is not in the message")
	// ErrBadPiece is returned for text to redact that is empty, too long,
	// or a tag such as "[NAAM]".
	ErrBadPiece = errors.New("text to redact is empty, too long or a tag")
	// ErrBadTag is returned for a tag that redact does not write.
	ErrBadTag = errors.New("unknown tag")
)

// MaxPiece is the longest text RedactTurn replaces at once, in bytes.
const MaxPiece = 200

// RedactTurn replaces every occurrence of piece (matched without regard to
// case) in research turn seq of pseudonym by "[" + tag + "]" in the store,
// so that every later load and export holds the corrected text and the
// original is not kept. The action is written to the audit log first, as
// action "redact" by who with the pseudonym, the turn and the tag, never
// the piece; when the log cannot be written nothing changes.
func RedactTurn(ctx context.Context, s bot.Store, audit *Audit, who, pseudonym string, seq int, piece, tag string) error {
	c, ok := s.(Corrector)
	if !ok {
		return ErrCannotCorrect
	}
	piece = strings.TrimSpace(piece)
	if piece == "" || len(piece) > MaxPiece || isTag(piece) {
		return ErrBadPiece
	}
	if !validTag(tag) {
		return fmt.Errorf("%w: %q", ErrBadTag, tag)
	}
	if err := audit.Log(who, "redact", fmt.Sprintf("%s turn %d [%s]", pseudonym, seq, tag), 1); err != nil {
		return err
	}
	err := c.CorrectResearch(ctx, pseudonym, seq, func(text string) (string, error) {
		out, n := replaceFold(text, piece, "["+tag+"]")
		if n == 0 {
			return "", ErrPieceNotFound
		}
		return out, nil
	})
	if err != nil {
		if lerr := audit.Log(who, "redact-failed", fmt.Sprintf("%s turn %d", pseudonym, seq), 0); lerr != nil {
			return errors.Join(err, lerr)
		}
		return err
	}
	return nil
}

func validTag(tag string) bool {
	for _, t := range redact.Tags() {
		if t == tag {
			return true
		}
	}
	return false
}

// isTag reports whether s is a tag such as "[NAAM]".
func isTag(s string) bool {
	return len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' && validTag(s[1:len(s)-1])
}

// replaceFold replaces every occurrence of old in s, ignoring case, by
// repl and returns the result and how many it replaced.
func replaceFold(s, old, repl string) (string, int) {
	ls, lo := strings.ToLower(s), strings.ToLower(old)
	if len(ls) != len(s) || len(lo) != len(old) {
		// lower-casing changed byte lengths: match exactly instead
		n := strings.Count(s, old)
		return strings.ReplaceAll(s, old, repl), n
	}
	var b strings.Builder
	n, last := 0, 0
	for {
		k := strings.Index(ls[last:], lo)
		if k < 0 {
			break
		}
		b.WriteString(s[last : last+k])
		b.WriteString(repl)
		last += k + len(lo)
		n++
	}
	b.WriteString(s[last:])
	return b.String(), n
}
