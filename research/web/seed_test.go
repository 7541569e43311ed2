package web

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/segment"
	"github.com/proactief/proactief/store/bolt"
)

// seeded is a real bbolt store filled by driving a real bot.Service
// through conversations, as citizens would.
type seeded struct {
	fail func(format string, args ...any)
	db   *bolt.DB
	path string
	svc  *bot.Service
	now  time.Time
	n    int
	last map[string][]dialogue.Reply
}

// The first day of the seeded conversations.
var seedStart = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// seed makes a store in dir with 48 research conversations over three
// days (12 completed per segment, 12 that stopped after two answers), two
// without research consent and one staff test. The caller closes s.db.
func seed(dir string, fail func(format string, args ...any)) *seeded {
	path := filepath.Join(dir, "proactief.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		fail("bolt.Open: %v", err)
	}
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		fail("dialogue.New: %v", err)
	}
	s := &seeded{fail: fail, db: db, path: path, now: seedStart, last: map[string][]dialogue.Reply{}}
	s.svc = bot.New(db, eng, []byte("seed-secret-0123456789abcdef"), bot.Options{Now: func() time.Time { return s.now }})
	channels := []string{bot.Telegram, bot.Mattermost, bot.Telegram}
	sources := []string{"folder", "website", ""}
	for i := 0; i < 50; i++ {
		day := i / 17
		s.now = seedStart.Add(time.Duration(day)*24*time.Hour + time.Duration(i)*10*time.Minute)
		user := fmt.Sprintf("citizen-%02d", i)
		ch := channels[i%3]
		start := "/start"
		if src := sources[i%3]; src != "" {
			start += " " + src
		}
		seg := 1 + i%3
		s.say(ch, user, start, false)
		s.say(ch, user, "#yes", false)
		switch {
		case i >= 48: // no research consent: nothing for the review page
			s.say(ch, user, "nee", false)
			s.profile(ch, user, seg, 99, false)
		case i >= 36: // stop after two answers, all at the same statement
			s.say(ch, user, "ja", false)
			s.profile(ch, user, 1, 2, false)
		default:
			s.say(ch, user, "ja", false)
			s.profile(ch, user, seg, 99, false)
			s.say(ch, user, "#offer_person", false)
		}
	}
	// A staff member testing.
	s.say(bot.Telegram, "staff-1", "/start", true)
	s.say(bot.Telegram, "staff-1", "#yes", true)
	s.say(bot.Telegram, "staff-1", "ja", true)
	s.profile(bot.Telegram, "staff-1", 2, 3, true)
	return s
}

func (s *seeded) say(channel, user, text string, staff bool) {
	s.n++
	s.now = s.now.Add(time.Minute)
	in := bot.Inbound{Channel: channel, UserID: user, Text: text, MessageID: fmt.Sprintf("m%d", s.n), Time: s.now, Staff: staff}
	if id, ok := strings.CutPrefix(text, "#"); ok {
		in.Text, in.Choice, in.Prompt = "", id, s.prompt(user)
	}
	res, err := s.svc.Handle(context.Background(), in)
	if err != nil {
		s.fail("Handle(%q): %v", text, err)
	}
	s.last[user] = res.Replies
}

func (s *seeded) prompt(user string) string {
	r := s.last[user]
	for i := len(r) - 1; i >= 0; i-- {
		if r[i].Prompt != "" && r[i].Prompt != "privacy" {
			return r[i].Prompt
		}
	}
	return ""
}

// profile answers up to max statements as a typical member of seg.
func (s *seeded) profile(channel, user string, seg, max int, staff bool) {
	for i := 0; i < 40 && i < max; i++ {
		id, ok := strings.CutPrefix(s.prompt(user), "q:")
		if !ok {
			return
		}
		a := "3"
		if st, ok := segment.Find(id); ok && st.AgreePct != nil {
			best := 0
			for k := range st.AgreePct {
				if st.AgreePct[k] > st.AgreePct[best] {
					best = k
				}
			}
			a = "2"
			if best == seg-1 {
				a = "5"
			}
		}
		if i == 1 && a == "5" {
			s.say(channel, user, "helemaal mee eens, ik ben Jan de Vries", staff)
			continue
		}
		s.say(channel, user, "#"+a, staff)
	}
}
