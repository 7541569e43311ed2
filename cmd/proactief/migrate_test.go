package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
	"github.com/proactief/proactief/store/etcd/etcdtest"
)

func runMigrateCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	err := run(context.Background(), env, append([]string{"migrate"}, args...))
	return out.String(), err
}

// fillBolt writes sessions, research turns (one pseudonym with more than a
// batch of them) and counters into a new bbolt file.
func fillBolt(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i := range 40 {
		err := db.Update(ctx, fmt.Sprintf("s-%02d", i), func(s *bot.Session) error {
			s.Conv.Consent = dialogue.Consent{Keep: &dialogue.Decision{Given: true, Version: "v1", At: now, Channel: "test"}}
			s.Conv.Turns = i
			s.Conv.Updated = now
			s.Seen = []bot.Seen{{ID: fmt.Sprintf("m-%d", i), Replies: []dialogue.Reply{{Text: "Dank u."}}}}
			if i%4 == 0 {
				s.Research = fmt.Sprintf("r-%02d", i)
				for j := range 3 {
					s.ResearchOut = append(s.ResearchOut, bot.ResearchTurn{Pseudonym: s.Research, Seq: j, Day: "2026-11-01", From: "citizen", Text: "[bedrag]"})
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for b := range 3 {
		err := db.Update(ctx, "s-research-only", func(s *bot.Session) error {
			for j := range 50 {
				s.ResearchOut = append(s.ResearchOut, bot.ResearchTurn{Pseudonym: "r-long", Seq: b*50 + j, Day: "2026-11-02", From: "bot"})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Tally(ctx, map[string]int{"started": 40, "consent_keep_yes": 31, "started:2026-11-01": 12}); err != nil {
		t.Fatal(err)
	}
}

// dumpStore reads a store's contents, versions left out.
func dumpStore(t *testing.T, s bot.Store) (sessions map[string]string, research []bot.ResearchTurn, tallies map[string]int) {
	t.Helper()
	ctx := context.Background()
	sessions = map[string]string{}
	err := s.Sessions(ctx, func(sess *bot.Session) error {
		sess.Version = 0
		b, err := json.Marshal(sess)
		sessions[sess.Key] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Research(ctx, func(rt bot.ResearchTurn) error { research = append(research, rt); return nil }); err != nil {
		t.Fatal(err)
	}
	tallies, err = s.Tallies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sessions, research, tallies
}

func dumpBoltFile(t *testing.T, path string) (map[string]string, []bot.ResearchTurn, map[string]int) {
	t.Helper()
	db, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return dumpStore(t, db)
}

// TestMigrateRoundTrip copies a bbolt file into an embedded etcd and back
// into a new file: the result equals the original, versions aside.
func TestMigrateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src, back := filepath.Join(dir, "src.db"), filepath.Join(dir, "back.db")
	fillBolt(t, src)
	c := etcdtest.Start(t, 1)
	etcdURL := "etcd://" + strings.TrimPrefix(c.Members[0].Endpoint, "http://") + "?prefix=/migrate-test/"

	out, err := runMigrateCmd(t, "--from", "bolt://"+src, "--to", etcdURL)
	if err != nil {
		t.Fatalf("migrate bolt -> etcd: %v\n%s", err, out)
	}
	if want := "migrated 40 sessions, 180 research turns and 3 counters"; !strings.Contains(out, want) {
		t.Fatalf("output %q, want %q", out, want)
	}
	out, err = runMigrateCmd(t, "--from", etcdURL, "--to", "bolt://"+back)
	if err != nil {
		t.Fatalf("migrate etcd -> bolt: %v\n%s", err, out)
	}
	ws, wr, wt := dumpBoltFile(t, src)
	gs, gr, gt := dumpBoltFile(t, back)
	if !reflect.DeepEqual(ws, gs) {
		t.Fatalf("sessions differ after the round trip:\n got %v\nwant %v", gs, ws)
	}
	if !reflect.DeepEqual(wr, gr) {
		t.Fatalf("research differs after the round trip: got %d turns, want %d", len(gr), len(wr))
	}
	if !reflect.DeepEqual(wt, gt) {
		t.Fatalf("tallies=%v, want %v", gt, wt)
	}

	// A second run into the now full target is refused, and changes nothing.
	out, err = runMigrateCmd(t, "--from", "bolt://"+src, "--to", etcdURL)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("migrate into a full target: err=%v, want 'not empty'\n%s", err, out)
	}
}

func TestMigrateErrors(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	fillBolt(t, src)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--from", "bolt://" + src}, "required"},
		{[]string{"--from", "bolt://" + src, "--to", "bolt://" + src}, "same store"},
		{[]string{"--from", "bolt://" + filepath.Join(dir, "missing.db"), "--to", "bolt://" + filepath.Join(dir, "x.db")}, "missing.db"},
		{[]string{"--from", "bolt://" + src, "--to", "mysql://x"}, "use bolt:///path/file.db or etcd://"},
		{[]string{"--from", "bolt://" + src, "--to", "etcd://u:pw@127.0.0.1:1"}, "password in the URL"},
		{[]string{"--from", "bolt://" + src, "--to", "etcd://127.0.0.1:1?request_timeout=200ms"}, "does not answer"},
		{[]string{"--from", "bolt://relative.db", "--to", "bolt:x.db"}, "bolt:///absolute"},
	}
	for _, c := range cases {
		out, err := runMigrateCmd(t, c.args...)
		if err == nil || !strings.Contains(out+err.Error(), c.want) {
			t.Errorf("migrate %v: err=%v out=%q, want %q", c.args, err, out, c.want)
		}
		if err != nil && strings.Contains(out+err.Error(), "pw@") {
			t.Errorf("migrate %v: the password shows: %v", c.args, err)
		}
	}
	if _, err := runMigrateCmd(t); !errors.Is(err, errUsage) {
		t.Errorf("migrate without flags: err=%v, want usage", err)
	}
}
