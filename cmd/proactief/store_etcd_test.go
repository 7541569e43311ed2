package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenServiceURL(t *testing.T) {
	dir := t.TempDir()
	envOf := func(vars ...string) *Env {
		m := map[string]string{"HOME": dir}
		for _, v := range vars {
			k, val, _ := strings.Cut(v, "=")
			m[k] = val
		}
		return &Env{Getenv: func(k string) string { return m[k] }}
	}
	ctx := context.Background()
	db := filepath.Join(dir, "default.db")

	// Unset: the --db file, and no elector.
	svc, path, el, closeFn, err := openService(ctx, envOf(), db)
	if err != nil {
		t.Fatal(err)
	}
	closeFn()
	if path != db || el != nil || svc == nil {
		t.Fatalf("path=%s elector=%v, want %s and none", path, el, db)
	}

	// A bolt URL names another file; the secret goes next to it.
	other := filepath.Join(dir, "other.db")
	_, path, el, closeFn, err = openService(ctx, envOf("PROACTIEF_STORE=bolt://"+other), db)
	if err != nil {
		t.Fatal(err)
	}
	closeFn()
	if path != other || el != nil {
		t.Fatalf("path=%s elector=%v, want %s and none", path, el, other)
	}

	// etcd needs the shared secret, before it is dialled.
	if _, _, _, _, err := openService(ctx, envOf("PROACTIEF_STORE=etcd://127.0.0.1:1"), db); !errors.Is(err, errSharedSecret) {
		t.Fatalf("etcd without PROACTIEF_SECRET_FILE: err=%v, want errSharedSecret", err)
	}
	if _, _, _, _, err := openService(ctx, envOf("PROACTIEF_STORE=nosuch://x"), db); err == nil {
		t.Fatal("an unknown store URL was accepted")
	}
}
