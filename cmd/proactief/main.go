// Command proactief runs the proactief chatbot: a terminal chat by default,
// the configured channels with "serve", and research and measurement tools.
// Run "proactief help" for the list of commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Env is what a command may touch of the outside world. Tests fill it in to
// run the whole program in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable; flags and environment are read
	// only in this package.
	Getenv func(string) string
}

// command is one subcommand of proactief.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; each command's file registers itself in init.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("proactief: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	err := run(ctx, env, os.Args[1:])
	stop()
	if err != nil {
		os.Exit(exitCode(err))
	}
}

// errUsage marks an error whose message has already been printed (usage or
// flag errors); main exits with status 2 without printing it again.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// run dispatches to a subcommand. With no arguments it runs "serve" when a
// channel is configured in the environment and "chat" otherwise.
func run(ctx context.Context, env *Env, args []string) error {
	name := "chat"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	} else if channelConfigured(env) {
		name = "serve"
	}
	if name == "help" || name == "-h" || name == "--help" {
		printHelp(env.Stdout)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "proactief: unknown command %q\n\n", name)
		printHelp(env.Stderr)
		return errUsage
	}
	err := c.run(ctx, env, args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		return nil
	case errors.Is(err, errUsage):
		return err
	}
	fmt.Fprintf(env.Stderr, "proactief %s: %v\n", name, err)
	return err
}

// channelConfigured reports whether the environment configures a chat
// channel, so that a bare "proactief" serves it instead of the terminal.
func channelConfigured(env *Env) bool {
	for _, k := range []string{"TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN_FILE", "MATTERMOST_URL"} {
		if env.Getenv(k) != "" {
			return true
		}
	}
	return false
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "proactief: a chatbot for proactive public services (geldzorgen)")
	fmt.Fprintln(w, "\nUsage: proactief [command] [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nWithout a command: serve when a channel is configured, otherwise chat.")
	fmt.Fprintln(w, "Run 'proactief COMMAND -h' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: proactief %s\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns a flag error into errUsage (already printed).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "proactief %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}
