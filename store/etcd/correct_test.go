package etcd

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/proactief/proactief/bot"
)

// TestCorrectResearch: a research turn's text is replaced, and the old
// text is compacted out of the history like erased data.
func TestCorrectResearch(t *testing.T) {
	ctx := context.Background()
	compacted := make(chan int64, 4)
	s := openShared(t, Options{compacted: compacted})
	defer s.Close()
	cli := rawClient(t, shared.Endpoints())
	mustUpdate(t, s, "s-c", func(sess *bot.Session) error {
		sess.ResearchOut = []bot.ResearchTurn{{Pseudonym: "r-c", Seq: 1, Day: "2026-11-01", Text: "ik sprak Marjolein"}}
		return nil
	})
	rk := s.researchKey("r-c", 1)
	resp, err := cli.Get(ctx, rk)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("turn not stored: %v %v", resp, err)
	}
	oldRev := resp.Kvs[0].ModRevision

	fix := func(text string) (string, error) { return strings.ReplaceAll(text, "Marjolein", "[NAAM]"), nil }
	if err := s.CorrectResearch(ctx, "r-c", 1, fix); err != nil {
		t.Fatalf("CorrectResearch: %v", err)
	}
	var got []string
	if err := s.Research(ctx, func(rt bot.ResearchTurn) error { got = append(got, rt.Text); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "ik sprak [NAAM]" {
		t.Fatalf("research = %q, want the corrected text", got)
	}
	select {
	case <-compacted:
	case <-time.After(30 * time.Second):
		t.Fatal("no compaction after the correction")
	}
	if _, err := cli.Get(ctx, rk, clientv3.WithRev(oldRev)); !errors.Is(err, rpctypes.ErrCompacted) {
		t.Fatalf("old text still readable at revision %d: err=%v", oldRev, err)
	}

	if err := s.CorrectResearch(ctx, "r-c", 2, fix); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("missing turn: err = %v, want ErrNotFound", err)
	}
	boom := errors.New("boom")
	if err := s.CorrectResearch(ctx, "r-c", 1, func(string) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Errorf("failing fix: err = %v, want it returned", err)
	}
}
