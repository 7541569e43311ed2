package web

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Review is what researchers recorded about one conversation.
type Review struct {
	Reviewed   bool      `json:"reviewed"`
	ReviewedBy string    `json:"reviewed_by,omitempty"`
	ReviewedAt time.Time `json:"reviewed_at,omitzero"`
	Tags       []string  `json:"tags,omitempty"`
	Notes      []Note    `json:"notes,omitempty"`
}

// Note is one researcher's remark on a conversation.
type Note struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// MaxNote is the longest note kept, in bytes.
const MaxNote = 4000

// Reviews keeps reviews in a JSON file (mode 0600, written atomically),
// keyed by research pseudonym. It is not the bot's store, so the review
// page can run over a read-only copy of the database.
type Reviews struct {
	path  string
	mu    sync.Mutex
	m     map[string]*Review
	stamp fileStamp // of the file as last read or written
}

// OpenReviews reads the reviews file at path; a missing file is an empty
// one.
func OpenReviews(path string) (*Reviews, error) {
	r := &Reviews{path: path, m: map[string]*Review{}}
	if err := r.reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Get returns a copy of the review of pseudonym (the zero Review when
// there is none).
func (r *Reviews) Get(pseudonym string) Review {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reload() // on failure, what was read before
	return r.copyOf(pseudonym)
}

func (r *Reviews) copyOf(pseudonym string) Review {
	v, ok := r.m[pseudonym]
	if !ok {
		return Review{}
	}
	c := *v
	c.Tags = append([]string(nil), v.Tags...)
	c.Notes = append([]Note(nil), v.Notes...)
	return c
}

// Tags returns every tag in use, sorted.
func (r *Reviews) Tags() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reload()
	seen := map[string]bool{}
	var out []string
	for _, v := range r.m {
		for _, t := range v.Tags {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Update changes the review of pseudonym with fn and writes the file; when
// writing fails the change is undone and the error returned.
func (r *Reviews) Update(pseudonym string, fn func(*Review)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Read what other processes wrote (an erasure among them) first, so
	// that this write does not bring it back.
	unlock, err := lockPath(r.path + ".lock")
	if err != nil {
		return fmt.Errorf("write reviews: %w", err)
	}
	defer unlock()
	if err := r.reload(); err != nil {
		return err
	}
	old, had := r.m[pseudonym]
	v := r.copyOf(pseudonym)
	fn(&v)
	r.m[pseudonym] = &v
	if err = r.save(); err != nil {
		if had {
			r.m[pseudonym] = old
		} else {
			delete(r.m, pseudonym)
		}
		return err
	}
	return nil
}

// parseTags splits a comma-separated list into clean, unique, lower-case
// tags of at most 40 characters each, at most 20 of them.
func parseTags(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		if t == "" || seen[t] {
			continue
		}
		if r := []rune(t); len(r) > 40 {
			t = string(r[:40])
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == 20 {
			break
		}
	}
	sort.Strings(out)
	return out
}
