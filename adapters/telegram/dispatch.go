package telegram

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// item is one update on its way through a chat's queue.
type item struct {
	upd      *models.Update
	received time.Time
	// result, when set (webhook), gets whether the update was committed;
	// otherwise (polling) the tracker is told.
	result chan bool
}

// chatQueue holds a chat's updates in order; one worker runs it.
type chatQueue struct {
	items   []*item
	running bool
}

// finish reports the outcome of it.
func (a *Adapter) finish(it *item, committed bool) {
	if committed {
		a.m.latency.Observe(time.Since(it.received).Seconds())
		a.mu.Lock()
		delete(a.apologised, it.upd.ID)
		a.mu.Unlock()
	}
	if it.result != nil {
		it.result <- committed
		return
	}
	if committed {
		a.track.done(it.upd.ID)
	}
}

// route returns the chat an update belongs to and its kind; ok is false
// for updates the adapter does not handle.
func route(u *models.Update) (chat int64, kind string, ok bool) {
	switch {
	case u.Message != nil:
		if u.Message.Chat.Type != models.ChatTypePrivate {
			return u.Message.Chat.ID, "group", true
		}
		return u.Message.Chat.ID, "message", true
	case u.CallbackQuery != nil:
		cq := u.CallbackQuery
		switch {
		case cq.Message.Message != nil:
			return cq.Message.Message.Chat.ID, "callback", true
		case cq.Message.InaccessibleMessage != nil:
			return cq.Message.InaccessibleMessage.Chat.ID, "callback", true
		}
		return cq.From.ID, "callback", true
	}
	return 0, "other", false
}

// dispatch queues an update behind the earlier ones of its chat. It
// returns false when the adapter is shutting down (the update is not
// taken).
func (a *Adapter) dispatch(it *item) bool {
	chat, kind, ok := route(it.upd)
	a.qmu.Lock()
	defer a.qmu.Unlock()
	if a.stopping {
		return false
	}
	a.m.received.WithLabelValues(kind).Inc()
	if !ok {
		a.m.handled.WithLabelValues("ignored").Inc()
		a.finish(it, true)
		return true
	}
	q := a.queues[chat]
	if q == nil {
		q = &chatQueue{}
		a.queues[chat] = q
	}
	q.items = append(q.items, it)
	if !q.running {
		q.running = true
		a.workers.Add(1)
		go a.work(chat, q)
	}
	return true
}

// work runs a chat's queue until it is empty or the adapter stops.
func (a *Adapter) work(chat int64, q *chatQueue) {
	defer a.workers.Done()
	rs := a.run.Load()
	for {
		a.qmu.Lock()
		if len(q.items) == 0 || a.stopping {
			left := q.items
			q.items, q.running = nil, false
			delete(a.queues, chat)
			a.qmu.Unlock()
			for _, it := range left {
				if it.result != nil {
					it.result <- false
				}
			}
			return
		}
		it := q.items[0]
		q.items = q.items[1:]
		a.qmu.Unlock()
		a.runItem(rs, it)
	}
}

// runItem handles one update. In polling mode an update that could not be
// committed is tried again, with backoff, until it is or the adapter
// stops; the webhook leaves that to Telegram.
func (a *Adapter) runItem(rs *runState, it *item) {
	backoff := a.opts.MinBackoff
	for {
		select {
		case a.sem <- struct{}{}:
		case <-rs.hard.Done():
			a.finish(it, false)
			return
		}
		a.m.inFlight.Inc()
		ok := a.process(rs.hard, it)
		a.m.inFlight.Dec()
		<-a.sem
		if ok || it.result != nil || rs.ctx.Err() != nil {
			a.finish(it, ok)
			return
		}
		if sleep(rs.ctx, backoff) != nil {
			a.finish(it, false)
			return
		}
		backoff = min(2*backoff, a.opts.MaxBackoff)
	}
}

// process handles one update once and reports whether it is finished: its
// effect committed and its replies sent, or nothing to do.
func (a *Adapter) process(ctx context.Context, it *item) (committed bool) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("panic while handling an update", "update", it.upd.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			a.m.handled.WithLabelValues("panic").Inc()
			committed = true // a panic would repeat: do not have it redelivered forever
		}
	}()
	u := it.upd
	switch {
	case u.Message != nil:
		return a.onMessage(ctx, u.ID, u.Message)
	case u.CallbackQuery != nil:
		return a.onCallback(ctx, u.ID, u.CallbackQuery)
	}
	return true
}

// onMessage handles a message.
func (a *Adapter) onMessage(ctx context.Context, id int64, msg *models.Message) bool {
	chat := msg.Chat.ID
	var from models.User
	if msg.From != nil {
		from = *msg.From
	}
	lang := langOf(from.LanguageCode)
	if msg.Chat.Type != models.ChatTypePrivate {
		return a.refuseGroup(ctx, chat, lang)
	}
	if from.ID == 0 {
		from.ID = chat // in a private chat the chat is the person
	}
	in := bot.Inbound{
		Channel:   bot.Telegram,
		UserID:    strconv.FormatInt(from.ID, 10),
		MessageID: messageID(id),
		Lang:      lang,
		Time:      time.Unix(int64(msg.Date), 0),
	}
	in.Address = strconv.FormatInt(chat, 10)
	if msg.Text != "" {
		in.Text, in.Source = command(msg.Text)
	} else {
		in.NonText = true       // a sticker, photo, voice, contact, location...: not read, not kept
		in.File = a.fileOf(msg) // a photo or document is passed on only during a handover
	}
	res, ok, err := a.handle(ctx, id, chat, in)
	if !ok {
		return false
	}
	if err != nil {
		return true
	}
	return a.deliver(ctx, chat, res.Replies) == nil
}

// onCallback handles a button tap.
func (a *Adapter) onCallback(ctx context.Context, id int64, cq *models.CallbackQuery) bool {
	lang := langOf(cq.From.LanguageCode)
	var chat int64
	var msgID int
	var msg *models.Message
	switch {
	case cq.Message.Message != nil:
		msg = cq.Message.Message
		chat, msgID = msg.Chat.ID, msg.ID
	case cq.Message.InaccessibleMessage != nil:
		chat, msgID = cq.Message.InaccessibleMessage.Chat.ID, cq.Message.InaccessibleMessage.MessageID
	default:
		chat = cq.From.ID
	}
	if msg != nil && msg.Chat.Type != models.ChatTypePrivate {
		a.answer(ctx, cq.ID, a.text("group", lang))
		a.m.handled.WithLabelValues("refused_group").Inc()
		return true
	}
	prompt, choice, valid := a.cb.decode(cq.Data)
	if !valid || cq.From.ID == 0 {
		a.answer(ctx, cq.ID, a.text("button_invalid", lang))
		a.m.handled.WithLabelValues("invalid_callback").Inc()
		return true
	}
	key := [2]int64{chat, int64(msgID)}
	a.mu.Lock()
	_, done := a.tapped[key]
	a.mu.Unlock()
	if done && msgID != 0 {
		a.answer(ctx, cq.ID, a.text("button_done", lang))
		a.m.handled.WithLabelValues("answered_callback").Inc()
		return true
	}
	in := bot.Inbound{
		Channel:   bot.Telegram,
		UserID:    strconv.FormatInt(cq.From.ID, 10),
		MessageID: messageID(id),
		Choice:    choice,
		Prompt:    prompt,
		Lang:      lang,
		Address:   strconv.FormatInt(chat, 10),
	}
	res, ok, err := a.handle(ctx, id, chat, in)
	if !ok {
		a.answer(ctx, cq.ID, "")
		return false
	}
	a.answer(ctx, cq.ID, "")
	if err != nil {
		return true
	}
	if msgID != 0 {
		a.markTapped(key)
		a.closeKeyboard(ctx, chat, msg, msgID, cq.Data, lang)
	}
	return a.deliver(ctx, chat, res.Replies) == nil
}

// handle passes in to the handler. ok is false when the update must not
// be confirmed (nothing was committed); err is set when it failed for good
// (the person has been told).
func (a *Adapter) handle(ctx context.Context, id, chat int64, in bot.Inbound) (res bot.Result, ok bool, err error) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.opts.RequestTimeout)
	res, err = a.h.Handle(hctx, in)
	cancel()
	if err == nil {
		if res.Duplicate {
			a.m.duplicates.Inc()
			a.m.handled.WithLabelValues("duplicate").Inc()
		} else {
			a.m.handled.WithLabelValues("ok").Inc()
			if res.Assigned > 0 {
				a.m.segments.WithLabelValues(strconv.Itoa(res.Assigned)).Inc()
			}
			if dialogue.KnownPhase(res.Phase) {
				a.m.phases.WithLabelValues(res.Phase).Inc()
			}
			if res.Intent != dialogue.IntentNone {
				a.m.intents.WithLabelValues(string(res.Intent)).Inc()
			}
		}
		return res, true, nil
	}
	err = a.scrub(err)
	if errors.Is(err, bot.ErrUnavailable) {
		a.m.handled.WithLabelValues("unavailable").Inc()
		a.log.Warn("message not committed; left for redelivery", "update", id, "err", err)
		a.apologise(ctx, id, chat, in.Lang)
		return res, false, err
	}
	// Not a store outage: trying again would fail again.
	a.m.handled.WithLabelValues("error").Inc()
	a.log.Error("handler failed", "update", id, "err", err)
	a.apologise(ctx, id, chat, in.Lang)
	return res, true, err
}

// apologise tells the person, once per update, that something went wrong.
func (a *Adapter) apologise(ctx context.Context, id, chat int64, lang string) {
	a.mu.Lock()
	told := a.apologised[id]
	a.apologised[id] = true
	a.mu.Unlock()
	if told {
		return
	}
	text := a.text("unavailable", lang)
	if a.opts.Unavailable != nil {
		text = a.opts.Unavailable(lang)
	}
	if err := a.sendText(ctx, chat, text); err != nil {
		a.log.Warn("could not send the unavailable text", "err", err)
	}
}

// refuseGroup tells a group, once, to talk in private; nothing of the
// message reaches the handler.
func (a *Adapter) refuseGroup(ctx context.Context, chat int64, lang string) bool {
	a.m.handled.WithLabelValues("refused_group").Inc()
	a.mu.Lock()
	told := a.told[chat]
	a.mu.Unlock()
	if told {
		return true
	}
	err := a.sendText(ctx, chat, a.text("group", lang))
	var perm *permanentError
	if err != nil && !errors.As(err, &perm) {
		return false
	}
	a.mu.Lock()
	a.told[chat] = true
	a.mu.Unlock()
	return true
}

// answer answers a callback query so its button stops spinning. It is
// tried a few times; a query answered late is refused by Telegram, which
// does no harm.
func (a *Adapter) answer(ctx context.Context, queryID, text string) {
	_ = a.do(ctx, 0, "answerCallbackQuery", false, 3, func(ctx context.Context) error {
		_, err := a.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: queryID, Text: text})
		return err
	})
}

// markTapped remembers that a message's buttons were answered.
func (a *Adapter) markTapped(key [2]int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.tapped) >= 100000 {
		cutoff := time.Now().Add(-time.Hour)
		for k, t := range a.tapped {
			if t.Before(cutoff) {
				delete(a.tapped, k)
			}
		}
		if len(a.tapped) >= 100000 {
			clear(a.tapped)
		}
	}
	a.tapped[key] = time.Now()
}

// closeKeyboard removes the buttons of an answered question, showing the
// choice under its text when the message is at hand.
func (a *Adapter) closeKeyboard(ctx context.Context, chat int64, msg *models.Message, msgID int, data, lang string) {
	label := ""
	if msg != nil && msg.ReplyMarkup != nil {
		for _, row := range msg.ReplyMarkup.InlineKeyboard {
			for _, b := range row {
				if b.CallbackData == data {
					label = b.Text
				}
			}
		}
	}
	if msg != nil && msg.Text != "" && label != "" {
		text := msg.Text + "\n\n" + a.text("chosen", lang, "label", label)
		if utf8.RuneCountInString(text) <= maxMessage {
			err := a.do(ctx, chat, "editMessageText", true, 3, func(ctx context.Context) error {
				_, err := a.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: msgID, Text: text, Entities: msg.Entities})
				return err
			})
			if err == nil {
				return
			}
		}
	}
	// Edits share the chat's limit with sends (tdlib/td#2592).
	_ = a.do(ctx, chat, "editMessageReplyMarkup", true, 3, func(ctx context.Context) error {
		_, err := a.api.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: chat, MessageID: msgID,
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}})
		return err
	})
}

// messageID is the Inbound.MessageID of an update: a redelivered update
// keeps its id.
func messageID(update int64) string { return "tg:" + strconv.FormatInt(update, 10) }

// langOf maps Telegram's language_code to the engine's hint: "en" for
// English, "nl" for anything else, "" when unknown.
func langOf(code string) string {
	code = strings.ToLower(code)
	switch {
	case code == "":
		return ""
	case strings.HasPrefix(code, "en"):
		return "en"
	}
	return "nl"
}

// command returns text with a command's "@botname" removed, and the
// parameter of "/start PARAM" (a deep link), raw.
func command(text string) (norm, source string) {
	if !strings.HasPrefix(text, "/") {
		return text, ""
	}
	word, rest, hasRest := strings.Cut(text, " ")
	if at := strings.IndexByte(word, '@'); at > 0 {
		word = word[:at]
	}
	norm = word
	if hasRest {
		norm += " " + rest
	}
	if strings.EqualFold(word, "/start") {
		source = strings.TrimSpace(rest)
	}
	return norm, source
}
