package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
	"github.com/proactief/proactief/store/etcd"
)

// storeSetting documents PROACTIEF_STORE for serve --help and the README.
const storeSetting = "store URL: bolt:///path/file.db (default: the --db file) or " +
	"etcd://[user@]host:2379,host:2379?prefix=/proactief/&ca=FILE&cert=FILE&key=FILE " +
	"(several instances; password in PROACTIEF_ETCD_PASSWORD_FILE; needs PROACTIEF_SECRET_FILE)"

// errSharedSecret is returned for a shared store without
// PROACTIEF_SECRET_FILE: every instance must key the pseudonyms alike.
var errSharedSecret = errors.New("an etcd store is shared by several instances, and they must all use the same pseudonym secret: " +
	"set PROACTIEF_SECRET_FILE to a file holding it (mode 0600; at least 16 characters)")

// openService opens the store PROACTIEF_STORE names (openStoreURL; unset
// means the bbolt file dbPath) and the engine, and wires the service. It
// returns the path the review page keeps its files next to (the bbolt
// file, or dbPath for etcd), and the store as an elector when several
// instances share it (etcd), nil otherwise.
func openService(ctx context.Context, env *Env, dbPath string) (*bot.Service, string, elector, func(), error) {
	return openServiceWith(ctx, env, dbPath, env.Getenv("PROACTIEF_CONFIG"))
}

// openServiceWith is openService with the deployment file at configPath
// ("" means none: the national, generic routes). An invalid file is
// refused before anything is opened.
func openServiceWith(ctx context.Context, env *Env, dbPath, configPath string) (*bot.Service, string, elector, func(), error) {
	dep, err := loadDeployment(configPath)
	if err != nil {
		return nil, "", nil, nil, err
	}
	return openServiceFor(ctx, env, dbPath, dep)
}

// openServiceFor is openService for a deployment already read.
func openServiceFor(ctx context.Context, env *Env, dbPath string, dep deployment) (*bot.Service, string, elector, func(), error) {
	url := env.Getenv("PROACTIEF_STORE")
	fromEnv := url != ""
	if !fromEnv {
		url = "bolt:" + dbPath
	}
	if strings.HasPrefix(url, "etcd:") && env.Getenv("PROACTIEF_SECRET_FILE") == "" {
		return nil, "", nil, nil, errSharedSecret
	}
	ret, err := retentionFromEnv(env)
	if err != nil {
		return nil, "", nil, nil, err
	}
	ho, err := handoverFromEnv(env)
	if err != nil {
		return nil, "", nil, nil, err
	}
	fu, err := followupFromEnv(env)
	if err != nil {
		return nil, "", nil, nil, err
	}
	dopts := dialogue.Options{
		RetentionDays: int(ret.Sessions.Hours() / 24),
		ResearchDays:  int(ret.Research.Hours() / 24),
		Municipality:  dep.Municipality,
		Campaigns:     dep.Campaigns,
		Content:       dep.Content,
		Handover:      ho.Desk,
	}
	fu.engine(&dopts)
	eng, err := dialogue.New(dopts)
	if err != nil {
		return nil, "", nil, nil, err
	}
	st, closeFn, err := openStoreURL(ctx, env, url)
	if err != nil {
		if fromEnv {
			err = fmt.Errorf("PROACTIEF_STORE: %w", err)
		}
		return nil, "", nil, nil, err
	}
	var el elector
	switch s := st.(type) {
	case *bolt.DB:
		dbPath = s.Path()
	case *etcd.Store:
		el = s
	}
	secret, err := loadSecret(ctx, env, st, dbPath)
	if err != nil {
		closeFn()
		return nil, "", nil, nil, err
	}
	// Copies of research data beside the database follow its erasures;
	// what an earlier run could not reach goes now.
	cp := copiesOf(dbPath)
	if err := cp.reconcile(ctx, st); err != nil {
		closeFn()
		return nil, "", nil, nil, fmt.Errorf("erase from reviews and audit log: %w", err)
	}
	st = &erasingStore{Store: st, copies: cp, log: newLogger(env).With("component", "erasure")}
	return bot.New(st, eng, secret, bot.Options{Handover: ho, Followup: fu.bot, Logger: newLogger(env)}), dbPath, el, closeFn, nil
}
