package mattermost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/bot"
)

// cardText renders a card for staff, in Dutch (the staff's language): a
// title with the handover number (and TEST for a staff member's own
// test), the channel, the signals, the plain summary, the offer chosen,
// the answers and how to take it. It holds only what the person chose to
// share: a Card has no user id or name to show.
func (a *Adapter) cardText(c bot.Card) string {
	t := func(k string) string { return a.text.get("nl", k) }
	var b strings.Builder
	title := t("desk_card_title")
	if c.Kind == bot.KindCallbackCard {
		title = t("desk_callback_title")
	}
	fmt.Fprintf(&b, "#### %s", strings.ReplaceAll(title, "{number}", escape(c.Number)))
	if c.Test {
		fmt.Fprintf(&b, " · %s", t("desk_test"))
	}
	b.WriteString("\n")
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "**%s:** %s\n", label, value)
		}
	}
	line(t("desk_channel"), channelName(c.Channel))
	if len(c.Flags) > 0 {
		flags := make([]string, len(c.Flags))
		for i, f := range c.Flags {
			flags[i] = escape(f)
		}
		line(t("desk_flags"), "**"+strings.Join(flags, ", ")+"**")
	}
	line(t("desk_summary"), escape(c.Summary))
	line(t("desk_offer"), escape(c.Offer))
	line(t("desk_phone"), escape(c.Phone))
	if c.Note != "" {
		fmt.Fprintf(&b, "_%s_\n", escape(c.Note))
	}
	if len(c.Answers) > 0 {
		fmt.Fprintf(&b, "**%s:**\n", t("desk_answers"))
		for _, an := range c.Answers {
			fmt.Fprintf(&b, "- %s — %s\n", escape(an.Statement), escape(an.Answer))
		}
	}
	howto := t("desk_howto")
	if c.Kind == bot.KindCallbackCard {
		howto = t("desk_callback_howto")
	}
	b.WriteString("\n" + howto)
	return b.String()
}

// channelName is a channel's name as staff know it.
func channelName(ch string) string {
	switch ch {
	case bot.Telegram:
		return "Telegram"
	case bot.Mattermost:
		return "Mattermost"
	case bot.Terminal:
		return "Terminal"
	}
	return escape(ch)
}

// escape disarms Markdown and mentions in text that is not ours (the
// citizen's words, a phone number): every Markdown punctuation mark gets a
// backslash, and an @ a zero-width space after it, so that "@channel" or
// an image link shows as typed and notifies or loads nothing.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '@':
			b.WriteString("@\u200b")
		case strings.ContainsRune("\\`*_[]()#!|<>~", r):
			b.WriteRune('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// quote renders the citizen's words as a block quote.
func quote(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "> " + escape(l)
	}
	return strings.Join(lines, "\n")
}

// Desk actions (button presses on a card) and their context keys.
const (
	ctxDesk = "desk" // the action: actTake, actClose, actDone
	ctxCard = "card" // the card's envelope ID

	actTake  = "take"
	actClose = "close"
	actDone  = "done"
)

// Card statuses shown on a card after a button press.
const (
	statusTaken  = "taken"
	statusClosed = "closed"
	statusDone   = "done"
)

// deskSign signs a card button. Unlike the chat buttons (random key per
// run), a card lives for days and must work after a restart and on
// another instance: the key is derived from the bot token, which every
// instance has and nobody outside has.
func (a *Adapter) deskSign(action, card string) string {
	k := sha256.Sum256([]byte("proactief desk actions\x00" + a.token))
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte(action + "\x00" + card))
	return hex.EncodeToString(m.Sum(nil))
}

// attachDeskButtons puts the card's buttons on post for its status: a new
// handover card can be taken or closed, a taken one closed; a callback
// card marked done. A status line says who did what.
func (a *Adapter) attachDeskButtons(post *model.Post, card, kind, status, worker string) {
	t := func(k string) string { return a.text.get("nl", k) }
	var acts []string
	switch {
	case kind == bot.KindCallbackCard && status == "":
		acts = []string{actDone}
	case kind != bot.KindCallbackCard && status == "":
		acts = []string{actTake, actClose}
	case kind != bot.KindCallbackCard && status == statusTaken:
		acts = []string{actClose}
	}
	att := &model.MessageAttachment{}
	if status != "" {
		att.Text = strings.ReplaceAll(t("desk_status_"+status), "{worker}", escape(cmpOr(worker, t("desk_someone"))))
		post.AddProp(propStatus, status)
	}
	var labels []string
	for _, act := range acts {
		labels = append(labels, t("desk_button_"+act))
		att.Actions = append(att.Actions, &model.PostAction{
			Id: "desk" + act, Type: model.PostActionTypeButton, Name: t("desk_button_" + act),
			Style: map[string]string{actTake: "primary", actClose: "default", actDone: "primary"}[act],
			Integration: &model.PostActionIntegration{
				URL:     a.opts.ActionsURL,
				Context: map[string]any{ctxDesk: act, ctxCard: card, ctxMAC: a.deskSign(act, card)},
			},
		})
	}
	att.Fallback = strings.Join(append([]string{att.Text}, labels...), " / ")
	post.AddProp(model.PostPropsAttachments, []*model.MessageAttachment{att})
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
