package bot

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// ErrSeal is returned by Sealer.Open for a value it did not seal (another
// secret, or damaged).
var ErrSeal = errors.New("sealed value cannot be opened")

// Sealer encrypts what must be kept for a while but never in clear: a
// chat address for a handover, a phone number for a callback, the
// conversation reference on a desk card. AES-256-GCM with a key derived
// from the pseudonym secret; a new secret makes every sealed value
// unreadable, like every pseudonym changes.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer keyed from secret.
func NewSealer(secret []byte) *Sealer {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("proactief seal v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		panic(err) // a 32-byte key always works
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Sealer{aead: aead}
}

// Seal encrypts plain; "" stays "".
func (s *Sealer) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// Open decrypts a value of Seal; "" stays "". Returns ErrSeal when it
// cannot.
func (s *Sealer) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	n := s.aead.NonceSize()
	if err != nil || len(b) < n {
		return "", ErrSeal
	}
	plain, err := s.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", ErrSeal
	}
	return string(plain), nil
}
