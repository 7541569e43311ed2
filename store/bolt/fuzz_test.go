package bolt_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/bolt"
)

// FuzzDecodeSession decodes arbitrary bytes as a stored session, in the
// binary form or the JSON of schema 1: a damaged record must be an error,
// never a panic; what decodes must be stored again unchanged (encode,
// decode, encode is stable), so that one odd record cannot block a
// conversation for good; it must stay writable as JSON (exports,
// /gegevens); and decoding costs memory in proportion to the input.
//
// Run: go test ./store/bolt -run '^$' -fuzz FuzzDecodeSession -fuzztime 60s
func FuzzDecodeSession(f *testing.F) {
	typical, err := json.Marshal(typicalSession(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(typical)
	f.Add(typical[:len(typical)/2])
	f.Add(bytes.Replace(typical, []byte(`"phase":"`), []byte(`"phase":"\ud800`), 1))
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"version":-1}`, `{"version":1e400}`,
		`{"conv":{"phase":"garbage","steps":[{"posterior":[1,2,3,4]}]}}`,
		`{"conv":{"started":"10000-01-01T00:00:00Z"}}`,
		`{"conv":{"started":"0000-01-01T00:00:00+23:59"}}`,
		`{"seen":[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]}`,
		`{"seen":[{"id":"1","replies":[{"text":"\u0000","document":{"data":"AAAA"}}]}]}`,
		`{"key":"s-1","conv":{"consent":{"keep":{"given":true}}},"research":"r-1"}`,
	} {
		f.Add([]byte(s))
	}
	for _, s := range []*bot.Session{typicalSession(f), fullSession(), {}} {
		bin := bolt.EncodeSession(s)
		f.Add(bin)
		f.Add(bin[:len(bin)/2])
		f.Add(bin[:len(bin)-1])
	}
	f.Add([]byte{0xB2, 0x0a, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, v []byte) {
		s, err := bolt.DecodeSession(v)
		if err != nil {
			if s != nil {
				t.Fatalf("DecodeSession returned a session with error %v", err)
			}
			return
		}
		if _, err := json.Marshal(s); err != nil {
			t.Fatalf("a decoded session cannot be written as JSON: %v", err)
		}
		once := bolt.EncodeSession(s)
		// Every decoded element takes at least one byte of input; its
		// encoding is bounded by a constant per element.
		if limit := 64*len(v) + 4096; len(once) > limit {
			t.Fatalf("%d input bytes decode to a session of %d encoded bytes", len(v), len(once))
		}
		s2, err := bolt.DecodeSession(once)
		if err != nil {
			t.Fatalf("a stored session does not decode: %v\n%q", err, once)
		}
		if twice := bolt.EncodeSession(s2); !bytes.Equal(once, twice) {
			t.Fatalf("session changes when stored again:\n%q\n%q", once, twice)
		}
	})
}
