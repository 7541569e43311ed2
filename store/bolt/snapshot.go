package bolt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	bbolt "go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"

	"github.com/proactief/proactief/bot"
)

// snapshotTries is how often OpenSnapshot copies a file that a writer
// holds before it gives up on a copy torn by concurrent commits.
const snapshotTries = 5

// OpenSnapshot returns a read-only DB over a private copy of the database
// at path, made in dir (os.TempDir() when empty). When no other process
// writes the file the copy is taken in one read transaction (bbolt's
// Tx.WriteTo), so it is consistent; while one does (bbolt lets a reader
// share the file only with other readers), the file is copied as it is
// and then checked page by page like Open does, and a copy torn by a
// commit is taken again.
//
// The copy is unlinked as soon as it is open (on Linux, through
// /proc/self/fd): it lives as long as the returned DB and leaves nothing
// on disk after any exit, a kill -9 included. Where /proc is missing, the
// copy keeps its name until Close.
//
// It returns an error wrapping ErrCorrupt when the database is damaged,
// and os.ErrNotExist when there is none.
func OpenSnapshot(path, dir string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	var last error
	for try := 0; try < snapshotTries; try++ {
		db, err := openSnapshot(path, dir)
		if err == nil || !errors.Is(err, errTorn) {
			return db, err
		}
		last = err
		time.Sleep(time.Duration(try+1) * 20 * time.Millisecond)
	}
	return nil, fmt.Errorf("snapshot %s: %w", path, last)
}

// errTorn marks a plain copy that did not check out: a commit may have
// been under way, so the copy is taken again.
var errTorn = errors.New("copy changed while it was taken")

func openSnapshot(path, dir string) (*DB, error) {
	f, err := os.CreateTemp(dir, "proactief-snapshot-*.db")
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	defer f.Close()
	name := f.Name()
	open := name
	unlinked := false
	if runtime.GOOS == "linux" {
		if p := fmt.Sprintf("/proc/self/fd/%d", f.Fd()); fileExists(p) {
			if err := os.Remove(name); err == nil {
				open, unlinked = p, true
			}
		}
	}
	fail := func(err error) (*DB, error) {
		if !unlinked {
			os.Remove(name)
		}
		return nil, err
	}
	live := false
	if err := writeTo(path, f); err == nil {
		live = true
	} else if !errors.Is(err, bot.ErrInUse) {
		return fail(err)
	} else if err := copyFile(path, f); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("snapshot: %w", err))
	}
	d, err := Open(open, Options{ReadOnly: true})
	if err != nil {
		if !live && errors.Is(err, ErrCorrupt) {
			return fail(fmt.Errorf("%w: %w", errTorn, err))
		}
		return fail(err)
	}
	if !unlinked {
		d.remove = name
	}
	return d, nil
}

// writeTo writes a consistent copy of the database at path to w in one
// read transaction. It returns bot.ErrInUse at once when a writer holds
// the file.
func writeTo(path string, w io.Writer) (err error) {
	if err := preflight(path); err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("snapshot %s: %w", path, corrupt(r))
		}
	}()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 50 * time.Millisecond})
	switch {
	case errors.Is(err, bberrors.ErrTimeout):
		return fmt.Errorf("snapshot %s: %w", path, bot.ErrInUse)
	case err != nil:
		return fmt.Errorf("snapshot %s: %w (%v)", path, ErrCorrupt, err)
	}
	defer db.Close()
	return db.View(func(tx *bbolt.Tx) error {
		_, err := tx.WriteTo(w)
		return err
	})
}

// copyFile copies the file at path to w as it is.
func copyFile(path string, w io.Writer) error {
	in, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer in.Close()
	if _, err := io.Copy(w, in); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
