package mattermost

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/bot"
)

var _ bot.Desk = (*Adapter)(nil)

// ErrNoDesk is returned by the Desk methods when Options.HandoverChannel
// is not set, or names a channel the bot cannot find or is not in.
var ErrNoDesk = errors.New("mattermost: no handover channel")

// Props on the posts the desk makes. A card (root post) carries its
// envelope ID, the conversation's sealed reference, the card's kind and
// the handover number; a relayed message its envelope ID; the line that
// says a conversation was erased, the erase order's ID. A later run (or
// another instance after a failover) finds them there, so that nothing is
// posted twice.
const (
	propCard     = "proactief_card"      // card envelope ID (root)
	propRef      = "proactief_ref"       // bot.Card.Ref, sealed (root)
	propCardKind = "proactief_card_kind" // bot.KindHandoverCard or bot.KindCallbackCard (root)
	propNumber   = "proactief_number"    // handover number (root)
	propEnvelope = "proactief_envelope"  // envelope ID of a relayed message
	propErased   = "proactief_erased"    // erase order ID of the "erased" line
	propStatus   = "proactief_status"    // taken / closed / done, on a card updated by a button
)

// desk is the adapter's state for the handover channel.
type desk struct {
	mu      sync.Mutex
	channel string               // resolved channel id
	cards   map[string]string    // card envelope ID -> thread
	threads map[string]*thread   // thread (root post id) -> what is known of it
	infos   map[string]*cardInfo // root post id -> card, or nil for a root that is no card
	erased  map[string]bool      // erase order IDs done
	names   map[string]string    // worker user id -> first name
	// permanent is false once the server refused a permanent delete:
	// the bot then deletes posts the normal way (see doc.go, Caveats).
	permanentOff bool
}

// thread is what the desk knows of one card's thread: the envelope IDs
// posted there and their post ids. It is loaded from the server on first
// use and after any failed post (the post may have been made).
type thread struct {
	loaded bool
	posted map[string]string // envelope ID -> post id
}

// cardInfo is what a root post says about its card.
type cardInfo struct {
	id, ref, kind, number string
	status                string // "" (new), statusTaken, statusClosed, statusDone
}

func newDesk() *desk {
	return &desk{
		cards: map[string]string{}, threads: map[string]*thread{}, infos: map[string]*cardInfo{},
		erased: map[string]bool{}, names: map[string]string{},
	}
}

// forgetAll drops what the desk remembers of cards and threads, so that
// the next post asks the server. Run calls it when it starts and ends:
// with several instances, another one may have posted meanwhile.
func (d *desk) forgetAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.cards)
	clear(d.threads)
	clear(d.infos)
	clear(d.erased)
}

// Desk reports whether a handover channel is configured.
func (a *Adapter) Desk() bool { return a.opts.HandoverChannel != "" }

// deskChannel returns the handover channel's id, looking it up once by
// "team-name/channel-name".
func (a *Adapter) deskChannel(ctx context.Context) (string, error) {
	if a.opts.HandoverChannel == "" {
		return "", ErrNoDesk
	}
	a.desk.mu.Lock()
	id := a.desk.channel
	a.desk.mu.Unlock()
	if id != "" {
		return id, nil
	}
	team, name, _ := strings.Cut(a.opts.HandoverChannel, "/")
	ch, resp, err := a.client.GetChannelByNameForTeamName(ctx, name, team, "")
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden) {
			return "", fmt.Errorf("%w: %q not found or the bot is not in it", ErrNoDesk, a.opts.HandoverChannel)
		}
		return "", fmt.Errorf("find handover channel: %w", err)
	}
	a.desk.mu.Lock()
	a.desk.channel = ch.Id
	a.desk.mu.Unlock()
	a.mu.Lock()
	a.chans[ch.Id] = string(ch.Type)
	a.mu.Unlock()
	return ch.Id, nil
}

// isDeskChannel reports whether id is the handover channel (once known).
func (a *Adapter) isDeskChannel(id string) bool {
	a.desk.mu.Lock()
	defer a.desk.mu.Unlock()
	return id != "" && id == a.desk.channel
}

// Open posts card as a root post in the handover channel, with buttons
// to take and close it (or to mark a callback done) when
// Options.ActionsURL is set, and returns the post's id, the thread.
// When a root post for card.ID exists already (a crash after the post),
// it returns that one and posts nothing. Returns ErrNoDesk when there is
// no handover channel.
func (a *Adapter) Open(ctx context.Context, card bot.Card) (string, error) {
	if card.ID == "" {
		return "", errors.New("mattermost: card without ID")
	}
	ch, err := a.deskChannel(ctx)
	if err != nil {
		return "", err
	}
	a.desk.mu.Lock()
	th, ok := a.desk.cards[card.ID]
	a.desk.mu.Unlock()
	if ok {
		return th, nil
	}
	me, err := a.self(ctx)
	if err != nil {
		return "", err
	}
	since := card.Asked
	if since.IsZero() {
		since = a.opts.Now().Add(-24 * time.Hour)
	}
	if p, err := a.findRoot(ctx, ch, me.Id, since.Add(-time.Minute), func(p *model.Post) bool {
		v, _ := p.GetProp(propCard).(string)
		return v == card.ID
	}); err != nil {
		return "", err
	} else if p != nil {
		a.rememberCard(p)
		return p.Id, nil
	}

	post := &model.Post{ChannelId: ch, Message: a.cardText(card), PendingPostId: me.Id + ":" + card.ID}
	post.AddProp(propCard, card.ID)
	post.AddProp(propRef, card.Ref)
	post.AddProp(propCardKind, card.Kind)
	post.AddProp(propNumber, card.Number)
	if a.opts.ActionsURL != "" {
		a.attachDeskButtons(post, card.ID, card.Kind, "", "")
	}
	created, err := a.create(ctx, post)
	if err != nil {
		a.desk.mu.Lock()
		delete(a.desk.cards, card.ID)
		a.desk.mu.Unlock()
		return "", fmt.Errorf("post card: %w", err)
	}
	a.rememberCard(created)
	a.m.desk.WithLabelValues("card").Inc()
	return created.Id, nil
}

// rememberCard keeps what a card's root post says.
func (a *Adapter) rememberCard(p *model.Post) *cardInfo {
	info := infoOf(p)
	a.desk.mu.Lock()
	defer a.desk.mu.Unlock()
	if info != nil {
		a.desk.cards[info.id] = p.Id
	}
	if len(a.desk.infos) > 10000 {
		clear(a.desk.infos)
	}
	a.desk.infos[p.Id] = info
	return info
}

// infoOf reads a card from a post's props; nil when it is no card.
func infoOf(p *model.Post) *cardInfo {
	str := func(k string) string { s, _ := p.GetProp(k).(string); return s }
	if p.RootId != "" || str(propCard) == "" || str(propRef) == "" {
		return nil
	}
	return &cardInfo{id: str(propCard), ref: str(propRef), kind: str(propCardKind), number: str(propNumber), status: str(propStatus)}
}

// findRoot looks through the channel's posts, newest first, back to
// since, for a root post of the bot's for which match is true.
func (a *Adapter) findRoot(ctx context.Context, ch, botID string, since time.Time, match func(*model.Post) bool) (*model.Post, error) {
	const perPage, maxPages = 200, 25
	floor := since.UnixMilli()
	for page := 0; page < maxPages; page++ {
		list, _, err := a.client.GetPostsForChannel(ctx, ch, page, perPage, "", false, false)
		if err != nil {
			return nil, fmt.Errorf("look for an earlier post: %w", err)
		}
		older := false
		for _, id := range list.Order {
			p := list.Posts[id]
			if p == nil {
				continue
			}
			if p.CreateAt < floor {
				older = true
				continue
			}
			if p.UserId == botID && p.RootId == "" && p.DeleteAt == 0 && match(p) {
				return p, nil
			}
		}
		if older || len(list.Order) < perPage {
			return nil, nil
		}
	}
	return nil, nil
}

// Post adds msg to thread: the citizen's words as a quote (Markdown and
// mentions disarmed), a note from the bot in italics, and a file uploaded
// and attached when msg.File is set. When a post for msg.ID exists in the
// thread already, it returns that post's id. Returns an error wrapping
// bot.ErrThreadGone when the thread was deleted.
func (a *Adapter) Post(ctx context.Context, threadID string, msg bot.DeskPost) (string, error) {
	if msg.ID == "" || threadID == "" {
		return "", errors.New("mattermost: desk post without ID or thread")
	}
	ch, err := a.deskChannel(ctx)
	if err != nil {
		return "", err
	}
	me, err := a.self(ctx)
	if err != nil {
		return "", err
	}
	if id, err := a.postedIn(ctx, threadID, me.Id, msg.ID); err != nil || id != "" {
		return id, err
	}
	text := quote(msg.Text)
	if msg.Note {
		text = "_" + escape(msg.Text) + "_"
	}
	if msg.Crisis {
		text = "**" + escape(a.text.get("nl", "desk_crisis")) + "**\n" + text
	}
	post := &model.Post{ChannelId: ch, RootId: threadID, Message: text, PendingPostId: me.Id + ":" + msg.ID}
	post.AddProp(propEnvelope, msg.ID)
	if msg.File != nil && len(msg.File.Data) > 0 {
		up, _, err := a.client.UploadFile(ctx, msg.File.Data, ch, fileName(msg.File))
		if err != nil {
			a.forget(threadID)
			return "", fmt.Errorf("upload file: %w", err)
		}
		for _, fi := range up.FileInfos {
			post.FileIds = append(post.FileIds, fi.Id)
		}
		a.m.desk.WithLabelValues("file").Inc()
	}
	if post.Message == "" && len(post.FileIds) == 0 {
		post.Message = "_" + escape(a.text.get("nl", "desk_empty")) + "_"
	}
	created, err := a.create(ctx, post)
	if err != nil {
		a.forget(threadID)
		var ae *model.AppError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusBadRequest && strings.Contains(ae.Id, "root") {
			return "", fmt.Errorf("%w: %w", bot.ErrThreadGone, err)
		}
		return "", fmt.Errorf("post into thread: %w", err)
	}
	a.desk.mu.Lock()
	if t := a.desk.threads[threadID]; t != nil {
		t.posted[msg.ID] = created.Id
	}
	a.desk.mu.Unlock()
	a.m.desk.WithLabelValues("relayed").Inc()
	return created.Id, nil
}

// postedIn returns the id of the bot's post in thread that carries
// envelope, or "" when there is none. It asks the server for the thread
// the first time and after a failed post; then it answers from memory.
func (a *Adapter) postedIn(ctx context.Context, threadID, botID, envelope string) (string, error) {
	a.desk.mu.Lock()
	t := a.desk.threads[threadID]
	if t != nil && t.loaded {
		id := t.posted[envelope]
		a.desk.mu.Unlock()
		return id, nil
	}
	a.desk.mu.Unlock()
	list, resp, err := a.client.GetPostThread(ctx, threadID, "", false)
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden) {
			return "", fmt.Errorf("%w: %w", bot.ErrThreadGone, err)
		}
		return "", fmt.Errorf("read thread: %w", err)
	}
	if root := list.Posts[threadID]; root == nil || root.RootId != "" || root.DeleteAt != 0 {
		return "", fmt.Errorf("%w: not a root post", bot.ErrThreadGone)
	}
	t = &thread{loaded: true, posted: map[string]string{}}
	for _, p := range list.Posts {
		if p.UserId != botID || p.DeleteAt != 0 {
			continue
		}
		if env, _ := p.GetProp(propEnvelope).(string); env != "" {
			t.posted[env] = p.Id
		}
	}
	a.rememberCard(list.Posts[threadID])
	a.desk.mu.Lock()
	if len(a.desk.threads) > 10000 {
		clear(a.desk.threads)
	}
	a.desk.threads[threadID] = t
	a.desk.mu.Unlock()
	return t.posted[envelope], nil
}

// forget makes the next Post into thread ask the server again.
func (a *Adapter) forget(threadID string) {
	a.desk.mu.Lock()
	delete(a.desk.threads, threadID)
	a.desk.mu.Unlock()
}

// Erase deletes postIDs (the bot's posts about one person, oldest first
// as they were made: they are deleted newest first, the thread's root
// last, which on Mattermost takes the rest of the thread with it) and
// then adds one line to the channel saying so. Posts
// already gone are skipped. Called again with the same id after the line
// was posted, it does nothing.
func (a *Adapter) Erase(ctx context.Context, id, threadID string, postIDs []string) error {
	if id == "" {
		return errors.New("mattermost: erase without ID")
	}
	ch, err := a.deskChannel(ctx)
	if err != nil {
		return err
	}
	me, err := a.self(ctx)
	if err != nil {
		return err
	}
	a.desk.mu.Lock()
	done := a.desk.erased[id]
	a.desk.mu.Unlock()
	if done {
		return nil
	}
	// Newest first, and the thread's root last: a reply always comes
	// after its card in postIDs (which may hold the posts of an earlier
	// handover of the same person too), and deleting a card first would
	// take its replies with it but leave their files behind.
	order := slices.Clone(postIDs)
	slices.Reverse(order)
	slices.SortStableFunc(order, func(x, y string) int {
		return cmp.Compare(b2i(x == threadID), b2i(y == threadID))
	})
	if threadID != "" && !slices.Contains(order, threadID) {
		order = append(order, threadID)
	}
	for _, pid := range order {
		if err := a.deletePost(ctx, pid); err != nil {
			return err
		}
	}
	a.forget(threadID)
	a.desk.mu.Lock()
	delete(a.desk.infos, threadID)
	for c, t := range a.desk.cards {
		if t == threadID {
			delete(a.desk.cards, c)
		}
	}
	a.desk.mu.Unlock()

	p, err := a.findRoot(ctx, ch, me.Id, a.opts.Now().Add(-24*time.Hour), func(p *model.Post) bool {
		v, _ := p.GetProp(propErased).(string)
		return v == id
	})
	if err != nil {
		return err
	}
	if p == nil {
		line := &model.Post{ChannelId: ch, Message: "_" + a.text.get("nl", "desk_erased") + "_", PendingPostId: me.Id + ":" + id}
		line.AddProp(propErased, id)
		if _, err := a.create(ctx, line); err != nil {
			return fmt.Errorf("post erase line: %w", err)
		}
	}
	a.desk.mu.Lock()
	if len(a.desk.erased) > 10000 {
		clear(a.desk.erased)
	}
	a.desk.erased[id] = true
	a.desk.mu.Unlock()
	a.m.desk.WithLabelValues("erased").Inc()
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// deletePost deletes one of the bot's posts: permanently when the server
// allows it (the bot is a system admin and EnableAPIPostDeletion is on),
// otherwise the normal way. A post that is gone already is no error.
func (a *Adapter) deletePost(ctx context.Context, id string) error {
	a.desk.mu.Lock()
	permanent := !a.desk.permanentOff
	a.desk.mu.Unlock()
	if permanent {
		resp, err := a.client.PermanentDeletePost(ctx, id)
		switch {
		case err == nil:
			return nil
		case resp != nil && resp.StatusCode == http.StatusNotFound:
			return nil
		case resp != nil && (resp.StatusCode == http.StatusNotImplemented || resp.StatusCode == http.StatusForbidden):
			a.desk.mu.Lock()
			if !a.desk.permanentOff {
				a.log.Warn("the server does not allow permanent deletion; erased posts stay in its database as deleted (see the README)")
			}
			a.desk.permanentOff = true
			a.desk.mu.Unlock()
		default:
			return fmt.Errorf("delete post: %w", err)
		}
	}
	resp, err := a.client.DeletePost(ctx, id)
	if err != nil && !(resp != nil && resp.StatusCode == http.StatusNotFound) {
		return fmt.Errorf("delete post: %w", err)
	}
	return nil
}

// create posts p once and returns the post as stored. It does not retry:
// when the answer is lost the post may have been made, and only the
// caller's next attempt, which looks for the post by its props first,
// can tell (the outbox retries with its own backoff).
func (a *Adapter) create(ctx context.Context, p *model.Post) (*model.Post, error) {
	out, _, err := a.client.CreatePost(ctx, p)
	if err != nil {
		a.m.sends.WithLabelValues("failed").Inc()
		return nil, err
	}
	a.m.sends.WithLabelValues("ok").Inc()
	return out, nil
}

// self returns the bot's own user, asking the server when Run has not
// logged in yet (the desk is used by the outbox drainer, which may start
// first).
func (a *Adapter) self(ctx context.Context) (*model.User, error) {
	if me := a.botUser(); me != nil {
		return me, nil
	}
	me, _, err := a.client.GetMe(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("who am I: %w", err)
	}
	a.mu.Lock()
	if a.me == nil {
		a.me = me
	}
	a.mu.Unlock()
	return me, nil
}

// fileName returns a safe name for an uploaded file.
func fileName(f *bot.DeskFile) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, f.Name)
	if name == "" || name == "." || name == ".." {
		name = "bestand"
		switch f.MIME {
		case "image/jpeg":
			name += ".jpg"
		case "image/png":
			name += ".png"
		case "application/pdf":
			name += ".pdf"
		}
	}
	return name
}
