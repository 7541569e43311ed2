package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/codec"
)

// The outbox lives in two buckets:
//
//	outbox       <envelope ID>         a header (see encodeEnvelope), then the bot.Envelope as JSON
//	outbox_keys  <session key>/<ID>    the envelope's kind (for cancel and erase by key)
//
// Due reads the outbox bucket in ID order and keeps the envelopes of the
// queue asked for: a scan of every waiting envelope. The header before the
// JSON says the queue, the key, the due time and the attempts, so an
// envelope of another queue or not yet due is skipped without decoding it
// (BenchmarkOutboxDue: README figures).
var (
	bucketOutbox     = []byte("outbox")
	bucketOutboxKeys = []byte("outbox_keys")
)

// outboxWrite is the outbox part of one Update, encoded.
type outboxWrite struct {
	cancel bot.Cancel
	puts   []envelopePut
}

type envelopePut struct {
	id, key string
	kind    string
	value   []byte
}

func (o *outboxWrite) empty() bool { return o.cancel.Empty() && len(o.puts) == 0 }

func prepareOutbox(key string, s *bot.Session) (outboxWrite, error) {
	o := outboxWrite{cancel: s.Cancel}
	for i := range s.Outbox {
		e := s.Outbox[i]
		if e.ID == "" {
			return o, fmt.Errorf("envelope without ID")
		}
		if e.Key != "" && e.Key != key {
			return o, fmt.Errorf("envelope %s of key %s in an update of %s", e.ID, e.Key, key)
		}
		v, err := encodeEnvelope(&e)
		if err != nil {
			return o, err
		}
		o.puts = append(o.puts, envelopePut{id: e.ID, key: e.Key, kind: e.Kind, value: v})
	}
	return o, nil
}

// apply cancels and adds envelopes in tx; cancelled reports whether it
// removed any.
func (o *outboxWrite) apply(tx *bbolt.Tx, key string) (cancelled bool, err error) {
	if !o.cancel.Empty() {
		n, err := cancelEnvelopes(tx, key, o.cancel)
		if err != nil {
			return false, err
		}
		cancelled = n > 0
	}
	ob, kb := tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxKeys)
	for _, p := range o.puts {
		if err := ob.Put([]byte(p.id), p.value); err != nil {
			return cancelled, err
		}
		if p.key != "" {
			if err := kb.Put(outboxKey(p.key, p.id), []byte(p.kind)); err != nil {
				return cancelled, err
			}
		}
	}
	return cancelled, nil
}

func outboxKey(key, id string) []byte { return []byte(key + "/" + id) }

// cancelEnvelopes removes the envelopes of key that c names.
func cancelEnvelopes(tx *bbolt.Tx, key string, c bot.Cancel) (int, error) {
	ob, kb := tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxKeys)
	prefix := []byte(key + "/")
	var gone [][]byte
	cur := kb.Cursor()
	for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
		e := bot.Envelope{ID: string(k[len(prefix):]), Kind: string(v)}
		if c.Matches(&e) {
			gone = append(gone, bytes.Clone(k))
		}
	}
	for _, k := range gone {
		if err := kb.Delete(k); err != nil {
			return 0, err
		}
		if err := ob.Delete(k[len(prefix):]); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}

// envelopeTag starts an envelope record: then uvarint-prefixed queue and
// key, the due time (uvarint Unix nanoseconds, 0 for none), the attempts
// (uvarint), and the envelope as JSON.
const envelopeTag = 0xE1

func encodeEnvelope(e *bot.Envelope) ([]byte, error) {
	js, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode envelope %s: %w", e.ID, err)
	}
	buf := make([]byte, 1, len(js)+64)
	buf[0] = envelopeTag
	str := func(s string) { buf = append(binary.AppendUvarint(buf, uint64(len(s))), s...) }
	str(e.Queue())
	str(e.Key)
	var due uint64
	if !e.NotBefore.IsZero() {
		due = uint64(max(e.NotBefore.UnixNano(), 1))
	}
	buf = binary.AppendUvarint(buf, due)
	buf = binary.AppendUvarint(buf, uint64(e.Attempts))
	return append(buf, js...), nil
}

// envelopeHeader is what Due reads of a record before deciding to decode it.
type envelopeHeader struct {
	queue, key []byte // in the record: compared without a copy
	due        int64  // Unix nanoseconds, 0 for none
	attempts   int
	json       []byte
}

func peekEnvelope(k, v []byte) (envelopeHeader, error) {
	var h envelopeHeader
	bad := func() error { return fmt.Errorf("envelope %q: %w", k, codec.ErrDamaged) }
	if len(v) == 0 || v[0] != envelopeTag {
		return h, bad()
	}
	rest := v[1:]
	str := func() ([]byte, bool) {
		n, w := binary.Uvarint(rest)
		if w <= 0 || n > uint64(len(rest)-w) {
			return nil, false
		}
		s := rest[w : w+int(n)]
		rest = rest[w+int(n):]
		return s, true
	}
	num := func() (uint64, bool) {
		n, w := binary.Uvarint(rest)
		if w <= 0 {
			return 0, false
		}
		rest = rest[w:]
		return n, true
	}
	var ok1, ok2, ok3, ok4 bool
	h.queue, ok1 = str()
	h.key, ok2 = str()
	due, ok3 := num()
	attempts, ok4 := num()
	if !ok1 || !ok2 || !ok3 || !ok4 || due > 1<<62 || attempts > 1<<31 {
		return h, bad()
	}
	h.due, h.attempts, h.json = int64(due), int(attempts), rest
	return h, nil
}

func decodeEnvelope(k, v []byte) (bot.Envelope, error) {
	var e bot.Envelope
	h, err := peekEnvelope(k, v)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(h.json, &e); err != nil {
		return e, fmt.Errorf("envelope %q: %w", k, err)
	}
	return e, nil
}

// Due implements bot.Outbox.
func (d *DB) Due(ctx context.Context, queue string, now time.Time, limit int) ([]bot.Envelope, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	d.gate.RLock()
	defer d.gate.RUnlock()
	var out []bot.Envelope
	held := map[string]bool{} // keys behind a retry that is not due
	err := d.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		at := now.UnixNano()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			h, err := peekEnvelope(k, v)
			if err != nil {
				return err
			}
			if string(h.queue) != queue || held[string(h.key)] {
				continue
			}
			if h.due > at {
				if h.attempts > 0 && len(h.key) > 0 {
					held[string(h.key)] = true
				}
				continue
			}
			e, err := decodeEnvelope(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox due %s: %w", queue, err)
	}
	return out, nil
}

// changeEnvelope runs fn on the stored envelope id in a write transaction;
// fn returns the new value, or nil to remove it. found is false when there
// is no such envelope.
func (d *DB) changeEnvelope(op, id string, fn func(tx *bbolt.Tx, e *bot.Envelope) (remove bool, err error)) (found bool, err error) {
	if d.opts.ReadOnly {
		return false, bot.ErrReadOnly
	}
	d.gate.RLock()
	err = d.batch(func(tx *bbolt.Tx) error {
		found = false
		ob := tx.Bucket(bucketOutbox)
		v := ob.Get([]byte(id))
		if v == nil {
			return nil
		}
		found = true
		e, err := decodeEnvelope([]byte(id), v)
		if err != nil {
			return err
		}
		remove, err := fn(tx, &e)
		if err != nil {
			return err
		}
		if !remove {
			nv, err := encodeEnvelope(&e)
			if err != nil {
				return err
			}
			return ob.Put([]byte(id), nv)
		}
		if err := ob.Delete([]byte(id)); err != nil {
			return err
		}
		if e.Key != "" {
			return tx.Bucket(bucketOutboxKeys).Delete(outboxKey(e.Key, id))
		}
		return nil
	})
	d.gate.RUnlock()
	if err != nil {
		return found, fmt.Errorf("outbox %s %s: %w", op, id, storeErr(err))
	}
	return found, nil
}

// Done implements bot.Outbox.
func (d *DB) Done(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := d.changeEnvelope("done", id, func(*bbolt.Tx, *bot.Envelope) (bool, error) { return true, nil })
	return err
}

// Retry implements bot.Outbox.
func (d *DB) Retry(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	found, err := d.changeEnvelope("retry", id, func(_ *bbolt.Tx, e *bot.Envelope) (bool, error) {
		e.Attempts++
		e.NotBefore = at
		return false, nil
	})
	if err == nil && !found {
		return fmt.Errorf("outbox retry %s: %w", id, bot.ErrNoEnvelope)
	}
	return err
}

// Drop implements bot.Outbox.
func (d *DB) Drop(ctx context.Context, id, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := d.changeEnvelope("drop", id, func(tx *bbolt.Tx, _ *bot.Envelope) (bool, error) {
		b := tx.Bucket(bucketTallies)
		k := []byte("outbox_dropped:" + reason)
		n, _ := strconv.Atoi(string(b.Get(k)))
		return true, b.Put(k, []byte(strconv.Itoa(n+1)))
	})
	return err
}

// Envelopes implements bot.Outbox.
func (d *DB) Envelopes(ctx context.Context, key string, fn func(bot.Envelope) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.gate.RLock()
	var list []bot.Envelope
	err := d.db.View(func(tx *bbolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		prefix := []byte(key + "/")
		c := tx.Bucket(bucketOutboxKeys).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			id := k[len(prefix):]
			v := ob.Get(id)
			if v == nil {
				return fmt.Errorf("outbox index %q without envelope: %w", k, codec.ErrDamaged)
			}
			e, err := decodeEnvelope(id, v)
			if err != nil {
				return err
			}
			list = append(list, e)
		}
		return nil
	})
	d.gate.RUnlock()
	if err != nil {
		return fmt.Errorf("outbox envelopes %s: %w", key, err)
	}
	for _, e := range list {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
