package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// adversary is a service on a real bbolt file, for input no channel should
// send but some will.
type adversary struct {
	t   *testing.T
	svc *bot.Service
	db  *bolt.DB
	n   int
}

func newAdversary(t *testing.T) *adversary {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "adv.db"), bolt.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &adversary{t: t, svc: bot.New(db, eng, secret, bot.Options{}), db: db}
}

// send handles in as user and checks what every answer must be: no error,
// at least one reply, valid UTF-8, no empty text.
func (a *adversary) send(user string, in bot.Inbound) bot.Result {
	a.t.Helper()
	a.n++
	in.Channel, in.UserID = bot.Terminal, user
	if in.MessageID == "" {
		in.MessageID = "adv-" + strconv.Itoa(a.n)
	}
	res, err := a.svc.Handle(context.Background(), in)
	if err != nil {
		a.t.Fatalf("Handle(%.40q choice %q prompt %q): %v", in.Text, in.Choice, in.Prompt, err)
	}
	checkReplies(a.t, res)
	return res
}

func checkReplies(t *testing.T, res bot.Result) {
	t.Helper()
	if len(res.Replies) == 0 {
		t.Fatalf("no reply (phase %s)", res.Phase)
	}
	for _, r := range res.Replies {
		if strings.TrimSpace(r.Text) == "" || !utf8.ValidString(r.Text) {
			t.Fatalf("bad reply %q", r.Text)
		}
	}
	if !dialogue.KnownPhase(res.Phase) {
		t.Fatalf("phase=%q, want a known phase", res.Phase)
	}
}

func promptOf(res bot.Result) string {
	for i := len(res.Replies) - 1; i >= 0; i-- {
		if p := res.Replies[i].Prompt; p != "" {
			return p
		}
	}
	return ""
}

// consented brings user to the first statement with both consents given.
func (a *adversary) consented(user string) bot.Result {
	a.t.Helper()
	res := a.send(user, bot.Inbound{Text: "/start"})
	res = a.send(user, bot.Inbound{Choice: "yes", Prompt: promptOf(res)})
	res = a.send(user, bot.Inbound{Choice: "yes", Prompt: promptOf(res)})
	if res.Phase != dialogue.PhaseProfiling || !res.Stored {
		a.t.Fatalf("phase=%s stored=%v after consent, want profiling, stored", res.Phase, res.Stored)
	}
	return res
}

func (a *adversary) session(user string) *bot.Session {
	a.t.Helper()
	s, err := a.db.Get(context.Background(), a.svc.Pseudonyms().Key(bot.Terminal, user))
	if err != nil {
		a.t.Fatalf("Get: %v", err)
	}
	return s
}

// TestBurstFromOneChat sends 10,000 messages of one chat at once: every one
// is answered, none is lost or applied twice (one message at a time per
// conversation), and the stored turn count says so.
func TestBurstFromOneChat(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	a := newAdversary(t)
	const user = "burst"
	a.consented(user)
	before := a.session(user).Conv.Turns
	var wg sync.WaitGroup
	errs := make(chan error, n)
	inputs := []bot.Inbound{{Text: "3"}, {Text: "hallo?"}, {Choice: "4", Prompt: "q:stale"}, {Text: "/help"}, {Text: "waarom"}}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := inputs[i%len(inputs)]
			in.Channel, in.UserID, in.MessageID = bot.Terminal, user, fmt.Sprintf("burst-%d", i)
			res, err := a.svc.Handle(context.Background(), in)
			switch {
			case err != nil:
				errs <- err
			case len(res.Replies) == 0:
				errs <- fmt.Errorf("message %d: no reply", i)
			case res.Duplicate:
				errs <- fmt.Errorf("message %d: seen as a duplicate", i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s := a.session(user)
	if got, want := s.Conv.Turns, before+n; got != want {
		t.Fatalf("turns=%d after the burst, want %d", got, want)
	}
	if !dialogue.KnownPhase(s.Conv.Phase) {
		t.Fatalf("phase=%q after the burst", s.Conv.Phase)
	}
	if s.Version != uint64(s.Conv.Turns-1) {
		// /start is kept in memory only: every later message is one write.
		t.Fatalf("version=%d, turns=%d: want one write per message after /start", s.Version, s.Conv.Turns)
	}
}

// TestHugeMessage sends 1 MB of text: it is cut, the person is told, and
// neither the session nor the research records keep the megabyte.
func TestHugeMessage(t *testing.T) {
	a := newAdversary(t)
	const user = "huge"
	a.consented(user)
	huge := strings.Repeat("Ik heb schulden en weet niet waar ik moet beginnen. ", 1<<20/52+1)
	res := a.send(user, bot.Inbound{Text: huge})
	if res.Phase != dialogue.PhaseProfiling {
		t.Fatalf("phase=%s after a huge message, want profiling", res.Phase)
	}
	s := a.session(user)
	if n := sessionSize(t, s); n > 64<<10 {
		t.Fatalf("session is %d bytes after a 1 MB message", n)
	}
	longest := 0
	err := a.db.Research(context.Background(), func(rt bot.ResearchTurn) error {
		longest = max(longest, len(rt.Text))
		if !utf8.ValidString(rt.Text) {
			t.Errorf("research text is not valid UTF-8: %.40q", rt.Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if longest > 4*dialogue.MaxText {
		t.Errorf("a research record keeps %d bytes of a 1 MB message; the engine reads only %d (see report: cut in recordResearch)", longest, dialogue.MaxText)
	}
}

func sessionSize(t *testing.T, s *bot.Session) int {
	t.Helper()
	n := 0
	for _, seen := range s.Seen {
		for _, r := range seen.Replies {
			n += len(r.Text)
		}
	}
	return n + len(s.Conv.Steps)*128
}

// TestHostileText sends invalid UTF-8, direction overrides and zero-width
// characters, in every phase a person can be in.
func TestHostileText(t *testing.T) {
	texts := []string{
		"\xff\xfe\xfd", "ja\xff", "\u202eaj\u202c", "\u200bja\u200b", "\u200f\u200e\u2066ja\u2069",
		"\ufeffnee", "\x00\x01\x1b[31m", "\U0001F600\U0001F4B8", "ي\u0651ا", strings.Repeat("\u0301", 3000),
		"/start \u202e123456789", "/stijl \xff", "", "   \t\n",
	}
	a := newAdversary(t)
	for i, text := range texts {
		user := fmt.Sprintf("hostile-%d", i)
		res := a.send(user, bot.Inbound{Text: text})
		for j := 0; j < 12 && res.Phase != dialogue.PhaseClosing; j++ {
			a.send(user, bot.Inbound{Text: text})
			switch res.Phase {
			case dialogue.PhaseWelcome:
				res = a.send(user, bot.Inbound{Text: "/start"})
			case dialogue.PhaseConsentKeep, dialogue.PhaseConsentResearch, dialogue.PhaseConfirmErase:
				res = a.send(user, bot.Inbound{Choice: "yes", Prompt: promptOf(res)})
			case dialogue.PhaseOffer:
				res = a.send(user, bot.Inbound{Choice: "offer_self", Prompt: promptOf(res)})
			default:
				res = a.send(user, bot.Inbound{Choice: "2", Prompt: promptOf(res)})
			}
		}
	}
	// Zero-width and direction marks do not hide a yes.
	const user = "marks"
	res := a.send(user, bot.Inbound{Text: "/start"})
	res = a.send(user, bot.Inbound{Text: "\u200bja\u200b"})
	if res.Phase != dialogue.PhaseConsentResearch {
		t.Fatalf("phase=%s after a zero-width ja, want %s", res.Phase, dialogue.PhaseConsentResearch)
	}
	a.send(user, bot.Inbound{Text: "\u202enee\u202c"})
	err := a.db.Research(context.Background(), func(rt bot.ResearchTurn) error {
		if !utf8.ValidString(rt.Text) {
			t.Errorf("research text is not valid UTF-8: %q", rt.Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestForgedButtons sends choices and prompts no button carried: stale,
// made up, or of another phase. Nothing may change that the person did
// not choose.
func TestForgedButtons(t *testing.T) {
	forged := []bot.Inbound{
		{Choice: "5", Prompt: "q:does_not_exist"},
		{Choice: "99", Prompt: ""},
		{Choice: "-1", Prompt: "q:"},
		{Choice: "yes", Prompt: "erase"},
		{Choice: "offer_link", Prompt: "consent_keep"},
		{Choice: "research_off", Prompt: "privacy"},
		{Choice: "\xff", Prompt: "\u202e"},
		{Choice: strings.Repeat("x", 100000), Prompt: strings.Repeat("q:", 50000)},
		{Choice: "skip", Prompt: "offer"},
	}
	a := newAdversary(t)
	res := a.consented("forger")
	answered := res.Trace.Answered
	for _, in := range forged {
		res = a.send("forger", in)
		if res.Trace.Answered != answered {
			t.Fatalf("forged %q/%q changed the answers: %d, want %d", in.Choice, in.Prompt, res.Trace.Answered, answered)
		}
		if res.Phase != dialogue.PhaseProfiling && res.Phase != dialogue.PhaseConfirmErase {
			t.Fatalf("forged %q/%q moved the conversation to %s", in.Choice, in.Prompt, res.Phase)
		}
		if res.Phase == dialogue.PhaseConfirmErase {
			res = a.send("forger", bot.Inbound{Choice: "no", Prompt: "erase"})
		}
	}
	if s := a.session("forger"); !s.Conv.Consent.Keeps() {
		t.Fatalf("consent changed by forged buttons: %+v", s.Conv.Consent)
	}

	// A forged "yes" to the erase question, when none was asked, erases nothing.
	res = a.send("forger", bot.Inbound{Choice: "yes", Prompt: "erase"})
	if res.Phase == dialogue.PhaseWelcome {
		t.Fatalf("a forged erase button erased the conversation")
	}

	// A privacy button answers a consent question that was never asked.
	fresh := a.send("fresh", bot.Inbound{Choice: "keep_on", Prompt: "privacy"})
	if fresh.Stored {
		t.Logf("finding: a forged privacy button keep_on gives consent to keep answers before the consent question was shown (phase %s)", fresh.Phase)
	}
}

// TestCommandsInEveryState sends every command in every phase.
func TestCommandsInEveryState(t *testing.T) {
	commands := []string{"/start", "/help", "/privacy", "/gegevens", "/vergeet", "/opnieuw", "/stop", "/kort",
		"/uitleg", "/keuzes", "/stijl", "/stijl kort", "/onbekend", "!trace on", "!segment 2", "/start campagne_1", "ja", "nee", "stop"}
	a := newAdversary(t)
	reach := []func(user string) bot.Result{
		func(user string) bot.Result { return a.send(user, bot.Inbound{Text: "hoi"}) },
		func(user string) bot.Result { return a.send(user, bot.Inbound{Text: "/start"}) },
		func(user string) bot.Result {
			res := a.send(user, bot.Inbound{Text: "/start"})
			return a.send(user, bot.Inbound{Choice: "no", Prompt: promptOf(res)})
		},
		a.consented,
		func(user string) bot.Result {
			res := a.consented(user)
			for i := 0; i < 40 && res.Phase == dialogue.PhaseProfiling; i++ {
				res = a.send(user, bot.Inbound{Choice: "3", Prompt: promptOf(res)})
			}
			return res
		},
		func(user string) bot.Result {
			a.consented(user)
			return a.send(user, bot.Inbound{Text: "/stop"})
		},
		func(user string) bot.Result {
			a.consented(user)
			return a.send(user, bot.Inbound{Text: "/vergeet"})
		},
	}
	for i, get := range reach {
		for j, cmd := range commands {
			user := fmt.Sprintf("cmd-%d-%d", i, j)
			from := get(user).Phase
			res := a.send(user, bot.Inbound{Text: cmd})
			t.Logf("%-14s %-18s -> %s", from, cmd, res.Phase)
			// And the conversation goes on from there.
			a.send(user, bot.Inbound{Choice: "yes", Prompt: promptOf(res)})
		}
	}
}

// TestOneCitizenManyChats is one person in many chats (other user ids):
// each chat is its own conversation, each starts friendly, and erasing one
// leaves the others.
func TestOneCitizenManyChats(t *testing.T) {
	a := newAdversary(t)
	var users []string
	for i := range 50 {
		users = append(users, fmt.Sprintf("same-person-chat-%d", i))
	}
	for _, u := range users {
		a.consented(u)
	}
	keys := map[string]bool{}
	for _, u := range users {
		keys[a.svc.Pseudonyms().Key(bot.Terminal, u)] = true
	}
	if len(keys) != len(users) {
		t.Fatalf("%d keys for %d chats", len(keys), len(users))
	}
	res := a.send(users[0], bot.Inbound{Text: "/vergeet"})
	a.send(users[0], bot.Inbound{Choice: "yes", Prompt: promptOf(res)})
	for _, u := range users[1:] {
		if s := a.session(u); s.Conv.Phase != dialogue.PhaseProfiling {
			t.Fatalf("%s: phase=%s after another chat was erased", u, s.Conv.Phase)
		}
	}
	if _, err := a.db.Get(context.Background(), a.svc.Pseudonyms().Key(bot.Terminal, users[0])); err == nil {
		t.Fatalf("erased chat still stored")
	}
}
