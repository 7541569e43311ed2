package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the layering of STYLE.md true: pure
// packages stay pure, SDKs stay in their adapter or store.
func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/proactief/proactief/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}`, "../../...").Output()
	if err != nil {
		t.Skipf("go list not available: %v", err)
	}
	type pkg struct{ imports, deps []string }
	pkgs := map[string]pkg{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) == 3 {
			pkgs[strings.TrimPrefix(f[0], mod)] = pkg{strings.Fields(f[1]), strings.Fields(f[2])}
		}
	}
	// Forbidden transitive dependencies (modules) and direct imports (std).
	rules := []struct {
		pkg             string
		deps, imports   []string
		allowDepsPrefix []string
	}{
		{pkg: "segment", deps: []string{mod, "github.com/", "go.etcd.io/", "golang.org/x/"}},
		{pkg: "redact", deps: []string{mod, "github.com/", "go.etcd.io/", "golang.org/x/"}},
		{pkg: "dialogue", deps: []string{mod, "go.etcd.io/", "github.com/go-telegram", "github.com/mattermost", "github.com/prometheus"},
			imports: []string{"log", "log/slog", "net/http", "os", "io/ioutil"}, allowDepsPrefix: []string{mod + "segment"}},
		{pkg: "bot", deps: []string{mod + "store", mod + "adapters", "go.etcd.io/", "github.com/go-telegram", "github.com/mattermost"}},
		{pkg: "adapters/terminal", deps: []string{mod + "store", "go.etcd.io/", "github.com/go-telegram", "github.com/mattermost"}},
		{pkg: "adapters/telegram", deps: []string{mod + "store", "go.etcd.io/", "github.com/mattermost"}},
		{pkg: "adapters/mattermost", deps: []string{mod + "store", "go.etcd.io/", "github.com/go-telegram"}},
		{pkg: "bot/bottest", deps: []string{mod + "store", mod + "adapters", "go.etcd.io/", "github.com/go-telegram", "github.com/mattermost"}},
		{pkg: "store/codec", deps: []string{mod + "store", mod + "adapters", "go.etcd.io/", "github.com/"}, allowDepsPrefix: []string{mod + "bot", mod + "dialogue", mod + "segment", mod + "redact", "github.com/looplab/fsm"}},
		{pkg: "store/bolt", deps: []string{mod + "adapters", "github.com/go-telegram", "github.com/mattermost"}},
		{pkg: "store/etcd", deps: []string{mod + "adapters", "go.etcd.io/bbolt", "github.com/go-telegram", "github.com/mattermost"}},
		{pkg: "research", deps: []string{mod + "store", mod + "adapters", "go.etcd.io/", "github.com/go-telegram", "github.com/mattermost"}},
		{pkg: "test/mattermost/citizen", deps: []string{mod + "store", mod + "bot", "go.etcd.io/", "github.com/mattermost"}, allowDepsPrefix: []string{mod + "bot", mod + "dialogue", mod + "segment"}},
		{pkg: "research/web", deps: []string{mod + "store", mod + "adapters", "go.etcd.io/", "github.com/go-telegram", "github.com/mattermost"}},
	}
	checked := 0
	for _, r := range rules {
		p, ok := pkgs[r.pkg]
		if !ok {
			continue
		}
		checked++
	deps:
		for _, d := range p.deps {
			for _, a := range r.allowDepsPrefix {
				if strings.HasPrefix(d, a) {
					continue deps
				}
			}
			for _, bad := range r.deps {
				if strings.HasPrefix(d, bad) {
					t.Errorf("%s depends on %s", r.pkg, d)
				}
			}
		}
		for _, i := range p.imports {
			for _, bad := range r.imports {
				if i == bad {
					t.Errorf("%s imports %s", r.pkg, i)
				}
			}
		}
	}
	// The deployment file is read only in cmd (STYLE.md: config files only
	// there); every other package takes plain option structs.
	for name, p := range pkgs {
		if strings.HasPrefix(name, "cmd/") {
			continue
		}
		for _, d := range p.deps {
			if strings.HasPrefix(d, "github.com/pelletier/go-toml/v2") {
				t.Errorf("%s depends on %s: configuration files are read only in cmd", name, d)
			}
		}
	}
	if checked < 4 {
		t.Fatalf("checked %d packages; go list output not understood", checked)
	}
}
