package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/proactief/proactief/dialogue"
)

func init() {
	register(command{name: "config", summary: "the deployment file: 'config example' prints one, 'config check FILE' checks one", run: runConfig})
	register(command{name: "content", summary: "a deployment's own texts: 'content export DIR' writes the built-in ones, 'content check DIR' checks them", run: runContent})
}

// configUsage is printed for a wrong use of the config command.
const configUsage = "Usage: proactief config example\n       proactief config check FILE\n"

func runConfig(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, configUsage)
		return errUsage
	}
	switch args[0] {
	case "example":
		if len(args) != 1 {
			fmt.Fprint(env.Stderr, configUsage)
			return errUsage
		}
		fmt.Fprint(env.Stdout, exampleConfig)
		return nil
	case "check":
		if len(args) != 2 {
			fmt.Fprint(env.Stderr, configUsage)
			return errUsage
		}
		d, err := loadDeployment(args[1])
		var ce *configError
		if errors.As(err, &ce) {
			for _, p := range ce.problems {
				fmt.Fprintln(env.Stdout, p.String(ce.path))
			}
			return fmt.Errorf("%d problem%s in %s", len(ce.problems), map[bool]string{true: "", false: "s"}[len(ce.problems) == 1], ce.path)
		}
		if err != nil {
			return err
		}
		m := d.Municipality
		fmt.Fprintf(env.Stdout, "%s: ok (gemeente %s, %d partner%s, %d campaign%s, form of address %q, own content: %v)\n",
			args[1], m.Name, len(m.Partners), plural(len(m.Partners)), len(d.Campaigns), plural(len(d.Campaigns)),
			map[bool]string{true: "u", false: "je"}[m.Formal], d.Content != nil)
		return nil
	}
	fmt.Fprint(env.Stderr, configUsage)
	return errUsage
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

const contentUsage = "Usage: proactief content export DIR\n       proactief content check DIR\n"

func runContent(ctx context.Context, env *Env, args []string) error {
	if len(args) != 2 {
		fmt.Fprint(env.Stderr, contentUsage)
		return errUsage
	}
	dir := args[1]
	switch args[0] {
	case "export":
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		files := dialogue.ContentFiles()
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p := filepath.Join(dir, n)
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("%s exists; nothing was overwritten (export into an empty directory)", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(env.Stdout, "wrote %s to %s; edit them, delete what you do not change, check with \"proactief content check %s\", and set [content] dir in the deployment file\n", strings.Join(names, ", "), dir, dir)
		return nil
	case "check":
		files, err := readContentDir(dir)
		if err != nil {
			return err
		}
		problems := dialogue.CheckContent(files)
		for _, p := range problems {
			fmt.Fprintln(env.Stdout, p)
		}
		if len(problems) > 0 {
			return fmt.Errorf("%d problem%s in %s", len(problems), plural(len(problems)), dir)
		}
		fmt.Fprintf(env.Stdout, "%s: ok\n", dir)
		return nil
	}
	fmt.Fprint(env.Stderr, contentUsage)
	return errUsage
}

// exampleConfig is the complete, commented example "config example" prints.
//
//go:embed example.toml
var exampleConfig string
