package research_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/segment"
	"github.com/proactief/proactief/store/bolt"
)

var secret = []byte("research-test-secret-0123456789")

// harness drives a real bot.Service over a real bbolt file.
type harness struct {
	t     *testing.T
	svc   *bot.Service
	db    *bolt.DB
	path  string
	now   time.Time
	last  map[string][]dialogue.Reply
	n     int
	staff bool
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "p.db"), now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), last: map[string][]dialogue.Reply{}}
	h.open()
	t.Cleanup(func() {
		if h.db != nil {
			h.db.Close()
		}
	})
	return h
}

func (h *harness) open() {
	h.t.Helper()
	db, err := bolt.Open(h.path, bolt.Options{})
	if err != nil {
		h.t.Fatalf("bolt.Open: %v", err)
	}
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		h.t.Fatalf("dialogue.New: %v", err)
	}
	h.db = db
	h.svc = bot.New(db, eng, secret, bot.Options{Now: func() time.Time { return h.now }})
}

func (h *harness) close() {
	h.t.Helper()
	if err := h.db.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
	h.db = nil
}

// say sends text as user; "#id" presses the button id of the last question.
func (h *harness) say(user, text string) bot.Result {
	h.t.Helper()
	if id, ok := strings.CutPrefix(text, "#"); ok {
		return h.press(user, h.prompt(user), id)
	}
	return h.send(bot.Inbound{Text: text}, user)
}

// press sends a button press answering prompt.
func (h *harness) press(user, prompt, id string) bot.Result {
	h.t.Helper()
	return h.send(bot.Inbound{Choice: id, Prompt: prompt}, user)
}

func (h *harness) send(in bot.Inbound, user string) bot.Result {
	h.t.Helper()
	h.n++
	h.now = h.now.Add(time.Second)
	in.Channel, in.UserID, in.MessageID, in.Time, in.Staff = bot.Terminal, user, fmt.Sprintf("m%d", h.n), h.now, h.staff
	res, err := h.svc.Handle(context.Background(), in)
	if err != nil {
		h.t.Fatalf("Handle(%+v): %v", in, err)
	}
	h.last[user] = res.Replies
	return res
}

func (h *harness) prompt(user string) string {
	r := h.last[user]
	for i := len(r) - 1; i >= 0; i-- {
		if r[i].Prompt != "" && r[i].Prompt != "privacy" {
			return r[i].Prompt
		}
	}
	return ""
}

// start opens a conversation and answers both consent questions.
func (h *harness) start(user string, keep, research bool) {
	h.t.Helper()
	yn := map[bool]string{true: "#yes", false: "#no"}
	h.say(user, "/start")
	h.say(user, yn[keep])
	h.say(user, yn[research])
	if !strings.HasPrefix(h.prompt(user), "q:") {
		h.t.Fatalf("after consent prompt=%q, want a statement", h.prompt(user))
	}
}

// answerFor answers as a typical member of seg: agree (5) where seg
// agrees most of the three, disagree (2) elsewhere.
func answerFor(seg int, id string) string {
	s, ok := segment.Find(id)
	if !ok || s.AgreePct == nil {
		return "3"
	}
	best := 0
	for i, p := range s.AgreePct {
		if p > s.AgreePct[best] {
			best = i
		}
	}
	if best == seg-1 {
		return "5"
	}
	return "2"
}

// profile answers statements as seg would until the offer, or only the
// first max statements when max > 0.
func (h *harness) profile(user string, seg, max int) {
	h.t.Helper()
	for i := 0; i < 40; i++ {
		id, ok := strings.CutPrefix(h.prompt(user), "q:")
		if !ok || (max > 0 && i == max) {
			return
		}
		h.say(user, "#"+answerFor(seg, id))
	}
	h.t.Fatalf("profiling did not end within 40 answers")
}

// complete runs a whole conversation with research consent as seg.
func (h *harness) complete(user string, seg int) {
	h.t.Helper()
	h.start(user, seg != 2, true) // some keep their answers, some do not
	h.profile(user, seg, 0)
	if p := h.prompt(user); p != "offer" {
		h.t.Fatalf("after profiling prompt=%q, want offer", p)
	}
	h.say(user, "#offer_person")
}
