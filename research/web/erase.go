package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Erase removes the review of pseudonym (its tags, notes and who reviewed
// it) from memory and from the file: it goes with the conversation when
// the person erases their data or withdraws research consent. Erasing what
// is not there is not an error.
func (r *Reviews) Erase(pseudonym string) error {
	return r.retain(func(p string) bool { return p != pseudonym })
}

// Retain keeps only the reviews of pseudonyms for which live returns true
// and writes the file when it dropped any: the reviews of conversations
// whose research records are gone (erased, or removed by the retention
// sweep) go too.
func (r *Reviews) Retain(live func(pseudonym string) bool) error {
	return r.retain(live)
}

func (r *Reviews) retain(live func(string) bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	unlock, err := lockPath(r.path + ".lock")
	if err != nil {
		return fmt.Errorf("erase reviews: %w", err)
	}
	defer unlock()
	if err := r.reload(); err != nil {
		return fmt.Errorf("erase reviews: %w", err)
	}
	dropped := false
	for p := range r.m {
		if !live(p) {
			delete(r.m, p)
			dropped = true
		}
	}
	if !dropped {
		return nil
	}
	return r.save()
}

// save writes r.m to the file. r.mu and the file lock are held.
func (r *Reviews) save() error {
	data, err := json.MarshalIndent(r.m, "", "  ")
	if err == nil {
		err = writeFileAtomic(r.path, append(data, '\n'))
	}
	if err != nil {
		return fmt.Errorf("write reviews: %w", err)
	}
	r.stamp = stampOf(r.path)
	return nil
}

// fileStamp tells whether a file changed since it was read.
type fileStamp struct {
	ok    bool
	size  int64
	mod   time.Time
	inode os.FileInfo
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{ok: true, size: fi.Size(), mod: fi.ModTime(), inode: fi}
}

func (a fileStamp) same(b fileStamp) bool {
	if a.ok != b.ok {
		return false
	}
	return !a.ok || (a.size == b.size && a.mod.Equal(b.mod) && os.SameFile(a.inode, b.inode))
}

// reload reads the file again when another process (or another Reviews
// of this one) changed it since it was read. r.mu is held.
func (r *Reviews) reload() error {
	st := stampOf(r.path)
	if st.same(r.stamp) {
		return nil
	}
	m := map[string]*Review{}
	data, err := os.ReadFile(r.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read reviews %s: %w", r.path, err)
	default:
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("read reviews %s: %w", r.path, err)
		}
	}
	r.m, r.stamp = m, st
	return nil
}
