package mattermost_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/adapters/mattermost"
	"github.com/proactief/proactief/adapters/mattermost/fakemm"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/store/bolt"
)

// TestFollowupInDM runs a staff conversation in a Mattermost direct
// message to the follow-up, lets the outbox deliver it into the DM, and
// answers it: the outcome is recorded.
func TestFollowupInDM(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fake := fakemm.New(t, fakemm.Options{})
	botID, token := fake.AddBot("proactief")
	staff, _ := fake.AddUser("medewerker")
	db, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err := dialogue.New(dialogue.Options{FollowupChannels: []string{bot.Mattermost}, FollowupAfter: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(db, eng, []byte("test secret of 32 bytes or so..."), bot.Options{})
	a, err := mattermost.New(fake.URL, token, svc, mattermost.Options{AllowUsers: []string{staff}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	go func() { a.Run(runCtx); done <- struct{}{} }()
	go func() {
		svc.Drain(runCtx, bot.Mattermost, a, bot.DrainOptions{Interval: 10 * time.Millisecond})
		done <- struct{}{}
	}()
	defer func() { stop(); <-done; <-done }()
	if err := fake.WaitWebsockets(ctx, botID, 1); err != nil {
		t.Fatal(err)
	}
	// say sends text and waits for the bot's answer ending in a question
	// or a closing line.
	say := func(text, want string) *model.Post {
		t.Helper()
		n := len(fake.Posts(botID))
		fake.DM(staff, botID, text)
		p, err := fake.WaitPost(ctx, botID, n, func(p *model.Post) bool { return strings.Contains(p.Message, want) })
		if err != nil {
			t.Fatalf("after %q: %v; bot posts: %v", text, err, messages(fake.Posts(botID)[n:]))
		}
		return p
	}
	say("/start", "bewaren")
	say("1", "onderzoek") // keep: yes
	say("1", "Klopt dat") // research: yes
	say("/stop", "Later") // to the offer
	say("2", "bericht")   // looking online: the follow-up question
	before := len(fake.Posts(botID))
	say("1", "Is het gelukt") // yes: the follow-up comes at once (1ms)
	posts := fake.Posts(botID)[before:]
	var followups []*model.Post
	for _, p := range posts {
		if strings.Contains(p.Message, "Is het gelukt") {
			followups = append(followups, p)
		}
	}
	if len(followups) != 1 || followups[0].GetProp("proactief_envelope") == nil {
		t.Fatalf("follow-up posts: %v", messages(followups))
	}
	dm := fake.Direct(staff, botID)
	if followups[0].ChannelId != dm {
		t.Fatalf("the follow-up went to channel %s, not the DM %s", followups[0].ChannelId, dm)
	}
	say("1", "gelukt") // Gelukt
	key := svc.Pseudonyms().Key(bot.Mattermost, staff)
	sess, err := db.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if f := sess.Conv.Followup; f == nil || f.Result != dialogue.ResultGelukt || f.Pending {
		t.Fatalf("follow-up state: %+v", f)
	}
}

// TestDeliverOnce: delivering an envelope a second time (a drainer that
// crashed between the post and recording it) posts nothing new: exactly
// once in Mattermost.
func TestDeliverOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fake := fakemm.New(t, fakemm.Options{})
	botID, token := fake.AddBot("proactief")
	staff, _ := fake.AddUser("medewerker")
	a, err := mattermost.New(fake.URL, token, handlerFunc(nil), mattermost.Options{AllowUsers: []string{staff}})
	if err != nil {
		t.Fatal(err)
	}
	replies := []dialogue.Reply{{Text: "Hoi! Is het gelukt?", Prompt: "followup", Choices: []dialogue.Choice{{ID: "gelukt", Label: "Gelukt"}}}, {Text: "Tweede"}}
	env := bot.Envelope{ID: bot.NewEnvelopeID(time.Now()), Kind: bot.KindFollowup, Created: time.Now()}
	if err := a.DeliverOnce(ctx, env, staff, replies); err == nil {
		t.Fatalf("delivered before the adapter logged in")
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	if err := fake.WaitWebsockets(ctx, botID, 1); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := a.DeliverOnce(ctx, env, staff, replies); err != nil {
			t.Fatalf("DeliverOnce: %v", err)
		}
	}
	if got := fake.Posts(botID); len(got) != 2 {
		t.Fatalf("%d posts after three deliveries of one envelope, want 2: %v", len(got), messages(got))
	}
	// Another envelope is another message.
	env2 := env
	env2.ID = bot.NewEnvelopeID(time.Now())
	if err := a.DeliverOnce(ctx, env2, staff, replies[:1]); err != nil {
		t.Fatal(err)
	}
	if got := fake.Posts(botID); len(got) != 3 {
		t.Fatalf("%d posts, want 3", len(got))
	}
	// A user that does not exist cannot get one: never retried.
	if err := a.DeliverOnce(ctx, env2, model.NewId(), replies); !errorsIsUndeliverable(err) {
		t.Fatalf("unknown user: %v, want undeliverable", err)
	}
	if err := a.DeliverOnce(ctx, env2, "not an id", replies); !errorsIsUndeliverable(err) {
		t.Fatalf("bad address: %v, want undeliverable", err)
	}
}

type handlerFunc func(context.Context, bot.Inbound) (bot.Result, error)

func (f handlerFunc) Handle(ctx context.Context, in bot.Inbound) (bot.Result, error) {
	if f == nil {
		return bot.Result{}, nil
	}
	return f(ctx, in)
}

func messages(ps []*model.Post) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Message)
	}
	return out
}

func errorsIsUndeliverable(err error) bool { return errors.Is(err, bot.ErrUndeliverable) }
