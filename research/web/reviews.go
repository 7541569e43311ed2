package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
	path string
	mu   sync.Mutex
	m    map[string]*Review
}

// OpenReviews reads the reviews file at path; a missing file is an empty
// one.
func OpenReviews(path string) (*Reviews, error) {
	r := &Reviews{path: path, m: map[string]*Review{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read reviews %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &r.m); err != nil {
		return nil, fmt.Errorf("read reviews %s: %w", path, err)
	}
	return r, nil
}

// Get returns a copy of the review of pseudonym (the zero Review when
// there is none).
func (r *Reviews) Get(pseudonym string) Review {
	r.mu.Lock()
	defer r.mu.Unlock()
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
	old, had := r.m[pseudonym]
	v := r.copyOf(pseudonym)
	fn(&v)
	r.m[pseudonym] = &v
	data, err := json.MarshalIndent(r.m, "", "  ")
	if err == nil {
		err = writeFileAtomic(r.path, append(data, '\n'))
	}
	if err != nil {
		if had {
			r.m[pseudonym] = old
		} else {
			delete(r.m, pseudonym)
		}
		return fmt.Errorf("write reviews: %w", err)
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
