package etcd

import (
	"context"
	"encoding/json"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/proactief/proactief/bot"
)

// CorrectResearch replaces the text of research turn seq of pseudonym by
// what fix returns, written only if the turn did not change since it was
// read (fix runs again otherwise), and then asks for the compaction that
// erasure uses, so the old text does not stay readable at an old revision
// for longer than Options.CompactAfterErase. It returns an error wrapping
// bot.ErrNotFound if there is no such turn and fix's error if fix fails,
// in which case nothing is written. It implements research.Corrector.
func (s *Store) CorrectResearch(ctx context.Context, pseudonym string, seq int, fix func(text string) (string, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := s.researchKey(pseudonym, seq)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
		var resp *clientv3.GetResponse
		err := s.retry(ctx, func(ctx context.Context) (err error) {
			resp, err = s.cli.Get(ctx, key)
			return err
		})
		if err != nil {
			return fmt.Errorf("correct research turn %s/%d: %w", pseudonym, seq, err)
		}
		if len(resp.Kvs) == 0 {
			return fmt.Errorf("research turn %s/%d: %w", pseudonym, seq, bot.ErrNotFound)
		}
		kv := resp.Kvs[0]
		var t bot.ResearchTurn
		if err := json.Unmarshal(kv.Value, &t); err != nil {
			return fmt.Errorf("research record %s/%d: %w", pseudonym, seq, err)
		}
		text, err := fix(t.Text)
		if err != nil {
			return err
		}
		t.Text = text
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		var ok bool
		err = s.retry(ctx, func(ctx context.Context) error {
			r, err := s.cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", kv.ModRevision)).
				Then(clientv3.OpPut(key, string(v))).Commit()
			if err == nil {
				ok = r.Succeeded
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("correct research turn %s/%d: %w", pseudonym, seq, err)
		}
		if ok {
			s.afterErase()
			return nil
		}
	}
	return fmt.Errorf("correct research turn %s/%d: %w", pseudonym, seq, bot.ErrConflict)
}
