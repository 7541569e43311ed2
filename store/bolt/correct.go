package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/proactief/proactief/bot"
)

// CorrectResearch replaces the text of research turn seq of pseudonym by
// what fix returns, in one transaction, and then compacts the file so that
// the old text leaves no trace in freed pages (unless
// Options.KeepFreedPages). It returns an error wrapping bot.ErrNotFound if
// there is no such turn, bot.ErrReadOnly on a read-only store, and fix's
// error if fix fails, in which case nothing is written. It implements
// research.Corrector.
func (d *DB) CorrectResearch(ctx context.Context, pseudonym string, seq int, fix func(text string) (string, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.opts.ReadOnly {
		return bot.ErrReadOnly
	}
	key := researchKey(pseudonym, seq)
	d.gate.RLock()
	err := d.db.Update(func(tx *bbolt.Tx) error {
		rb := tx.Bucket(bucketResearch)
		v := rb.Get(key)
		if v == nil {
			return fmt.Errorf("research turn %s/%d: %w", pseudonym, seq, bot.ErrNotFound)
		}
		var t bot.ResearchTurn
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("research record %q: %w", key, err)
		}
		text, err := fix(t.Text)
		if err != nil {
			return err
		}
		t.Text = text
		nv, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return rb.Put(key, nv)
	})
	d.gate.RUnlock()
	if err != nil {
		return fmt.Errorf("correct research turn: %w", storeErr(err))
	}
	return d.afterErase()
}
