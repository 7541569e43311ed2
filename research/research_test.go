package research_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/research"
	"github.com/proactief/proactief/store/bolt"
)

// identifiers typed by the citizen in TestNoIdentifiersLeak, with what
// must not be found anywhere afterwards.
var typed = []struct{ text, raw string }{
	{"mijn bsn is 111222333", "111222333"},
	{"IBAN NL91ABNA0417164300 graag", "NL91ABNA0417164300"},
	{"mijn nummer is 06-12345678", "12345678"}, // not "bel me": that asks for a person (the understanding step)
	{"mail me op jan.devries@example.nl", "devries@example"},
	{"postcode 3511 AB", "3511 AB"},
	{"ik heet Jan de Vries", "Vries"},
	{"ik woon op Kerkstraat 12 in Utrecht", "Kerkstraat"},
	{"mijn telegram is @jantje_vries", "jantje_vries"},
}

const (
	idUser       = "uid-jan-devries-4711"
	declinedUser = "uid-declined-8181"
)

func exportAll(t *testing.T, s bot.Store, f research.Filter) (jsonl, csvOut string, cs []research.Conversation) {
	t.Helper()
	cs, err := research.Load(context.Background(), s, f)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var a, b bytes.Buffer
	if err := research.WriteJSONL(&a, cs); err != nil {
		t.Fatalf("WriteJSONL: %v", err)
	}
	if err := research.WriteCSV(&b, cs); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	return a.String(), b.String(), cs
}

func TestNoIdentifiersLeak(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.start(idUser, true, true)
	for _, x := range typed {
		h.say(idUser, x.text)
	}
	h.say(idUser, "Ik heet Jan de Vries en woon op de Oudegracht 231, 3511 AB Utrecht. BSN 111222333")
	// Messages that are no answers make the questions wait; the person
	// goes on with the button.
	if p := h.prompt(idUser); p == "pause" {
		h.say(idUser, "#continue")
	}
	h.profile(idUser, 1, 0)
	h.say(idUser, "#offer_link")

	// Declined research: answers kept to continue later, nothing for research.
	h.start(declinedUser, true, false)
	h.say(declinedUser, "ik heet Piet Pietersma, bsn 111222333")
	h.profile(declinedUser, 3, 0)

	jsonl, csvOut, cs := exportAll(t, h.db, research.Filter{})
	if len(cs) != 1 {
		t.Fatalf("exported %d conversations, want 1 (the declined one must not appear)", len(cs))
	}
	c := cs[0]
	if want := h.svc.Pseudonyms().Research(bot.Terminal, idUser); c.Pseudonym != want {
		t.Fatalf("pseudonym=%q, want %q", c.Pseudonym, want)
	}
	if !c.Completed || c.Segment != 1 || c.Offer != "link" {
		t.Fatalf("completed=%v segment=%d offer=%q, want true, 1, link", c.Completed, c.Segment, c.Offer)
	}
	if !strings.Contains(jsonl, "[BSN]") || !strings.Contains(jsonl, "[IBAN]") || !strings.Contains(jsonl, "[NAAM]") {
		t.Fatalf("export lacks the redaction tags; the typed text did not arrive:\n%s", jsonl)
	}
	var turnsOfDeclined int
	_ = h.db.Research(ctx, func(rt bot.ResearchTurn) error {
		if rt.Pseudonym == h.svc.Pseudonyms().Research(bot.Terminal, declinedUser) {
			turnsOfDeclined++
		}
		return nil
	})
	if turnsOfDeclined != 0 {
		t.Fatalf("%d research turns of a person who declined research", turnsOfDeclined)
	}

	needles := []string{idUser, declinedUser, "Pietersma", "Oudegracht",
		h.svc.Pseudonyms().Research(bot.Terminal, declinedUser)}
	for _, x := range typed {
		needles = append(needles, x.raw)
	}
	for _, out := range []struct{ name, data string }{{"JSONL export", jsonl}, {"CSV export", csvOut}} {
		for _, n := range needles {
			if strings.Contains(out.data, n) {
				t.Errorf("%s contains %q", out.name, n)
			}
		}
		for _, u := range []string{idUser, declinedUser} {
			if k := h.svc.Pseudonyms().Key(bot.Terminal, u); strings.Contains(out.data, k) {
				t.Errorf("%s contains the session key of %s", out.name, u)
			}
		}
	}
	h.close()
	bottest.FileLacks(t, h.path, needles...)
}

func TestErasureAndWithdrawal(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const stays, forgets, withdraws = "uid-stays-1", "uid-forgets-2", "uid-withdraws-3"
	for _, u := range []string{stays, forgets, withdraws} {
		h.start(u, true, true)
		h.say(u, "ik heet Karel Appelboom")
		h.profile(u, 2, 3)
	}
	if _, _, cs := exportAll(t, h.db, research.Filter{}); len(cs) != 3 {
		t.Fatalf("before erasure %d conversations, want 3", len(cs))
	}

	h.say(forgets, "/vergeet")
	h.say(forgets, "#yes")
	h.say(withdraws, "/privacy")
	h.press(withdraws, "privacy", "research_off")

	jsonl, _, cs := exportAll(t, h.db, research.Filter{})
	if len(cs) != 1 || cs[0].Pseudonym != h.svc.Pseudonyms().Research(bot.Terminal, stays) {
		t.Fatalf("after erasure and withdrawal: %d conversations, want only %s", len(cs), stays)
	}
	gone := []string{h.svc.Pseudonyms().Research(bot.Terminal, forgets), h.svc.Pseudonyms().Research(bot.Terminal, withdraws)}
	for _, g := range gone {
		if strings.Contains(jsonl, g) {
			t.Errorf("export still contains %s", g)
		}
		n := 0
		_ = h.db.Research(ctx, func(rt bot.ResearchTurn) error {
			if rt.Pseudonym == g {
				n++
			}
			return nil
		})
		if n != 0 {
			t.Errorf("%d research turns of %s left", n, g)
		}
	}
	// The one who withdrew goes on talking: nothing new is recorded.
	h.say(withdraws, "#4")
	if _, _, cs := exportAll(t, h.db, research.Filter{}); len(cs) != 1 {
		t.Fatalf("after withdrawal a new turn was recorded: %d conversations", len(cs))
	}
	h.close()
	bottest.FileLacks(t, h.path, append(gone, "Appelboom", "Karel")...)
}

func TestExportFormats(t *testing.T) {
	h := newHarness(t)
	h.complete("uid-a", 1)
	h.now = h.now.Add(48 * time.Hour)
	h.start("uid-b", false, true)
	h.say("uid-b", "#skip")
	h.profile("uid-b", 3, 2)
	h.staff = true
	h.complete("uid-staff", 2)
	h.staff = false

	jsonl, csvOut, cs := exportAll(t, h.db, research.Filter{})
	if len(cs) != 2 {
		t.Fatalf("%d conversations, want 2 (staff test excluded)", len(cs))
	}
	if cs[0].FirstDay != "2026-11-02" || cs[1].FirstDay != "2026-11-04" {
		t.Fatalf("first days %s, %s; want sorted 2026-11-02, 2026-11-04", cs[0].FirstDay, cs[1].FirstDay)
	}
	b := cs[1]
	if b.Completed || b.Segment != 0 || len(b.Answers) != 3 || b.Answers[0].Value != 0 {
		t.Fatalf("partial conversation: completed=%v segment=%d answers=%+v", b.Completed, b.Segment, b.Answers)
	}
	if b.LastAsked() == "" || b.LastAsked() == b.Answers[2].Statement {
		t.Fatalf("LastAsked=%q, want the unanswered pending statement", b.LastAsked())
	}

	lines := strings.Split(strings.TrimSpace(jsonl), "\n")
	if len(lines) != 2 {
		t.Fatalf("JSONL has %d lines, want 2", len(lines))
	}
	for i, l := range lines {
		var c research.Conversation
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if c.Pseudonym != cs[i].Pseudonym || len(c.Turns) != len(cs[i].Turns) {
			t.Fatalf("line %d does not round-trip", i+1)
		}
		for _, tr := range c.Turns {
			if len(tr.Day) != len("2006-01-02") {
				t.Fatalf("turn day %q is not coarsened to the day", tr.Day)
			}
		}
	}
	if strings.Contains(jsonl, "T09:") || strings.Contains(csvOut, "T09:") {
		t.Fatalf("export contains a time of day")
	}

	recs, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	if len(recs) != 3 {
		t.Fatalf("CSV has %d records, want header + 2", len(recs))
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	row := recs[2]
	if got := row[col["q_"+b.Answers[0].Statement]]; got != "0" {
		t.Fatalf("skipped statement column=%q, want 0", got)
	}
	if got := row[col["q_"+b.Answers[1].Statement]]; got != fmt.Sprint(b.Answers[1].Value) {
		t.Fatalf("answer column=%q, want %d", got, b.Answers[1].Value)
	}
	if got := row[col["segment"]]; got != "0" {
		t.Fatalf("segment=%q, want 0", got)
	}
	var turns []research.Turn
	if err := json.Unmarshal([]byte(row[col["turns"]]), &turns); err != nil || len(turns) != len(b.Turns) {
		t.Fatalf("turns column: %d turns, err %v; want %d", len(turns), err, len(b.Turns))
	}
	if _, ok := col["posterior_3"]; !ok {
		t.Fatalf("no posterior columns in %v", recs[0])
	}

	// Filters.
	since := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	if _, _, cs := exportAll(t, h.db, research.Filter{Since: since}); len(cs) != 1 || cs[0].FirstDay != "2026-11-04" {
		t.Fatalf("Since filter: %d conversations", len(cs))
	}
	if _, _, cs := exportAll(t, h.db, research.Filter{IncludeTest: true}); len(cs) != 3 {
		t.Fatalf("IncludeTest: %d conversations, want 3", len(cs))
	}
}

func TestReportSuppression(t *testing.T) {
	h := newHarness(t)
	for seg := 1; seg <= 3; seg++ {
		h.complete(fmt.Sprintf("uid-few-%d", seg), seg)
	}
	r, err := research.Compute(context.Background(), h.db, research.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := r.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, s := range r.Statements {
		for k, c := range s.Agree {
			if c.Shown() {
				t.Errorf("%s segment %d shown with n=%d", s.ID, k+1, c.N)
			}
		}
	}
	if strings.Contains(text, "(n=") {
		t.Fatalf("a cell with n < %d is shown:\n%s", research.MinCell, text)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "1 Vertrouwende") && !strings.Contains(line, "<10") {
			t.Fatalf("segment size of 1 shown: %q", line)
		}
	}
	if strings.Count(text, "<10") < 26 {
		t.Fatalf("expected suppressed cells everywhere:\n%s", text)
	}
}

func TestReportFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 40 conversations")
	}
	h := newHarness(t)
	const per = 12
	for seg := 1; seg <= 3; seg++ {
		for i := range per {
			h.complete(fmt.Sprintf("uid-%d-%02d", seg, i), seg)
		}
	}
	for i := range 4 { // dropped out after two answers
		u := fmt.Sprintf("uid-drop-%d", i)
		h.start(u, true, true)
		h.profile(u, 1, 2)
	}
	h.start("uid-no-research", true, false)
	h.profile("uid-no-research", 2, 0)

	r, err := research.Compute(context.Background(), h.db, research.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Conversations != 3*per+4 || r.Completed != 3*per {
		t.Fatalf("conversations=%d completed=%d, want %d, %d", r.Conversations, r.Completed, 3*per+4, 3*per)
	}
	for k, s := range r.Segments {
		if s.Size.Of != per || s.Size.N != 3*per {
			t.Fatalf("segment %d size %d of %d, want %d of %d", k+1, s.Size.Of, s.Size.N, per, 3*per)
		}
	}
	// Every typical member answers 5 where their segment agrees most and 2
	// elsewhere, so a shown cell is 100% exactly where the study's figure
	// is the highest of the three, and 0% elsewhere.
	shown := 0
	for _, s := range r.Statements {
		best := 0
		for k := range 3 {
			if s.Study[k] > s.Study[best] {
				best = k
			}
		}
		for k, c := range s.Agree {
			if !c.Shown() {
				continue
			}
			shown++
			want := 0.0
			if k == best {
				want = 100
			}
			if c.Pct() != want {
				t.Errorf("%s segment %d: %.0f%%, want %.0f%%", s.ID, k+1, c.Pct(), want)
			}
		}
	}
	if shown == 0 {
		t.Fatalf("no statement cell reached n >= %d", research.MinCell)
	}
	if len(r.DropOff) == 0 || r.DropOff[0].N != 4 {
		t.Fatalf("drop-off=%+v, want 4 people at one statement", r.DropOff)
	}
	c := r.Consent
	if c.ResearchYes != 3*per+4 || c.ResearchNo != 1 || c.KeepYes+c.KeepNo != 3*per+5 || c.Started != 3*per+5 {
		t.Fatalf("consent counters %+v", c)
	}

	var out bytes.Buffer
	if err := r.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"1 Vertrouwende Volgers", "12", "33%", "39%", "22%", "(n=12)", "100%", "<10", "Research use"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("report:\n%s", text)
}

func TestAudit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db.audit.log")
	a, err := research.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Log("onderzoeker1", "export", "format=csv filter=all", 12); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if err := a.Log("x", "export", "", 1); err == nil {
		t.Fatalf("Log after Close succeeded")
	}
	a, err = research.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Log("onderzoeker2", "report", "", 40); err != nil {
		t.Fatal(err)
	}
	var got []research.AuditEntry
	if err := a.Read(func(e research.AuditEntry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Who != "onderzoeker1" || got[0].N != 12 || got[1].Action != "report" || got[1].Time.IsZero() {
		t.Fatalf("entries %+v", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode=%v, want 0600", fi.Mode().Perm())
	}
}

// TestReadOnlyStore loads from a file opened read-only, as the export
// command does.
func TestReadOnlyStore(t *testing.T) {
	h := newHarness(t)
	h.complete("uid-ro", 3)
	h.close()
	db, err := bolt.Open(h.path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := research.Compute(context.Background(), db, research.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Conversations != 1 || r.Segments[2].Size.Of != 1 {
		t.Fatalf("conversations=%d segment3=%d, want 1, 1", r.Conversations, r.Segments[2].Size.Of)
	}
}
