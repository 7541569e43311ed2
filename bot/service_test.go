package bot_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

var secret = []byte("test-secret-0123456789abcdef")

type harness struct {
	t        *testing.T
	svc      *bot.Service
	db       *bolt.DB
	path     string
	now      time.Time
	log      strings.Builder
	citizens map[string]*bottest.Citizen
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.db")
	h := &harness{t: t, path: path, now: bottest.Start, citizens: map[string]*bottest.Citizen{}}
	h.open()
	t.Cleanup(func() { h.db.Close() })
	return h
}

func (h *harness) open() {
	h.t.Helper()
	db, err := bolt.Open(h.path, bolt.Options{})
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		h.t.Fatalf("dialogue.New: %v", err)
	}
	h.db = db
	h.svc = bot.New(db, eng, secret, bot.Options{Now: func() time.Time { return h.now }})
	for _, c := range h.citizens {
		c.H = h.svc
	}
}

func (h *harness) citizen(user string) *bottest.Citizen {
	c, ok := h.citizens[user]
	if !ok {
		c = &bottest.Citizen{H: h.svc, User: user, Clock: func() time.Time { h.now = h.now.Add(time.Minute); return h.now }}
		h.citizens[user] = c
	}
	return c
}

// say sends text (or, with a leading "#", the choice with that id of the
// last question) as user, and writes the exchange to the transcript.
func (h *harness) say(user, text string) bot.Result {
	h.t.Helper()
	res, err := h.citizen(user).Say(context.Background(), text)
	if err != nil {
		h.t.Fatalf("%v", err)
	}
	fmt.Fprintf(&h.log, "> %s\n", text)
	for _, r := range res.Replies {
		for _, line := range strings.Split(r.Text, "\n") {
			fmt.Fprintf(&h.log, "  %s\n", line)
		}
		for _, c := range r.Choices {
			fmt.Fprintf(&h.log, "    [%s] %s\n", c.ID, c.Label)
		}
	}
	fmt.Fprintf(&h.log, "  -- state=%s answered=%d tone=%s next=%s\n", res.Trace.State, res.Trace.Answered, res.Trace.Tone, res.Trace.Next)
	return res
}

// profile answers every statement until the offer as a typical member of
// seg would, using free text for some answers to exercise the parser.
func (h *harness) profile(user string, seg int) {
	h.t.Helper()
	for i := 0; i < 40; i++ {
		id, ok := h.citizen(user).Pending()
		if !ok {
			return
		}
		a := bottest.Typical(seg, id)
		switch {
		case i%3 == 1 && a == "5":
			h.say(user, "helemaal mee eens")
		case i%3 == 1 && a == "2":
			h.say(user, "nee hoor")
		default:
			h.say(user, "#"+a)
		}
	}
	h.t.Fatalf("profiling did not end within 40 answers")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if string(want) != got {
		t.Fatalf("transcript differs from %s (run go test ./bot -update and review the diff):\n%s", path, firstDiff(string(want), got))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\nwant: %s\ngot:  %s", i+1, x, y)
		}
	}
	return ""
}

func TestGoldenSegments(t *testing.T) {
	for seg := 1; seg <= 3; seg++ {
		t.Run(fmt.Sprintf("segment%d", seg), func(t *testing.T) {
			h := newHarness(t)
			u := fmt.Sprintf("citizen-%d", seg)
			h.say(u, "/start")
			h.say(u, "#yes")
			h.say(u, "ja")
			h.profile(u, seg)
			res := h.say(u, "#offer_person")
			if res.Phase != dialogue.PhaseClosing {
				t.Fatalf("state=%v, want %v", res.Phase, dialogue.PhaseClosing)
			}
			sess, err := h.db.Get(context.Background(), h.svc.Pseudonyms().Key(bot.Terminal, u))
			if err != nil {
				t.Fatalf("session not stored with consent: %v", err)
			}
			if got := bot.SegmentOf(sess.Conv); int(got) != seg {
				t.Errorf("assigned segment=%d, want %d", got, seg)
			}
			if n := len(sess.Conv.Steps); n > 12 {
				t.Errorf("asked %d statements, want at most 12", n)
			}
			golden(t, fmt.Sprintf("segment%d", seg), h.log.String())
		})
	}
}

func TestGoldenDeclined(t *testing.T) {
	h := newHarness(t)
	const user = "user-4242-declined"
	typed := []string{"nee", "nee, liever niet"}
	h.say(user, "/start")
	h.say(user, typed[0])
	h.say(user, typed[1])
	h.say(user, "ja hoor, zeker weten")
	h.say(user, "weet ik niet")
	h.say(user, "waarom vraag je dat")
	h.say(user, "/stop")
	h.say(user, "#offer_self")
	golden(t, "declined", h.log.String())
	if _, err := h.db.Get(context.Background(), h.svc.Pseudonyms().Key(bot.Terminal, user)); err == nil {
		t.Fatalf("a declined conversation was stored")
	}
	h.db.Close()
	bottest.FileLacks(t, h.path, user, "ja hoor, zeker weten", "weet ik niet", "waarom vraag je dat", "liever niet")
	h.open()
}

func TestEraseLeavesNoTrace(t *testing.T) {
	h := newHarness(t)
	const user = "user-7777-erase"
	h.say(user, "/start")
	h.say(user, "#yes")
	h.say(user, "#yes")
	h.say(user, "ja hoor, dat klopt helemaal") // kept (redacted) for research
	h.say(user, "zeker wel, ik heet Jan Jansen")
	sess, err := h.db.Get(context.Background(), h.svc.Pseudonyms().Key(bot.Terminal, user))
	if err != nil {
		t.Fatalf("session not stored: %v", err)
	}
	if sess.Conv.Answered() < 1 {
		t.Fatalf("no answers stored")
	}
	h.say(user, "/vergeet")
	res := h.say(user, "#yes")
	if res.Stored {
		t.Fatalf("session still stored after /vergeet")
	}
	n := 0
	_ = h.db.Research(context.Background(), func(bot.ResearchTurn) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d research turns left after /vergeet", n)
	}
	h.db.Close()
	bottest.FileLacks(t, h.path, user, "ja hoor, dat klopt helemaal", "dat klopt helemaal", "zeker wel", "Jan Jansen",
		h.svc.Pseudonyms().Key(bot.Terminal, user), h.svc.Pseudonyms().Research(bot.Terminal, user))
	h.open()
}

func TestResumeAfterRestart(t *testing.T) {
	h := newHarness(t)
	const user = "user-resume"
	h.say(user, "/start")
	h.say(user, "#yes")
	h.say(user, "#no")
	h.say(user, "#4")
	pending := h.citizen(user).Prompt()
	h.db.Close()
	h.open()
	res := h.say(user, "/start")
	if got := h.citizen(user).Prompt(); got != pending {
		t.Fatalf("after restart prompt=%q, want %q", got, pending)
	}
	if res.Trace.Answered != 1 {
		t.Fatalf("answered=%d after restart, want 1", res.Trace.Answered)
	}
}

func TestDuplicateMessageAppliedOnce(t *testing.T) {
	h := newHarness(t)
	const user = "user-dup"
	h.say(user, "/start")
	h.say(user, "#yes")
	h.say(user, "#no")
	in := h.citizen(user).Inbound("#5")
	first, err := h.svc.Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.svc.Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Duplicate || first.Duplicate {
		t.Fatalf("duplicate flags first=%v second=%v, want false, true", first.Duplicate, second.Duplicate)
	}
	if len(first.Replies) != len(second.Replies) || first.Replies[len(first.Replies)-1].Text != second.Replies[len(second.Replies)-1].Text {
		t.Fatalf("redelivery got other replies")
	}
	sess, err := h.db.Get(context.Background(), h.svc.Pseudonyms().Key(bot.Terminal, user))
	if err != nil {
		t.Fatal(err)
	}
	if sess.Conv.Answered() != 1 {
		t.Fatalf("answered=%d, want 1: the answer was applied twice", sess.Conv.Answered())
	}
}

func TestAssignedOnlyWhenStatementsEnd(t *testing.T) {
	h := newHarness(t)
	c := h.citizen("user-assigned")
	ctx := context.Background()
	assigned := 0
	for _, m := range []string{"/start", "#yes", "#no"} {
		if res, _ := c.Say(ctx, m); res.Assigned != 0 {
			t.Fatalf("assigned %d before any statement", res.Assigned)
		}
	}
	for i := 0; i < 40; i++ {
		id, ok := c.Pending()
		if !ok {
			break
		}
		res, err := c.Say(ctx, "#"+bottest.Typical(3, id))
		if err != nil {
			t.Fatal(err)
		}
		if res.Assigned != 0 {
			if assigned != 0 {
				t.Fatalf("assigned twice")
			}
			assigned = res.Assigned
		}
	}
	if assigned != 3 {
		t.Fatalf("assigned=%d, want 3", assigned)
	}
	if res, _ := c.Say(ctx, "#offer_later"); res.Assigned != 0 {
		t.Fatalf("assigned again after the offer")
	}
}

// TestGoldenIntents runs a crisis, an urgent need and a request for a
// person in each tone, with research consent, and checks that the crisis
// message reached no research record and no byte of the file.
func TestGoldenIntents(t *testing.T) {
	const crisis = "ik zie het niet meer zitten, ik wil niet meer leven"
	for _, tone := range []struct{ name, cmd string }{
		{"neutral", ""}, {"brief", "korter"}, {"autonomy", "/keuzes"}, {"slow", "meer uitleg"},
	} {
		t.Run(tone.name, func(t *testing.T) {
			h := newHarness(t)
			u := "citizen-intents-" + tone.name
			h.say(u, "/start")
			h.say(u, "#yes")
			h.say(u, "ja")
			if tone.cmd != "" {
				h.say(u, tone.cmd)
			}
			if res := h.say(u, "ik wil een mens spreken"); res.Intent != dialogue.IntentPerson {
				t.Fatalf("intent=%q, want person", res.Intent)
			}
			h.say(u, "verder")
			if res := h.say(u, "ik word volgende week uit mijn huis gezet"); res.Intent != dialogue.IntentUrgent {
				t.Fatalf("intent=%q, want urgent", res.Intent)
			}
			h.say(u, "#continue")
			res := h.say(u, crisis)
			if res.Intent != dialogue.IntentCrisis || !res.Sensitive {
				t.Fatalf("intent=%q sensitive=%v, want crisis, sensitive", res.Intent, res.Sensitive)
			}
			if !strings.Contains(res.Replies[0].Text, "113") || !strings.Contains(res.Replies[0].Text, "112") {
				t.Fatalf("crisis reply lacks 113 or 112: %q", res.Replies[0].Text)
			}
			h.say(u, "verder")
			res = h.say(u, "4")
			if res.Trace.Answered != 1 {
				t.Fatalf("answered=%d after going on, want 1", res.Trace.Answered)
			}
			golden(t, "intents_"+tone.name, h.log.String())
			var texts []string
			if err := h.db.Research(context.Background(), func(r bot.ResearchTurn) error {
				texts = append(texts, r.Text)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(texts) == 0 {
				t.Fatalf("no research records at all: the test proves nothing")
			}
			for _, x := range texts {
				if strings.Contains(x, "zitten") || strings.Contains(x, "113") {
					t.Fatalf("a research record holds the crisis turn: %q", x)
				}
			}
			h.db.Close()
			bottest.FileLacks(t, h.path, u, crisis, "niet meer leven")
			h.open()
		})
	}
}
