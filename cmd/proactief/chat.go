package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/proactief/proactief/adapters/terminal"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

func init() {
	register(command{name: "chat", summary: "chat with the bot in this terminal (the default)", run: runChat})
}

func runChat(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "chat", "chat [--db PATH] [--config FILE] [--user ID] [--lang "+strings.Join(dialogue.Languages, "|")+"] [--trace]")
	dbPath := fs.String("db", defaultDBPath(env), "bbolt database file (env PROACTIEF_DB)")
	userID := fs.String("user", defaultUser(), "your id in this channel")
	lang := fs.String("lang", dialogue.Languages[0], "language: "+strings.Join(dialogue.Languages, " or "))
	trace := fs.Bool("trace", false, "print one JSON object per bot turn on stderr")
	config := fs.String("config", env.Getenv("PROACTIEF_CONFIG"), "deployment file (env PROACTIEF_CONFIG; see 'proactief config example')")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !slices.Contains(dialogue.Languages, *lang) {
		return fmt.Errorf("--lang %q: this build speaks %s", *lang, strings.Join(dialogue.Languages, ", "))
	}
	svc, _, _, closeFn, err := openServiceWith(ctx, env, *dbPath, *config)
	if err != nil {
		return err
	}
	defer closeFn()
	ret, err := retentionFromEnv(env)
	if err != nil {
		return err
	}
	if _, _, err := bot.SweepOnce(ctx, svc.Store(), ret, time.Now()); err != nil {
		return err
	}
	opts := terminal.Options{Lang: *lang, Interactive: isTerminal(env.Stdin), Unavailable: func(l string) string { return svc.Unavailable(l).Text }}
	if *trace {
		opts.Trace = env.Stderr
	}
	return terminal.New(svc, *userID, env.Stdin, env.Stdout, opts).Run(ctx)
}

func defaultUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "me"
}

func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
