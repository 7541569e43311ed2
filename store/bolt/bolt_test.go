package bolt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/bolt"
	"github.com/proactief/proactief/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.Store {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), bolt.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return db
	})
}

func TestSecondOpenIsInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	start := time.Now()
	_, err = bolt.Open(path, bolt.Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, bot.ErrInUse) {
		t.Fatalf("second Open: err=%v, want ErrInUse", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("second Open took %v", d)
	}
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode=%v, want 0600", fi.Mode().Perm())
	}
}

func TestDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	db, err := bolt.Open(good, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(context.Background(), "s-1", func(s *bot.Session) error { return nil })
	db.Close()
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"garbage":   []byte("this is not a database at all, just some text that is long enough to look like something"),
		"empty":     {},
		"truncated": data[:len(data)/3],
		"zeroed":    make([]byte, len(data)),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".db")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := bolt.Open(p, bolt.Options{Timeout: 100 * time.Millisecond})
			if err == nil {
				// bbolt may accept an empty file as new; that is fine.
				db.Close()
				if name != "empty" {
					t.Fatalf("Open of %s file succeeded", name)
				}
				return
			}
			if !errors.Is(err, bolt.ErrCorrupt) {
				t.Fatalf("Open of %s file: err=%v, want ErrCorrupt", name, err)
			}
		})
	}
}

func TestSchemaRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open: %v", err)
	}
	defer ro.Close()
	if err := ro.Update(context.Background(), "s", func(*bot.Session) error { return nil }); !errors.Is(err, bot.ErrReadOnly) {
		t.Fatalf("write to read-only store: err=%v", err)
	}
}
