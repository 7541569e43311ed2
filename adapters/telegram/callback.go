package telegram

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
)

// MaxCallbackData is the most bytes Telegram keeps in a button's
// callback_data.
const MaxCallbackData = 64

// Callback data is "<prompt>|<choice>". A prompt too long to fit is sent
// as "#" and 11 characters of its SHA-256 (base64url); the adapter keeps
// the hash-to-prompt mapping in memory. After a restart an unknown hash is
// passed on as it is: it matches no prompt, so the engine treats the tap as
// a stale button and asks the current question again. Nothing in the data
// is trusted: the engine checks the prompt against the conversation.
const (
	callbackSep  = "|"
	hashPrefix   = "#"
	hashLen      = 11
	maxChoiceLen = 32
)

// callbacks encodes and decodes callback data.
type callbacks struct {
	mu     sync.Mutex
	hashed map[string]string // hash form -> prompt
}

func newCallbacks() *callbacks { return &callbacks{hashed: map[string]string{}} }

// encode returns the callback data for choice of prompt, or false when the
// choice id cannot be encoded (too long or with characters outside the
// allowed set).
func (c *callbacks) encode(prompt, choice string) (string, bool) {
	if !validChoice(choice) {
		return "", false
	}
	if validPrompt(prompt) && len(prompt)+len(callbackSep)+len(choice) <= MaxCallbackData {
		return prompt + callbackSep + choice, true
	}
	sum := sha256.Sum256([]byte(prompt))
	h := hashPrefix + base64.RawURLEncoding.EncodeToString(sum[:])[:hashLen]
	c.mu.Lock()
	if len(c.hashed) >= 10000 {
		clear(c.hashed)
	}
	c.hashed[h] = prompt
	c.mu.Unlock()
	return h + callbackSep + choice, true
}

// decode returns the prompt and choice in data; ok is false for data this
// adapter cannot have made (forged or malformed).
func (c *callbacks) decode(data string) (prompt, choice string, ok bool) {
	if len(data) > MaxCallbackData {
		return "", "", false
	}
	prompt, choice, found := strings.Cut(data, callbackSep)
	if !found || !validChoice(choice) {
		return "", "", false
	}
	if strings.HasPrefix(prompt, hashPrefix) {
		if len(prompt) != len(hashPrefix)+hashLen || !allIn(prompt[len(hashPrefix):], isB64) {
			return "", "", false
		}
		c.mu.Lock()
		p, known := c.hashed[prompt]
		c.mu.Unlock()
		if known {
			return p, choice, true
		}
		return prompt, choice, true // unknown after a restart: stale to the engine
	}
	if !validPrompt(prompt) {
		return "", "", false
	}
	return prompt, choice, true
}

// validPrompt accepts the prompt ids the engine makes: a lower-case word
// ("consent_keep", "offer"), optionally followed by ":" and an id
// ("q:privacy_nodig"), or "" (a question without an id).
func validPrompt(p string) bool {
	if p == "" {
		return true
	}
	word, id, hasID := strings.Cut(p, ":")
	if word == "" || !allIn(word, func(r rune) bool { return r >= 'a' && r <= 'z' || r == '_' }) {
		return false
	}
	if hasID {
		return id != "" && allIn(id, isIDRune)
	}
	return true
}

// validChoice accepts short ids of letters, digits, "_" and "-".
func validChoice(c string) bool {
	return c != "" && len(c) <= maxChoiceLen && allIn(c, func(r rune) bool { return isIDRune(r) && r != '.' })
}

func isIDRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
}

func isB64(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}

func allIn(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}
