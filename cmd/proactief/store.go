package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/bolt"
)

// defaultDBPath is the database in the user's data directory.
func defaultDBPath(env *Env) string {
	if p := env.Getenv("PROACTIEF_DB"); p != "" {
		return p
	}
	dir := env.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home := env.Getenv("HOME")
		if home == "" {
			if h, err := os.UserHomeDir(); err == nil {
				home = h
			}
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "proactief", "proactief.db")
}

// openBolt opens the bbolt store with an error a person can act on.
func openBolt(path string, readOnly bool) (*bolt.DB, error) {
	db, err := bolt.Open(path, bolt.Options{ReadOnly: readOnly})
	switch {
	case errors.Is(err, bot.ErrInUse):
		return nil, fmt.Errorf("database %s is in use by proactief (serve or chat): stop it, or use --db with another file or a copy made while it was stopped", path)
	case errors.Is(err, bolt.ErrCorrupt):
		return nil, fmt.Errorf("database %s is damaged or not a proactief database; restore a backup or start with another --db (%v)", path, err)
	case err != nil:
		return nil, err
	}
	return db, nil
}

// loadSecret returns the pseudonym secret: from PROACTIEF_SECRET_FILE, or
// from a file next to the database, generated (mode 0600) at first start.
func loadSecret(env *Env, dbPath string) ([]byte, error) {
	path := env.Getenv("PROACTIEF_SECRET_FILE")
	generate := false
	if path == "" {
		path = dbPath + ".secret"
		generate = true
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && generate {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		enc := []byte(hex.EncodeToString(secret) + "\n")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create secret %s: %w", path, err)
		}
		if _, err := f.Write(enc); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		return []byte(strings.TrimSpace(string(enc))), f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", path, err)
	}
	s := strings.TrimSpace(string(data))
	if len(s) < 16 {
		return nil, fmt.Errorf("secret %s is too short (at least 16 characters)", path)
	}
	return []byte(s), nil
}

// retentionFromEnv reads PROACTIEF_RETENTION and PROACTIEF_RESEARCH_RETENTION
// (Go durations like 720h, or days like 30d).
func retentionFromEnv(env *Env) (bot.Retention, error) {
	var r bot.Retention
	var err error
	if r.Sessions, err = parseDays(env.Getenv("PROACTIEF_RETENTION")); err != nil {
		return r, fmt.Errorf("PROACTIEF_RETENTION: %w", err)
	}
	if r.Research, err = parseDays(env.Getenv("PROACTIEF_RESEARCH_RETENTION")); err != nil {
		return r, fmt.Errorf("PROACTIEF_RESEARCH_RETENTION: %w", err)
	}
	return r, nil
}

func parseDays(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a duration (use 30d or 720h)", s)
	}
	return v, nil
}
