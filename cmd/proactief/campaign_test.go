package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proactief/proactief/adapters/telegram/fakeapi"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

func TestCampaignLink(t *testing.T) {
	fake := fakeapi.New(fakeapi.Options{})
	defer fake.Close()
	dir := t.TempDir()
	vars := map[string]string{"TELEGRAM_BOT_TOKEN": fake.Token, "TELEGRAM_API_URL": fake.URL}
	var out, errOut bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] }}
	path := filepath.Join(dir, "qr.png")

	// The username comes from the Bot API when it is not given.
	if err := run(context.Background(), env, []string{"campaign", "link", "brief-huur", "--out", path}); err != nil {
		t.Fatalf("campaign link: %v\n%s", err, errOut.String())
	}
	const want = "https://t.me/proactief_test_bot?start=brief-huur"
	if first, _, _ := strings.Cut(out.String(), "\n"); first != want {
		t.Fatalf("link=%q, want %q", first, want)
	}
	if strings.Contains(out.String()+errOut.String(), fake.Token) {
		t.Fatalf("the token was printed")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != b.Dy() || b.Dx() < 21*8 {
		t.Fatalf("image %v: want a square of at least 21 modules of 8 pixels", b)
	}
	// The quiet zone is white, the finder pattern's corner black.
	if r, _, _, _ := img.At(3, 3).RGBA(); r != 0xffff {
		t.Fatalf("quiet zone not white")
	}
	if r, _, _, _ := img.At(4*8+1, 4*8+1).RGBA(); r != 0 {
		t.Fatalf("finder pattern not black at the corner")
	}
	// Where a QR decoder is installed, it reads the link back.
	if zbar, err := exec.LookPath("zbarimg"); err == nil {
		got, err := exec.Command(zbar, "-q", "--raw", path).Output()
		if err != nil || strings.TrimSpace(string(got)) != want {
			t.Fatalf("zbarimg read %q (%v), want %q", got, err, want)
		}
	} else {
		t.Log("zbarimg not installed: the QR code is not decoded back")
	}

	// --bot wins, and a configured campaign shows its text.
	old := deploymentCampaigns
	defer func() { deploymentCampaigns = old }()
	deploymentCampaigns = func(string) ([]dialogue.Campaign, error) {
		return []dialogue.Campaign{{Name: "brief-huur", Text: "Je kreeg een brief over je huur."}}, nil
	}
	out.Reset()
	if err := run(context.Background(), env, []string{"campaign", "link", "brief-huur", "--bot", "@gemeente_bot", "--out", path}); err != nil {
		t.Fatalf("campaign link --bot: %v", err)
	}
	if !strings.HasPrefix(out.String(), "https://t.me/gemeente_bot?start=brief-huur\n") || !strings.Contains(out.String(), "Je kreeg een brief over je huur.") {
		t.Fatalf("output=%q", out.String())
	}
	// Bad input gets a clear error, never a crash.
	for _, args := range [][]string{
		{"campaign", "link", "poster", "--bot", "gemeente_bot"},                    // not in the deployment file
		{"campaign", "link", "Brief Huur", "--bot", "gemeente_bot"},                // not a deep-link name
		{"campaign", "link", "brief-huur", "--bot", "x"},                           // not a username
		{"campaign", "link", "brief-huur", "--bot", "gemeente_bot", "--size", "0"}, // no pixels
		{"campaign", "link", "brief-huur", "--bot", "gemeente_bot", "--out", filepath.Join(dir, "no", "such", "dir.png")},
		{"campaign", "link"},
		{"campaign"},
	} {
		errOut.Reset()
		if err := run(context.Background(), env, args); err == nil {
			t.Errorf("%q: no error", args)
		} else if errOut.Len() == 0 {
			t.Errorf("%q: nothing said", args)
		}
	}
	// Without a token or username the error says what to do.
	vars = map[string]string{}
	errOut.Reset()
	if err := run(context.Background(), env, []string{"campaign", "link", "brief-huur", "--out", path}); err == nil || !strings.Contains(errOut.String(), "--bot") {
		t.Fatalf("no username: err=%v stderr=%q", err, errOut.String())
	}
}

// TestQRLibraryOnlyInCmd keeps the QR code library where it is used: the
// campaign command (see TestDependencyDirection for the rest).
func TestQRLibraryOnlyInCmd(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "../../...").Output()
	if err != nil {
		t.Skipf("go list not available: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		if strings.HasSuffix(pkg, "/cmd/proactief") {
			continue
		}
		if strings.Contains(deps, "github.com/yeqown/") {
			t.Errorf("%s depends on the QR code library", pkg)
		}
	}
}

// TestCampaignFromDeploymentFile: a [[campaign]] of the deployment file
// gives the link, and a conversation opened by that link starts with its
// text, before the consent question, and keeps the campaign as its source.
func TestCampaignFromDeploymentFile(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gemeente.toml")
	if err := os.WriteFile(conf, []byte(`[municipality]
name = "Zuidhaven"
phone = "14 0999"

[urgent]
phone = "14 0999"

[[campaign]]
name = "huur-2026"
text = "Je kreeg een brief van de gemeente over je huurachterstand."
`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if err := run(context.Background(), env, []string{"campaign", "link", "huur-2026", "--config", conf, "--bot", "zuidhaven_bot", "--out", filepath.Join(dir, "q.png")}); err != nil {
		t.Fatalf("campaign link: %v\n%s", err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "https://t.me/zuidhaven_bot?start=huur-2026\n") || !strings.Contains(out.String(), "huurachterstand") {
		t.Fatalf("output=%q", out.String())
	}
	errOut.Reset()
	if err := run(context.Background(), env, []string{"campaign", "link", "poster", "--config", conf, "--bot", "zuidhaven_bot", "--out", filepath.Join(dir, "p.png")}); err == nil || !strings.Contains(errOut.String(), "huur-2026") {
		t.Fatalf("a name not in the file: err=%v stderr=%q", err, errOut.String())
	}

	svc, _, _, closeFn, err := openServiceWith(context.Background(), env, filepath.Join(dir, "p.db"), conf)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	res, err := svc.Handle(context.Background(), bot.Inbound{Channel: bot.Telegram, UserID: "77", Text: "/start huur-2026"})
	if err != nil {
		t.Fatal(err)
	}
	var first int = -1
	for i, r := range res.Replies {
		if strings.Contains(r.Text, "huurachterstand") && first < 0 {
			first = i
		}
	}
	if first < 0 || first >= len(res.Replies)-1 || len(res.Replies[len(res.Replies)-1].Choices) == 0 {
		t.Fatalf("the campaign text is not shown before the consent question: %+v", res.Replies)
	}
}
