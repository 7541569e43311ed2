package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/research"
	"github.com/proactief/proactief/store/bolt"
)

// ownStore is a real bbolt file with one research conversation whose
// citizen typed a name that redaction at the source does not catch.
func ownStore(t *testing.T, text string) (path string, db *bolt.DB) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := seedStart
	svc := bot.New(db, eng, []byte("redaction-secret-0123456789abcd"), bot.Options{Now: func() time.Time { return now }})
	c := &bottest.Citizen{H: svc, Channel: bot.Telegram, User: "citizen-r", Clock: func() time.Time { now = now.Add(time.Minute); return now }}
	for _, s := range []string{"/start", "#yes", "ja", text} {
		if _, err := c.Say(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	return path, db
}

// fixtureOn is newFixture over a store of the test's own.
func fixtureOn(t *testing.T, store bot.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), clock: time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)}
	data, err := os.ReadFile(accountsFile)
	if err != nil {
		t.Fatal(err)
	}
	accounts := filepath.Join(f.dir, "p.db.researchers.json")
	if err := os.WriteFile(accounts, data, 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := New(store, Options{AccountsPath: accounts, ReviewsPath: filepath.Join(f.dir, "p.db.reviews.json"),
		AuditPath: filepath.Join(f.dir, "p.db.audit.jsonl"), Now: f.now})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(func() { f.ts.Close(); srv.Close() })
	return f
}

// citizenTurn returns the pseudonym and seq of the citizen turn holding want.
func citizenTurnOf(t *testing.T, s bot.Store, want string) (string, int) {
	t.Helper()
	cs, err := research.Load(context.Background(), s, research.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		for _, tr := range c.Turns {
			if tr.From == "citizen" && strings.Contains(tr.Text, want) {
				return c.Pseudonym, tr.Seq
			}
		}
	}
	t.Fatalf("no citizen turn holds %q", want)
	return "", 0
}

// TestRedactMissedName: a name that survived redaction is highlighted, a
// researcher removes it in place, and the transcript, the exports, the
// database file and the audit log no longer hold it.
func TestRedactMissedName(t *testing.T) {
	path, db := ownStore(t, "ik sprak Marjolein gisteren over de huur")
	f := fixtureOn(t, db)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	pseudonym, seq := citizenTurnOf(t, db, "Marjolein")
	page := "/gesprekken/" + pseudonym

	resp, body := c.get(page)
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, `<mark class="suspect" title="Lijkt op een naam">Marjolein</mark>`,
		`Vervang „Marjolein” door [NAAM]`, `id="beurt-`+strconv.Itoa(seq)+`"`, "gepseudonimiseerd, niet anoniem")
	if strings.Contains(body, "geanonimiseerd") {
		t.Errorf("the page still says the transcripts are anonymised")
	}

	// without the form's token nothing happens
	resp, body = c.post(page+"/redigeer", url.Values{"beurt": {strconv.Itoa(seq)}, "tekst": {"Marjolein"}})
	wantStatus(t, resp, http.StatusForbidden, body)
	// text that is not in the message: a clear answer, nothing changed
	resp, body = c.post(page+"/redigeer", url.Values{"csrf": {c.csrf}, "beurt": {strconv.Itoa(seq)}, "tekst": {"Kwabena"}})
	wantStatus(t, resp, http.StatusBadRequest, body)
	wantContains(t, body, "Die tekst staat niet (meer) in dit bericht")
	resp, body = c.post(page+"/redigeer", url.Values{"csrf": {c.csrf}, "beurt": {"x"}, "tekst": {"Marjolein"}})
	wantStatus(t, resp, http.StatusBadRequest, body)

	resp, body = c.post(page+"/redigeer", url.Values{"csrf": {c.csrf}, "beurt": {strconv.Itoa(seq)}, "tekst": {"marjolein"}, "soort": {"NAAM"}})
	wantStatus(t, resp, http.StatusSeeOther, body)
	if loc := resp.Header.Get("Location"); loc != page+"?geredigeerd=1#beurt-"+strconv.Itoa(seq) {
		t.Errorf("redirect to %q", loc)
	}
	resp, body = c.get(page + "?geredigeerd=1")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "ik sprak [NAAM] gisteren over de huur", "Het stuk tekst is weggehaald")
	if strings.Contains(body, "Marjolein") {
		t.Errorf("the transcript still shows the name")
	}
	for _, format := range []string{"jsonl", "csv"} {
		resp, body = c.get("/export?formaat=" + format)
		wantStatus(t, resp, http.StatusOK, body)
		if strings.Contains(strings.ToLower(body), "marjolein") {
			t.Errorf("the %s export still holds the name", format)
		}
	}
	var redacted bool
	for _, e := range auditEntries(t, f) {
		if strings.Contains(strings.ToLower(e.Detail), "marjolein") {
			t.Errorf("the audit log holds the name: %+v", e)
		}
		redacted = redacted || e.Action == "redact" && e.Who == "onderzoeker" && strings.Contains(e.Detail, pseudonym)
	}
	if !redacted {
		t.Errorf("the redaction is not in the audit log: %+v", auditEntries(t, f))
	}
	resp, body = c.get("/logboek")
	if resp.StatusCode == http.StatusOK {
		wantContains(t, body, "stuk tekst weggehaald")
	}

	f.ts.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "Marjolein") {
		t.Errorf("the database file still holds the name")
	}
}

// TestRedactOnReadOnlyCopy: the review page over a read-only copy says
// that it cannot change anything.
func TestRedactOnReadOnlyCopy(t *testing.T) {
	path, db := ownStore(t, "ik sprak Marjolein gisteren")
	pseudonym, seq := citizenTurnOf(t, db, "Marjolein")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	f := fixtureOn(t, ro)
	c := f.client()
	c.signIn("onderzoeker", researcherPW)
	resp, body := c.post("/gesprekken/"+pseudonym+"/redigeer", url.Values{"csrf": {c.csrf}, "beurt": {strconv.Itoa(seq)}, "tekst": {"Marjolein"}})
	wantStatus(t, resp, http.StatusConflict, body)
	wantContains(t, body, "kan niets wijzigen")
	if _, s := citizenTurnOf(t, ro, "Marjolein"); s != seq {
		t.Errorf("turn moved")
	}
}
