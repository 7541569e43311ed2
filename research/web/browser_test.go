package web

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/proactief/proactief/research"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "copy the overview and transcript screenshots to docs/ for the README")

const chromiumPath = "/usr/bin/chromium"

// TestBrowser drives the review page in a real headless Chromium, as a
// researcher would with a keyboard and no JavaScript on the page: sign in,
// filter, open a transcript, tag it, download an export. Screenshots go to
// $PROACTIEF_TEST_OUTPUT (or a temporary folder).
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := fmt.Sprintf("no Chromium at %s (apt-get install chromium): skipping the browser test of the review page", chromiumPath)
		// go test shows a passing package's output only with -v, so say
		// it on the terminal too, where a person running the README's test
		// command sees it.
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			fmt.Fprintf(tty, "research/web: %s\n", msg)
			tty.Close()
		}
		t.Skip(msg)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	f := newFixture(t)
	out := os.Getenv("PROACTIEF_TEST_OUTPUT")
	if out == "" {
		out = t.TempDir()
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	downloads := t.TempDir()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTime()

	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	// shot saves the whole page; with top only what a 1280×900 window shows.
	shot := func(name string, top bool) string {
		t.Helper()
		capture := chromedp.FullScreenshot(100)
		if top {
			capture = chromedp.CaptureScreenshot()
		}
		buf, err := chromedp.Run(ctx, capture)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(out, name)
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}

	// Any page sends us to the sign-in page.
	do("open", chromedp.Navigate(f.ts.URL+"/gesprekken"), chromedp.WaitVisible(chromedp.CSS("#naam")))
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || title != "Aanmelden · proactief onderzoek" {
		t.Fatalf("title=%q err=%v", title, err)
	}
	// The first Tab reaches the skip link.
	do("tab", chromedp.KeyEvent("\t"))
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.activeElement.textContent"))
	if err != nil || focused != "Direct naar de inhoud" {
		t.Errorf("first Tab focuses %q (err %v), want the skip link", focused, err)
	}
	shot("signin.png", false)

	// A wrong password, then the right one.
	do("wrong password",
		chromedp.SendKeys(chromedp.CSS("#naam"), "onderzoeker"),
		chromedp.SendKeys(chromedp.CSS("#wachtwoord"), "niet mijn wachtwoord\n"),
		chromedp.WaitVisible(chromedp.CSS("#probleem")),
	)
	if got := text("#probleem"); got != "Naam of wachtwoord klopt niet." {
		t.Fatalf("problem=%q", got)
	}
	do("sign in",
		chromedp.SendKeys(chromedp.CSS("#wachtwoord"), researcherPW+"\n"),
		chromedp.WaitVisible(chromedp.CSS("#kop-resultaat")),
	)

	// Overview.
	do("overview", chromedp.Navigate(f.ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#kop-segmenten")))
	overview := shot("review-overview.png", false)

	// Filter the list: segment 2, completed.
	do("filter",
		chromedp.Navigate(f.ts.URL+"/gesprekken"),
		chromedp.WaitVisible(chromedp.CSS("#segment")),
		chromedp.SetValue(chromedp.CSS("#segment"), "2"),
		chromedp.SetValue(chromedp.CSS("#afgerond"), "ja"),
		chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`#segment option[value="2"][selected]`)),
	)
	done := true
	want := len(conversations(t, research.Filter{Segment: 2, Completed: &done}))
	if got := text("#kop-resultaat"); got != fmt.Sprintf("%d gesprekken", want) {
		t.Fatalf("after filtering: %q, want %d gesprekken", got, want)
	}
	shot("list.png", false)

	// Open the first transcript.
	do("open transcript",
		chromedp.Click(chromedp.CSS("table.list tbody tr:first-child th a")),
		chromedp.WaitVisible(chromedp.CSS("#kop-antwoorden")),
	)
	if h1 := text("h1"); !strings.HasPrefix(h1, "Gesprek r-") {
		t.Fatalf("transcript heading %q", h1)
	}
	if _, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("figure.posterior svg polyline"), chromedp.AtLeast(3))); err != nil {
		t.Fatalf("no posterior chart: %v", err)
	}
	shot("transcript-full.png", false)
	transcript := shot("review-transcript.png", true)

	// Tag it with the keyboard-reachable form.
	do("review",
		chromedp.Click(chromedp.CSS("#beoordeeld")),
		chromedp.SendKeys(chromedp.CSS("#labels"), "browsertest, lange zinnen"),
		chromedp.SendKeys(chromedp.CSS("#notitie"), "Gezien in de browsertest."),
		chromedp.Click(chromedp.CSS("form.review button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".saved")),
	)
	if got := text(".saved"); got != "De beoordeling is opgeslagen." {
		t.Fatalf("after saving: %q", got)
	}
	do("filter by tag",
		chromedp.Navigate(f.ts.URL+"/gesprekken?label=browsertest"),
		chromedp.WaitVisible(chromedp.CSS("#kop-resultaat")),
	)
	if got := text("#kop-resultaat"); got != "1 gesprek" {
		t.Fatalf("tag filter: %q, want 1 gesprek", got)
	}

	// Download the CSV of this selection.
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	do("download",
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			events := true
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &events,
			})
			return err
		}),
		chromedp.Click(chromedp.CSS(`.downloads a[href*="formaat=csv"]`)),
	)
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(downloads, ev.GUID)
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatalf("download canceled")
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "pseudonym,") {
		t.Fatalf("downloaded CSV has %d lines:\n%.300s", len(lines), data)
	}
	var exported bool
	for _, e := range auditEntries(t, f) {
		if e.Action == "export" && e.Who == "onderzoeker" && strings.Contains(e.Detail, "tag=browsertest") && e.N == 1 {
			exported = true
		}
	}
	if !exported {
		t.Fatalf("download not in the audit log")
	}

	// The study table renders.
	do("study", chromedp.Navigate(f.ts.URL+"/studie"), chromedp.WaitVisible(chromedp.CSS("#kop-s2")))
	shot("study.png", false)

	// Sign out with the button in the header.
	_, err = chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(chromedp.CSS("form.signout button"))))
	if err != nil {
		t.Fatalf("sign out: %v", err)
	}
	do("signed out", chromedp.WaitVisible(chromedp.CSS("#naam")))

	t.Logf("screenshots in %s", out)
	if *updateScreenshots {
		for src, dst := range map[string]string{overview: "review-overview.png", transcript: "review-transcript.png"} {
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("..", "..", "docs", dst), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
