package web

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/bot/bottest"
	"github.com/proactief/proactief/dialogue"
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
	cits map[string]*bottest.Citizen
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
	s := &seeded{fail: fail, db: db, path: path, now: seedStart, cits: map[string]*bottest.Citizen{}}
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
	c, ok := s.cits[user]
	if !ok {
		c = &bottest.Citizen{H: s.svc, Channel: channel, User: user, Staff: staff, Clock: func() time.Time { s.now = s.now.Add(time.Minute); return s.now }}
		s.cits[user] = c
	}
	if _, err := c.Say(context.Background(), text); err != nil {
		s.fail("%v", err)
	}
}

// profile answers up to max statements as a typical member of seg.
func (s *seeded) profile(channel, user string, seg, max int, staff bool) {
	for i := 0; i < 40 && i < max; i++ {
		id, ok := s.cits[user].Pending()
		if !ok {
			return
		}
		a := bottest.Typical(seg, id)
		if i == 1 && a == "5" {
			s.say(channel, user, "helemaal mee eens, ik ben Jan de Vries", staff)
			continue
		}
		s.say(channel, user, "#"+a, staff)
	}
}
