package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a database file; give a file in it, e.g. --db %s", path, filepath.Join(path, "proactief.db"))
	}
	db, err := bolt.Open(path, bolt.Options{ReadOnly: readOnly})
	return db, boltError(path, err)
}

// boltError turns an error of opening the bbolt file at path into words a
// person can act on; every command says the same.
func boltError(path string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bot.ErrInUse):
		return fmt.Errorf("database %s is in use by proactief (serve or chat): stop it, or use --db with another file or a copy made while it was stopped", path)
	case errors.Is(err, bolt.ErrCorrupt):
		return fmt.Errorf("database %s is damaged or not a proactief database; nothing was written to it; restore a backup or start with another --db (%v)", path, err)
	}
	return err
}

// Errors of the pseudonym secret.
var (
	// errSecretMissing: the database holds data but its secret is gone.
	errSecretMissing = errors.New("secret missing")
	// errSecretMismatch: the secret is not the one the data was written with.
	errSecretMismatch = errors.New("secret does not match the database")
)

// secretClaimer is a store that records the fingerprint of the secret its
// pseudonyms were made with (store/bolt and store/etcd).
type secretClaimer interface {
	ClaimSecret(ctx context.Context, fingerprint string) (string, error)
}

// secretFingerprint identifies a secret without revealing it: an HMAC of
// a fixed text keyed with the secret.
func secretFingerprint(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("proactief secret fingerprint v1"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// holdsData reports whether st holds any session or research record.
func holdsData(ctx context.Context, st bot.Store) (bool, error) {
	errFound := errors.New("found")
	err := st.Sessions(ctx, func(*bot.Session) error { return errFound })
	if err == nil {
		err = st.Research(ctx, func(bot.ResearchTurn) error { return errFound })
	}
	if errors.Is(err, errFound) {
		return true, nil
	}
	return false, err
}

// loadSecret returns the pseudonym secret for st: from
// PROACTIEF_SECRET_FILE, or from a file next to the database, generated
// (mode 0600) at first start. It refuses a secret file that others may
// read, a missing secret when st already holds data (a new secret would
// give everybody new pseudonyms, so a returning person would start over
// and /vergeet could not reach their old records), and a secret other
// than the one st was written with (st keeps its fingerprint).
func loadSecret(ctx context.Context, env *Env, st bot.Store, dbPath string) ([]byte, error) {
	path := env.Getenv("PROACTIEF_SECRET_FILE")
	generate := false
	if path == "" {
		path = dbPath + ".secret"
		generate = true
	}
	secret, err := readSecret(path)
	if errors.Is(err, os.ErrNotExist) && generate {
		has, herr := holdsData(ctx, st)
		if herr != nil {
			return nil, herr
		}
		if has {
			return nil, fmt.Errorf("%w: the database %s holds conversations, but its secret %s is gone; "+
				"restore the secret from a backup (a new one would change every pseudonym, so nobody could continue or erase their conversation); "+
				"to start over, move the database away too", errSecretMissing, dbPath, path)
		}
		if secret, err = generateSecret(path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if c, ok := st.(secretClaimer); ok {
		fp := secretFingerprint(secret)
		got, err := c.ClaimSecret(ctx, fp)
		if err != nil {
			return nil, err
		}
		if got != fp {
			return nil, fmt.Errorf("%w: the secret %s is not the one the data in %s was written with; "+
				"use the original secret file (PROACTIEF_SECRET_FILE), or see \"Rotating the secret\" in docs/research.md", errSecretMismatch, path, dbPath)
		}
	}
	return secret, nil
}

// readSecret reads a secret file, refusing one others may read (as ssh
// refuses such a private key).
func readSecret(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret %s may be read by others (mode %04o); it keys every pseudonym, so make it yours alone: chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", path, err)
	}
	s := strings.TrimSpace(string(data))
	if len(s) < 16 {
		return nil, fmt.Errorf("secret %s is too short (at least 16 characters)", path)
	}
	return []byte(s), nil
}

// generateSecret writes a new random secret to path (mode 0600).
func generateSecret(path string) ([]byte, error) {
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
