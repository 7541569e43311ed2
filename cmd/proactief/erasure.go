package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/research"
	"github.com/proactief/proactief/research/web"
)

// copies are the files beside the database that can name a research
// pseudonym: the review page's reviews (tags and notes that may quote the
// person) and the audit log. Erasure must reach them too.
type copies struct {
	reviews string // <db>.reviews.json
	audit   string // <db>.audit.log
}

func copiesOf(dbPath string) copies {
	return copies{reviews: reviewsPath(dbPath), audit: auditPath(dbPath)}
}

// forget removes pseudonym from every copy. A file that does not exist is
// not created.
func (c copies) forget(pseudonym string) error {
	return c.retain(func(p string) bool { return p != pseudonym }, pseudonym)
}

// retain keeps in every copy only the pseudonyms live accepts. pseudonym,
// when not "", is the one being erased (the audit log is searched for it
// anywhere, not only where a pseudonym's shape is expected).
func (c copies) retain(live func(string) bool, pseudonym string) error {
	var errs []error
	if _, err := os.Stat(c.reviews); err == nil {
		r, err := web.OpenReviews(c.reviews)
		if err == nil {
			err = r.Retain(live)
		}
		errs = append(errs, err)
	}
	if _, err := os.Stat(c.audit); err == nil {
		a, err := research.OpenAudit(c.audit)
		if err == nil {
			if pseudonym != "" {
				err = a.Forget(pseudonym)
			} else {
				err = a.Retain(live)
			}
			a.Close()
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// livePseudonyms returns the research pseudonyms st holds records of.
func livePseudonyms(ctx context.Context, st bot.Store) (map[string]bool, error) {
	live := map[string]bool{}
	err := st.Research(ctx, func(t bot.ResearchTurn) error {
		live[t.Pseudonym] = true
		return nil
	})
	return live, err
}

// reconcile removes from the copies every pseudonym st no longer holds
// records of: an erasure whose copies could not be reached at the time
// (a crash, a full disk), or records the retention sweep removed.
func (c copies) reconcile(ctx context.Context, st bot.Store) error {
	live, err := livePseudonyms(ctx, st)
	if err != nil {
		return err
	}
	return c.retain(func(p string) bool { return live[p] }, "")
}

// erasingStore is the store of chat and serve: when a person's research
// records are erased (/vergeet, research consent withdrawn, Delete) or
// swept, it erases them from the copies too, after the store's commit.
type erasingStore struct {
	bot.Store
	copies copies
	log    *slog.Logger
}

// Update implements bot.Store. When the copies cannot be reached the
// error wraps bot.ErrUnavailable, so that nobody is told their data is
// gone while a copy remains; the next start or sweep finishes the job.
func (e *erasingStore) Update(ctx context.Context, key string, fn func(*bot.Session) error) error {
	var erased string
	err := e.Store.Update(ctx, key, func(s *bot.Session) error {
		err := fn(s)
		erased = s.EraseResearch
		return err
	})
	if err != nil || erased == "" {
		return err
	}
	return e.forget(erased)
}

// Delete implements bot.Store.
func (e *erasingStore) Delete(ctx context.Context, key, research string) error {
	if err := e.Store.Delete(ctx, key, research); err != nil || research == "" {
		return err
	}
	return e.forget(research)
}

// Sweep implements bot.Store.
func (e *erasingStore) Sweep(ctx context.Context, sessionsBefore, researchBefore time.Time) (int, int, error) {
	ns, nr, err := e.Store.Sweep(ctx, sessionsBefore, researchBefore)
	if err == nil && nr > 0 {
		if cerr := e.copies.reconcile(ctx, e.Store); cerr != nil {
			e.log.Error("erase swept records from reviews and audit log", "err", cerr)
		}
	}
	return ns, nr, err
}

func (e *erasingStore) forget(pseudonym string) error {
	if err := e.copies.forget(pseudonym); err != nil {
		e.log.Error("erase from reviews and audit log", "err", err)
		return fmt.Errorf("erase copies: %w: %w", bot.ErrUnavailable, err)
	}
	return nil
}

// DroppedTallies implements bot.TallyDrops when the store does (serve's
// metrics read it through the wrapper).
func (e *erasingStore) DroppedTallies() int64 {
	if d, ok := e.Store.(bot.TallyDrops); ok {
		return d.DroppedTallies()
	}
	return 0
}

// CorrectResearch implements research.Corrector when the store does, so
// that the review page of serve can still redact a missed piece in place.
func (e *erasingStore) CorrectResearch(ctx context.Context, pseudonym string, seq int, fix func(string) (string, error)) error {
	c, ok := e.Store.(research.Corrector)
	if !ok {
		return research.ErrCannotCorrect
	}
	return c.CorrectResearch(ctx, pseudonym, seq, fix)
}

var _ research.Corrector = (*erasingStore)(nil)
