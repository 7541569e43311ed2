package mattermost

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/bot"
)

// DeskHandler receives what workers do in the handover channel.
// bot.Service implements it.
type DeskHandler interface {
	// DeskEvent applies one event. It ignores an event whose PostID it
	// has seen before, so the adapter may deliver an event again (after
	// a reconnect or a crash); an error means "try again later".
	DeskEvent(ctx context.Context, ev bot.DeskEvent) error
}

// Commands a worker types in a card's thread.
const (
	cmdClose = "!sluit" // close the handover (or: the callback is done)
	cmdDone  = "!klaar" // the callback is done
)

// deskHandler returns where desk events go: Options.DeskEvents, or the
// handler when it takes them; nil when nobody does.
func (a *Adapter) deskHandler() DeskHandler {
	if a.opts.DeskEvents != nil {
		return a.opts.DeskEvents
	}
	if d, ok := a.h.(DeskHandler); ok {
		return d
	}
	return nil
}

// deskJob turns a worker's reply in the handover channel into a job: the
// jobs of one thread run in order, one at a time (queue key: the thread).
func deskJob(p *model.Post) job {
	return job{
		channel: p.ChannelId, root: p.RootId, user: "desk", worker: p.UserId,
		text: p.Message, messageID: p.Id, created: p.CreateAt, desk: true,
	}
}

// cardFor returns the card of root post id, asking the server the first
// time; nil when the post is no card of the bot's (or is gone).
func (a *Adapter) cardFor(ctx context.Context, id string) (*cardInfo, error) {
	a.desk.mu.Lock()
	info, ok := a.desk.infos[id]
	a.desk.mu.Unlock()
	if ok {
		return info, nil
	}
	p, resp, err := a.client.GetPost(ctx, id, "")
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden) {
			return nil, nil
		}
		return nil, err
	}
	me := a.botUser()
	if me == nil || p.UserId != me.Id {
		a.desk.mu.Lock()
		a.desk.infos[id] = nil
		a.desk.mu.Unlock()
		return nil, nil
	}
	return a.rememberCard(p), nil
}

// processDesk hands a worker's reply to the DeskHandler: "!sluit" closes,
// any other text is a reply for the citizen (on a callback card, "!klaar"
// or "!sluit" marks it done and other text stays among staff). The event
// is retried with backoff while the handler fails, so that the thread's
// later replies do not overtake it.
func (a *Adapter) processDesk(ctx context.Context, j job) {
	dh := a.deskHandler()
	if dh == nil {
		return
	}
	info, err := a.cardFor(ctx, j.root)
	if err != nil {
		a.release(j.messageID)
		a.log.Warn("cannot read a card; the reply is tried again at the next catch-up", "err", err)
		return
	}
	if info == nil {
		return // a thread among staff, not about a card
	}
	text := strings.TrimSpace(j.text)
	cmd := strings.ToLower(strings.Fields(text + " x")[0])
	ev := bot.DeskEvent{Ref: info.ref, Thread: j.root, PostID: j.messageID, Time: time.UnixMilli(j.created)}
	switch {
	case info.kind == bot.KindCallbackCard && (cmd == cmdDone || cmd == cmdClose):
		ev.Kind = bot.DeskCallbackDone
	case info.kind == bot.KindCallbackCard:
		return
	case cmd == cmdClose:
		ev.Kind = bot.DeskClosed
	case text == "":
		return // a file alone: files go to the citizen only as words (see doc.go)
	default:
		ev.Kind, ev.Text = bot.DeskReply, text
	}
	ev.Worker = a.firstName(ctx, j.worker)
	if err := a.deskEvent(ctx, dh, ev, a.opts.SendAttempts); err != nil {
		a.release(j.messageID)
		if ctx.Err() == nil {
			a.log.Error("desk event not applied; tried again at the next catch-up", "kind", ev.Kind, "err", err)
		}
		return
	}
	if st := a.cardStatus(j.root); ev.Kind != bot.DeskReply || (st != statusClosed && st != statusDone) {
		// A reply under a card shown closed goes nowhere: no ✅ for it.
		a.receipt(ctx, j.messageID)
	}
	switch {
	case ev.Kind == bot.DeskClosed:
		a.updateCard(ctx, j.root, statusClosed, ev.Worker)
	case ev.Kind == bot.DeskCallbackDone:
		a.updateCard(ctx, j.root, statusDone, ev.Worker)
	case ev.Kind == bot.DeskReply && a.cardStatus(j.root) == "":
		a.updateCard(ctx, j.root, statusTaken, ev.Worker) // taken by replying
	}
}

// cardStatus returns the status the card was last shown with.
func (a *Adapter) cardStatus(root string) string {
	a.desk.mu.Lock()
	defer a.desk.mu.Unlock()
	if info := a.desk.infos[root]; info != nil {
		return info.status
	}
	return ""
}

// deskEvent applies ev, trying up to attempts times with backoff while
// the handler fails.
func (a *Adapter) deskEvent(ctx context.Context, dh DeskHandler, ev bot.DeskEvent, attempts int) error {
	var err error
	for attempt := 0; attempt < attempts; attempt++ {
		if attempt > 0 && !sleep(ctx, a.backoff(attempt-1)) {
			return ctx.Err()
		}
		if err = dh.DeskEvent(ctx, ev); err == nil {
			a.m.desk.WithLabelValues(ev.Kind).Inc()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, bot.ErrUnknownRef) {
			// A card of another deployment (or a damaged one): never
			// applicable, so not retried.
			a.m.desk.WithLabelValues("unknown").Inc()
			return nil
		}
	}
	a.m.desk.WithLabelValues("failed").Inc()
	return err
}

// firstName returns a worker's first name ("" when unknown), asking the
// server once per worker.
func (a *Adapter) firstName(ctx context.Context, user string) string {
	a.desk.mu.Lock()
	n, ok := a.desk.names[user]
	a.desk.mu.Unlock()
	if ok {
		return n
	}
	u, _, err := a.client.GetUser(ctx, user, "")
	if err != nil {
		return ""
	}
	n = strings.TrimSpace(u.FirstName)
	a.desk.mu.Lock()
	if len(a.desk.names) > 10000 {
		clear(a.desk.names)
	}
	a.desk.names[user] = n
	a.desk.mu.Unlock()
	return n
}

// updateCard shows a card's new status (who took or closed it) and the
// buttons left; a failure only leaves the card as it was.
func (a *Adapter) updateCard(ctx context.Context, root, status, worker string) {
	if a.opts.ActionsURL == "" {
		return
	}
	p, _, err := a.client.GetPost(ctx, root, "")
	if err != nil {
		return
	}
	info := infoOf(p)
	if info == nil {
		return
	}
	if info.status == statusClosed || info.status == statusDone {
		return // a late reply does not reopen the card
	}
	props := a.cardProps(p, info, status, worker)
	upd, _, err := a.client.PatchPost(ctx, root, &model.PostPatch{Props: &props})
	if err != nil {
		a.log.Warn("cannot update a card", "err", err)
		return
	}
	a.rememberCard(upd)
}

// cardProps returns p's props with the buttons for status.
func (a *Adapter) cardProps(p *model.Post, info *cardInfo, status, worker string) model.StringInterface {
	q := &model.Post{}
	for k, v := range p.GetProps() {
		q.AddProp(k, v)
	}
	a.attachDeskButtons(q, info.id, info.kind, status, worker)
	return q.GetProps()
}

// deskAction serves a press on a card's button: it checks the signature
// and that the post is that card, applies the event, and answers with the
// card updated (who took or closed it, the buttons left). When the event
// cannot be applied the worker sees a short message and may press again.
func (a *Adapter) deskAction(w http.ResponseWriter, r *http.Request, req *model.PostActionIntegrationRequest) {
	str := func(k string) string { s, _ := req.Context[k].(string); return s }
	act, card, mac := str(ctxDesk), str(ctxCard), str(ctxMAC)
	if card == "" || !hmac.Equal([]byte(mac), []byte(a.deskSign(act, card))) {
		a.m.messages.WithLabelValues("forged").Inc()
		a.log.Warn("card button press with a bad signature refused")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	ctx := r.Context()
	answer := func(resp model.PostActionIntegrationResponse) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}
	failed := model.PostActionIntegrationResponse{EphemeralText: a.text.get("nl", "desk_failed")}
	dh := a.deskHandler()
	if dh == nil {
		http.Error(w, "no desk", http.StatusServiceUnavailable)
		return
	}
	p, _, err := a.client.GetPost(ctx, req.PostId, "")
	if err != nil {
		answer(failed)
		return
	}
	info := infoOf(p)
	if info == nil || info.id != card {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	ev := bot.DeskEvent{
		Ref: info.ref, Thread: p.Id, Worker: a.firstName(ctx, req.UserId),
		PostID: "button-" + act + "-" + p.Id, Time: a.opts.Now(),
	}
	status := ""
	switch {
	case act == actTake && info.kind != bot.KindCallbackCard:
		ev.Kind, status = bot.DeskTaken, statusTaken
	case act == actClose && info.kind != bot.KindCallbackCard:
		ev.Kind, status = bot.DeskClosed, statusClosed
	case act == actDone && info.kind == bot.KindCallbackCard:
		ev.Kind, status = bot.DeskCallbackDone, statusDone
	default:
		http.Error(w, "bad action", http.StatusBadRequest)
		return
	}
	if err := a.deskEvent(ctx, dh, ev, 2); err != nil {
		if !errors.Is(err, context.Canceled) {
			a.log.Error("card button not applied", "kind", ev.Kind, "err", err)
		}
		answer(failed)
		return
	}
	upd := p.Clone()
	upd.SetProps(a.cardProps(p, info, status, ev.Worker))
	a.rememberCard(upd)
	answer(model.PostActionIntegrationResponse{Update: upd})
}

// receiptEmoji is the reaction the bot puts on a worker's post once the
// bot has applied it: the worker sees it was passed on, and a catch-up
// after a restart skips it (see receipted).
const receiptEmoji = "white_check_mark"

// receipt marks a worker's post as applied; a failure only costs a
// redelivery, which the bot ignores.
func (a *Adapter) receipt(ctx context.Context, post string) {
	me := a.botUser()
	if me == nil {
		return
	}
	if _, _, err := a.client.SaveReaction(ctx, &model.Reaction{UserId: me.Id, PostId: post, EmojiName: receiptEmoji}); err != nil && ctx.Err() == nil {
		a.log.Warn("cannot mark a worker's post as passed on", "err", err)
	}
}

// receipted reports whether p carries the bot's receipt.
func receipted(p *model.Post, botID string) bool {
	if !p.HasReactions || p.Metadata == nil {
		return false
	}
	for _, r := range p.Metadata.Reactions {
		if r != nil && r.UserId == botID && r.EmojiName == receiptEmoji && r.DeleteAt == 0 {
			return true
		}
	}
	return false
}
