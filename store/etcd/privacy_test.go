package etcd

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// TestForgetThroughServiceCompacts: a citizen who consented, answered
// and typed text for research, then says /vergeet through a bot.Service
// over etcd, leaves no value behind at any revision: the session's and
// the research records' old revisions answer ErrCompacted.
func TestForgetThroughServiceCompacts(t *testing.T) {
	ctx := context.Background()
	compacted := make(chan int64, 8)
	s := openShared(t, Options{compacted: compacted})
	defer s.Close()
	cli := rawClient(t, shared.Endpoints())
	eng, err := dialogue.New(dialogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(s, eng, []byte("privacy-test-secret-0123456789"), bot.Options{})
	const user = "citizen-forget"
	seq := 0
	say := func(in bot.Inbound) bot.Result {
		t.Helper()
		seq++
		in.Channel, in.UserID, in.MessageID, in.Lang = bot.Telegram, user, "m"+strconv.Itoa(seq), "nl"
		res, err := svc.Handle(ctx, in)
		if err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		return res
	}
	prompt := func(res bot.Result) string {
		for i := len(res.Replies) - 1; i >= 0; i-- {
			if p := res.Replies[i].Prompt; p != "" {
				return p
			}
		}
		t.Fatalf("no question in %+v", res.Replies)
		return ""
	}
	res := say(bot.Inbound{Text: "/start"})
	res = say(bot.Inbound{Choice: "yes", Prompt: prompt(res)}) // keep
	res = say(bot.Inbound{Choice: "yes", Prompt: prompt(res)}) // research
	res = say(bot.Inbound{Choice: "2", Prompt: prompt(res)})
	say(bot.Inbound{Text: "ik heb een schuld bij de woningcorporatie"})
	if !res.Stored {
		t.Fatal("the conversation is not stored after consent")
	}

	// Every key the citizen has, with its newest revision.
	old := map[string]int64{}
	for _, p := range []string{s.sessionKey(svc.Pseudonyms().Key(bot.Telegram, user)), s.researchPrefix(svc.Pseudonyms().Research(bot.Telegram, user))} {
		resp, err := cli.Get(ctx, p, clientv3.WithPrefix())
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range resp.Kvs {
			old[string(kv.Key)] = kv.ModRevision
		}
	}
	if len(old) < 2 {
		t.Fatalf("%d keys for the citizen, want the session and research records", len(old))
	}

	res = say(bot.Inbound{Text: "/vergeet"})
	res = say(bot.Inbound{Choice: "yes", Prompt: prompt(res)})
	if res.Stored {
		t.Fatal("still stored after /vergeet")
	}
	// A compaction after the erasure, to a revision past every old value.
	var last int64
	for _, r := range old {
		last = max(last, r)
	}
	deadline := time.After(30 * time.Second)
	for rev := int64(0); rev <= last; {
		select {
		case rev = <-compacted:
		case <-deadline:
			t.Fatal("no compaction after /vergeet")
		}
	}
	for k, rev := range old {
		if _, err := cli.Get(ctx, k, clientv3.WithRev(rev)); !errors.Is(err, rpctypes.ErrCompacted) {
			t.Errorf("key %s at its old revision %d: err=%v, want ErrCompacted", k, rev, err)
		}
		if resp, err := cli.Get(ctx, k); err != nil || len(resp.Kvs) != 0 {
			t.Errorf("key %s still there: %v %v", k, resp, err)
		}
	}
}
