package etcd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/proactief/proactief/bot"
)

// The outbox under the prefix:
//
//	o/<envelope ID>         the bot.Envelope as JSON
//	ok/<session key>/<ID>   the envelope's kind (for cancel and erase by key)
//
// Envelopes are added only in an Update of their session, in its
// transaction. Cancelling reads the key's index first: nothing else adds
// envelopes of that key meanwhile (the Update is conditional on the
// session), and removing one a drainer removed meanwhile changes nothing.
// Only the elected instance drains a queue (Lead), so each envelope has
// one owner at a time; a failover hands the whole queue to the next.

// maxEnvelopeOps bounds the operations one Update spends on the outbox,
// within etcd's --max-txn-ops together with the research turns.
const maxEnvelopeOps = 60

func (s *Store) envelopeKey(id string) string { return s.prefix + "o/" + id }

func (s *Store) envelopeIndexPrefix(key string) string { return s.prefix + "ok/" + key + "/" }

// outboxOps returns the operations that cancel and add the envelopes an
// Update carries; cancelled reports whether any envelope is removed.
func (s *Store) outboxOps(ctx context.Context, key string, sess *bot.Session) (ops []clientv3.Op, cancelled bool, err error) {
	putting := map[string]bool{}
	for _, e := range sess.Outbox {
		if e.ID == "" {
			return nil, false, fmt.Errorf("envelope without ID")
		}
		if e.Key != "" && e.Key != key {
			return nil, false, fmt.Errorf("envelope %s of key %s in an update of %s", e.ID, e.Key, key)
		}
		putting[e.ID] = true
	}
	if !sess.Cancel.Empty() {
		idx, err := s.envelopeIndex(ctx, key)
		if err != nil {
			return nil, false, err
		}
		for _, e := range idx {
			if sess.Cancel.Matches(&e) && !putting[e.ID] {
				ops = append(ops, clientv3.OpDelete(s.envelopeKey(e.ID)), clientv3.OpDelete(s.envelopeIndexPrefix(key)+e.ID))
				cancelled = true
			}
		}
	}
	for _, e := range sess.Outbox {
		v, err := json.Marshal(e)
		if err != nil {
			return nil, false, fmt.Errorf("encode envelope %s: %w", e.ID, err)
		}
		ops = append(ops, clientv3.OpPut(s.envelopeKey(e.ID), string(v)))
		if e.Key != "" {
			ops = append(ops, clientv3.OpPut(s.envelopeIndexPrefix(key)+e.ID, e.Kind))
		}
	}
	if len(ops) > maxEnvelopeOps {
		return nil, false, fmt.Errorf("%d outbox operations in one write, at most %d", len(ops), maxEnvelopeOps)
	}
	return ops, cancelled, nil
}

// envelopeIndex returns the ID and kind of every envelope of key.
func (s *Store) envelopeIndex(ctx context.Context, key string) ([]bot.Envelope, error) {
	p := s.envelopeIndexPrefix(key)
	var out []bot.Envelope
	err := s.scan(ctx, p, func(kv *mvccpb.KeyValue) error {
		out = append(out, bot.Envelope{ID: strings.TrimPrefix(string(kv.Key), p), Key: key, Kind: string(kv.Value)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox index %s: %w", key, err)
	}
	return out, nil
}

// addOutbox adds the outbox operations to w.
func (w *write) addOutbox(ops []clientv3.Op, cancelled bool, added []bot.Envelope) {
	w.ops = append(w.ops, ops...)
	w.erases = w.erases || cancelled
	if len(added) > 0 {
		w.envelope = added[0].ID
	}
}

// envelopeCommitted reports whether the envelope id (the first of an Update
// whose outcome is unknown) is stored. Caveat: when the write was committed
// and the envelope delivered since, it is taken as not committed and the
// caller writes it again (a message sent twice, never lost).
func (s *Store) envelopeCommitted(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	var found bool
	err := s.retry(ctx, func(ctx context.Context) error {
		resp, err := s.cli.Get(ctx, s.envelopeKey(id), clientv3.WithCountOnly())
		if err == nil {
			found = resp.Count > 0
		}
		return err
	})
	return found, err
}

// Due implements bot.Outbox.
func (s *Store) Due(ctx context.Context, queue string, now time.Time, limit int) ([]bot.Envelope, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	var out []bot.Envelope
	held := map[string]bool{}
	errFull := fmt.Errorf("full")
	err := s.scan(ctx, s.prefix+"o/", func(kv *mvccpb.KeyValue) error {
		var e bot.Envelope
		if err := json.Unmarshal(kv.Value, &e); err != nil {
			return fmt.Errorf("envelope %q: %w", strings.TrimPrefix(string(kv.Key), s.prefix), err)
		}
		if e.Queue() != queue || held[e.Key] {
			return nil
		}
		if !e.Due(now) {
			if e.Attempts > 0 && e.Key != "" {
				held[e.Key] = true
			}
			return nil
		}
		out = append(out, e)
		if len(out) >= limit {
			return errFull
		}
		return nil
	})
	if err != nil && err != errFull {
		return nil, fmt.Errorf("outbox due %s: %w", queue, err)
	}
	return out, nil
}

// changeEnvelope reads envelope id, lets fn change it (remove: delete it)
// and writes it back conditional on its ModRevision, again on conflict.
// found is false when there is no such envelope. extra are operations to
// commit with a removal.
func (s *Store) changeEnvelope(ctx context.Context, op, id string, fn func(e *bot.Envelope) (remove bool)) (found bool, err error) {
	k := s.envelopeKey(id)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return false, err
			}
		}
		var resp *clientv3.GetResponse
		if err := s.retry(ctx, func(ctx context.Context) (err error) {
			resp, err = s.cli.Get(ctx, k)
			return err
		}); err != nil {
			return false, fmt.Errorf("outbox %s %s: %w", op, id, err)
		}
		if len(resp.Kvs) == 0 {
			return false, nil
		}
		kv := resp.Kvs[0]
		var e bot.Envelope
		if err := json.Unmarshal(kv.Value, &e); err != nil {
			return true, fmt.Errorf("outbox %s %s: %w", op, id, err)
		}
		var ops []clientv3.Op
		if fn(&e) {
			ops = append(ops, clientv3.OpDelete(k))
			if e.Key != "" {
				ops = append(ops, clientv3.OpDelete(s.envelopeIndexPrefix(e.Key)+id))
			}
		} else {
			v, err := json.Marshal(e)
			if err != nil {
				return true, err
			}
			ops = append(ops, clientv3.OpPut(k, string(v)))
		}
		var ok bool
		// Conditional on the revision read, so doing it twice is harmless.
		err := s.retry(ctx, func(ctx context.Context) error {
			r, err := s.cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(k), "=", kv.ModRevision)).Then(ops...).Commit()
			if err == nil {
				ok = r.Succeeded
			}
			return err
		})
		if err != nil {
			return true, fmt.Errorf("outbox %s %s: %w", op, id, err)
		}
		if ok {
			return true, nil
		}
	}
	return true, fmt.Errorf("outbox %s %s: %w", op, id, bot.ErrConflict)
}

// Done implements bot.Outbox.
func (s *Store) Done(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	found, err := s.changeEnvelope(ctx, "done", id, func(*bot.Envelope) bool { return true })
	if found && err == nil {
		// A relayed message's text was in it.
		s.afterErase()
	}
	return err
}

// Retry implements bot.Outbox.
func (s *Store) Retry(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	found, err := s.changeEnvelope(ctx, "retry", id, func(e *bot.Envelope) bool {
		e.Attempts++
		e.NotBefore = at
		return false
	})
	if err == nil && !found {
		return fmt.Errorf("outbox retry %s: %w", id, bot.ErrNoEnvelope)
	}
	return err
}

// Drop implements bot.Outbox. The counter is added after the removal; if
// that fails, the drop is not counted (counters are figures).
func (s *Store) Drop(ctx context.Context, id, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	found, err := s.changeEnvelope(ctx, "drop", id, func(*bot.Envelope) bool { return true })
	if err != nil || !found {
		return err
	}
	s.afterErase()
	if err := s.Tally(ctx, map[string]int{"outbox_dropped:" + reason: 1}); err != nil {
		s.log.Warn("outbox drop not counted", "err", err)
	}
	return nil
}

// Envelopes implements bot.Outbox.
func (s *Store) Envelopes(ctx context.Context, key string, fn func(bot.Envelope) error) error {
	idx, err := s.envelopeIndex(ctx, key)
	if err != nil {
		return err
	}
	for _, ie := range idx {
		var resp *clientv3.GetResponse
		if err := s.retry(ctx, func(ctx context.Context) (err error) {
			resp, err = s.cli.Get(ctx, s.envelopeKey(ie.ID))
			return err
		}); err != nil {
			return fmt.Errorf("outbox envelopes %s: %w", key, err)
		}
		if len(resp.Kvs) == 0 {
			continue // delivered meanwhile
		}
		var e bot.Envelope
		if err := json.Unmarshal(resp.Kvs[0].Value, &e); err != nil {
			return fmt.Errorf("outbox envelopes %s: %w", key, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// deleteEnvelopesOps returns the operations that remove every envelope of
// key (Delete).
func (s *Store) deleteEnvelopesOps(ctx context.Context, key string) ([]clientv3.Op, error) {
	idx, err := s.envelopeIndex(ctx, key)
	if err != nil {
		return nil, err
	}
	ops := []clientv3.Op{clientv3.OpDelete(s.envelopeIndexPrefix(key), clientv3.WithPrefix())}
	for _, e := range idx {
		ops = append(ops, clientv3.OpDelete(s.envelopeKey(e.ID)))
	}
	return ops, nil
}
