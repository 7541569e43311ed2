package etcd

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/codec"
)

// A prefix written by a proactief of schema 1 holds JSON sessions. Open
// marks it schema 2, its sessions are read as before, and the next write
// of one stores it in the binary form.
func TestSchema1Prefix(t *testing.T) {
	ctx := context.Background()
	p := uniquePrefix(t)
	cli := rawClient(t, shared.Endpoints())
	old := &bot.Session{Key: "s-old", Version: 3, Research: "r-1"}
	old.Conv.Phase = dialogue.PhaseProfiling
	old.Conv.Consent.Keep = &dialogue.Decision{Given: true, Version: dialogue.ConsentVersion}
	v, err := json.Marshal(stored{Write: "abc", Session: old})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, p+"schema", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, p+"s/s-old", string(v)); err != nil {
		t.Fatal(err)
	}

	s := openShared(t, Options{Prefix: p})
	defer s.Close()
	resp, err := cli.Get(ctx, p+"schema")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "2" {
		t.Fatalf("schema after Open: %v %v, want 2", resp, err)
	}
	got, err := s.Get(ctx, "s-old")
	if err != nil || got.Version != 3 || got.Research != "r-1" || got.Conv.Phase != dialogue.PhaseProfiling {
		t.Fatalf("Get of a JSON session: %+v, %v", got, err)
	}
	mustUpdate(t, s, "s-old", func(sess *bot.Session) error {
		sess.Signals = append(sess.Signals, "urgent")
		return nil
	})
	resp, err = cli.Get(ctx, p+"s/s-old")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("raw get: %v", err)
	}
	raw := resp.Kvs[0].Value
	if raw[0] != recordTag {
		t.Fatalf("rewritten value starts with %q, want the binary record", raw[0])
	}
	sess, nonce, err := decodeSession(raw)
	if err != nil || nonce == "" || sess.Version != 4 || sess.Research != "r-1" || len(sess.Signals) != 1 {
		t.Fatalf("rewritten: %+v nonce %q err %v", sess, nonce, err)
	}
	if len(raw) >= len(v) {
		t.Errorf("binary record %d bytes, JSON %d: want smaller", len(raw), len(v))
	}
}

// Damaged values are an error wrapping codec.ErrDamaged, never a panic.
func TestDecodeDamagedSession(t *testing.T) {
	good := encodeSession("nonce1", &bot.Session{Key: "k", Version: 1, Signals: []string{"a"}})
	if s, n, err := decodeSession(good); err != nil || n != "nonce1" || s.Key != "k" {
		t.Fatalf("good record: %+v %q %v", s, n, err)
	}
	bad := [][]byte{
		nil, {}, {recordTag}, {recordTag, 0xFF}, {recordTag, 200, 'a'},
		{recordTag, 0}, {recordTag, 1, 'x', codec.Tag, 0xFF, 0xFF},
		[]byte("{not json"), good[:len(good)-1], append(append([]byte{}, good...), 0),
	}
	for _, v := range bad {
		if _, _, err := decodeSession(v); !errors.Is(err, codec.ErrDamaged) {
			t.Errorf("decodeSession(%q): err %v, want ErrDamaged", v, err)
		}
	}
}
