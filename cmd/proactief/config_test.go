package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCmd runs proactief in-process with stdin and returns stdout, stderr
// and the error.
func runCmd(t *testing.T, stdin string, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	err := run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

func TestConfigExamplePassesCheck(t *testing.T) {
	out, _, err := runCmd(t, "", nil, "config", "example")
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, t.TempDir(), "example.toml", out)
	got, _, err := runCmd(t, "", nil, "config", "check", p)
	if err != nil || !strings.Contains(got, "ok") {
		t.Fatalf("config check of the example: %v\n%s", err, got)
	}
	d, err := loadDeployment(p)
	if err != nil {
		t.Fatal(err)
	}
	m := d.Municipality
	// The example shows every key: each one must reach the options.
	if m.Name == "" || m.Phone == "" || m.UrgentPhone == "" || m.Hours == "" || m.Address == "" || m.WalkIn == "" ||
		m.Email == "" || m.WebForm == "" || m.Controller == "" || m.PrivacyURL == "" || len(m.Partners) < 4 || len(d.Campaigns) == 0 {
		t.Errorf("the example leaves something unset: %+v %+v", m, d.Campaigns)
	}
	for _, k := range knownKeys["municipality"] {
		if !strings.Contains(out, "\n"+k+" =") {
			t.Errorf("the example does not show municipality.%s", k)
		}
	}
	for table, keys := range knownKeys {
		for _, k := range keys {
			if table != "" && !strings.Contains(out, k+" =") && !strings.Contains(out, "# "+k+" =") {
				t.Errorf("the example does not show %s.%s", table, k)
			}
		}
	}
}

func TestConfigCheckListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(mkdir(t, dir, "teksten")), "nl.txt", "[contact]\nneutral: Bel ons.\n")
	bad := `[municipality]
name = "Zuidhaven"
phnoe = "14 0999"
email = "geen adres"
form_of_address = "jij"

[urgent]
phone = 112233

[privacy]
statement_url = "zuidhaven.nl/privacy"

[content]
dir = "teksten"

[[partner]]
name = "Maatje"
offers = "Helpt."
reach = "Bel."
ways = ["telefoon"]

[[campaign]]
name = "brief-1"
text = "Daarom."

[[campaign]]
name = "brief-1"
text = "Nog eens."
`
	p := writeFile(t, dir, "bad.toml", bad)
	out, _, err := runCmd(t, "", nil, "config", "check", p)
	if err == nil {
		t.Fatalf("config check accepted a bad file:\n%s", out)
	}
	for _, want := range []string{
		"bad.toml:1: municipality.phone is required",
		`bad.toml:3: unknown key "phnoe" in [municipality] (did you mean "phone"?)`,
		`bad.toml:4: municipality.email "geen adres" is not an e-mail address`,
		`bad.toml:5: municipality.form_of_address is "jij"`,
		"bad.toml:8: urgent.phone must be text in quotes, not a number",
		"bad.toml:11: privacy.statement_url",
		"bad.toml:14: content.dir",
		`message "contact" has no "brief" variant`,
		"bad.toml:20: [[partner]] number 1: ways: telefoon is not one of",
		`bad.toml:27: [[campaign]] number 2: name "brief-1" is also the name of campaign 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("config check output lacks %q:\n%s", want, out)
		}
	}
}

func mkdir(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(parts...)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigBrokenTOML(t *testing.T) {
	p := writeFile(t, t.TempDir(), "broken.toml", "[municipality]\nname = \"Zuidhaven\"\nphone = \"14 0999\n\n[urgent]\nphone = \"1\"\n")
	out, _, err := runCmd(t, "", nil, "config", "check", p)
	if err == nil || !strings.Contains(out, "broken.toml:3: not valid TOML") {
		t.Fatalf("broken TOML: %v\n%s", err, out)
	}
}

// TestServeAndChatRefuseInvalidConfig: both commands refuse a bad file
// before they open anything, in the same words, from --config and from
// PROACTIEF_CONFIG.
func TestServeAndChatRefuseInvalidConfig(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "typo.toml", "[municipality]\nname = \"Zuidhaven\"\nphone = \"14 0999\"\n\n[urgent]\nphoen = \"0999 112233\"\n")
	db := filepath.Join(dir, "p.db")
	var msgs []string
	for _, args := range [][]string{{"chat", "--db", db, "--config", p}, {"serve", "--db", db, "--config", p}, {"chat", "--db", db}} {
		_, stderr, err := runCmd(t, "", map[string]string{"PROACTIEF_CONFIG": p, "PROACTIEF_OPS_ADDR": "off", "PROACTIEF_REVIEW_ADDR": "off"}, args...)
		if err == nil {
			t.Fatalf("%v accepted a bad deployment file", args)
		}
		_, msg, _ := strings.Cut(stderr, ": ")
		msgs = append(msgs, msg)
		for _, want := range []string{"typo.toml:6: unknown key \"phoen\" in [urgent] (did you mean \"phone\"?)", "typo.toml:5: urgent.phone is required", "nothing was started"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, stderr)
			}
		}
	}
	if msgs[0] != msgs[1] || msgs[0] != msgs[2] {
		t.Errorf("serve and chat refuse in different words:\n%s\n---\n%s\n---\n%s", msgs[0], msgs[1], msgs[2])
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("the database was created although the deployment file was refused")
	}
}

// TestZuidhavenChat is the acceptance test: a file with only the
// three required keys, and a terminal chat as a new user would have it.
func TestZuidhavenChat(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "zuidhaven.toml", "[municipality]\nname = \"Zuidhaven\"\nphone = \"14 0999\"\n\n[urgent]\nphone = \"0999 112233\"\n")
	out, stderr, err := runCmd(t, "nee\nnee\nik word uit mijn huis gezet\n/stop\nIk wil met iemand praten\n/help\n", map[string]string{"HOME": dir}, "chat", "--db", filepath.Join(dir, "c.db"), "--config", p)
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, stderr)
	}
	for _, want := range []string{"de chatbot van gemeente Zuidhaven", "Gemeente Zuidhaven is verantwoordelijk", "0999 112233", "Bel de gemeente Zuidhaven: 14 0999", "gemeente Zuidhaven: 14 0999", "binnen 4 weken"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	// Without a file: the national, generic routes.
	out, _, err = runCmd(t, "nee\nnee\n/stop\nIk wil met iemand praten\n", map[string]string{"HOME": dir}, "chat", "--db", filepath.Join(dir, "d.db"))
	if err != nil || !strings.Contains(out, "14 en dan") || strings.Contains(out, "Zuidhaven") {
		t.Errorf("chat without a file: %v\n%s", err, out)
	}
}

func TestContentExportAndCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "teksten")
	if _, _, err := runCmd(t, "", nil, "content", "export", dir); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "", nil, "content", "check", dir)
	if err != nil || !strings.Contains(out, "ok") {
		t.Fatalf("exported content does not check: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "", nil, "content", "export", dir); err == nil {
		t.Error("export overwrote existing files")
	}
	nl := filepath.Join(dir, "nl.txt")
	data, _ := os.ReadFile(nl)
	broken := strings.Replace(string(data), "[intro]", "[intro_typo]", 1)
	if err := os.WriteFile(nl, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, "", nil, "content", "check", dir)
	if err == nil || !strings.Contains(out, `unknown key "intro_typo"`) {
		t.Fatalf("content check missed problems: %v\n%s", err, out)
	}
	// A deployment file pointing at the directory is refused with the same problems.
	cfg := writeFile(t, filepath.Dir(dir), "d.toml", "[municipality]\nname = \"Zuidhaven\"\nphone = \"14 0999\"\n[urgent]\nphone = \"1 2 3\"\n[content]\ndir = \"teksten\"\n")
	out, _, err = runCmd(t, "", nil, "config", "check", cfg)
	if err == nil || !strings.Contains(out, "d.toml:7: content.dir") || !strings.Contains(out, `unknown key "intro_typo"`) {
		t.Fatalf("config check with bad content: %v\n%s", err, out)
	}
}

// TestConfigFormalTexts: with form_of_address = "u", the municipality's own
// texts may not say "je".
func TestConfigFormalTexts(t *testing.T) {
	out, _, err := runCmd(t, "", nil, "config", "example")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := writeFile(t, dir, "u.toml", strings.Replace(out, `form_of_address = "je"`, `form_of_address = "u"`, 1))
	got, _, err := runCmd(t, "", nil, "config", "check", p)
	if err == nil || !strings.Contains(got, `[[partner]] number 1: offers says "je", but form_of_address is "u"`) || !strings.Contains(got, `[[campaign]] number 1: text says "Je"`) {
		t.Fatalf("u form with je texts: %v\n%s", err, got)
	}
	d, err := loadDeployment(writeFile(t, dir, "ok.toml", "[municipality]\nname = \"Zuidhaven\"\nphone = \"14 0999\"\nform_of_address = \"u\"\n[urgent]\nphone = \"0999 112233\"\n[[campaign]]\nname = \"brief\"\ntext = \"U krijgt dit bericht omdat u een brief kreeg.\"\n"))
	if err != nil || !d.Municipality.Formal {
		t.Fatalf("a u-form file was refused: %v", err)
	}
}
