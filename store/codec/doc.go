// Package codec is the compact binary form in which the stores keep a
// [bot.Session]: store/bolt writes it into its file, store/etcd into the
// value of a session key. It depends on bot and the standard library only,
// so that neither store depends on the other. The layout is described in
// codec.go.
package codec

import (
	"encoding/json"
	"fmt"

	"github.com/proactief/proactief/bot"
)

// Tag is the first byte of a binary session; a JSON one (as written before
// the binary form, and still read) starts with '{' or white space.
const Tag = sessionTag

// ErrDamaged is wrapped by every error of a record that does not decode.
var ErrDamaged = errDecode

// Decode reads a stored session, binary (see [Encode]) or JSON; bytes that
// do not decode are an error wrapping [ErrDamaged], never a panic.
func Decode(v []byte) (*bot.Session, error) {
	if len(v) > 0 && v[0] == Tag {
		s, err := decodeBinary(v)
		if err != nil {
			return nil, fmt.Errorf("decode session: %w", err)
		}
		return s, nil
	}
	var s bot.Session
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("decode session: %w: %w", ErrDamaged, err)
	}
	return &s, nil
}
