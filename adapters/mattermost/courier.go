package mattermost

import (
	"context"
	"fmt"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

var _ bot.Courier = (*Adapter)(nil)

// address is where a conversation's later messages go (bot.Inbound.Address;
// the bot keeps it sealed, and only during a handover): the channel, the
// thread ("" in a direct message) and the person, whose id signs buttons.
func address(j job) string { return j.channel + "|" + j.root + "|" + j.user }

// Deliver posts replies that nobody asked for yet (a worker's words relayed
// to a staff member testing the bot, the rating question after a
// handover) into the conversation at address, in order. It is at least
// once: the outbox gives no ID to tell a repeat, so after a crash between
// the post and the outbox's record the person may see a message twice.
func (a *Adapter) Deliver(ctx context.Context, addr string, replies []dialogue.Reply) error {
	parts := strings.Split(addr, "|")
	if len(parts) != 3 || !model.IsValidId(parts[0]) || !model.IsValidId(parts[2]) || (parts[1] != "" && !model.IsValidId(parts[1])) {
		return bot.Undeliverable("bad_address")
	}
	j := job{channel: parts[0], root: parts[1], user: parts[2]}
	a.remember(convKey(j.channel, j.user), replies)
	for _, r := range replies {
		for _, p := range a.posts(j, r) {
			if err := a.send(ctx, p); err != nil {
				return fmt.Errorf("relay to Mattermost: %w", err)
			}
		}
	}
	return nil
}

// inboundFile describes the first file of a post for the handler, which
// fetches its bytes only when it goes to a worker.
func (a *Adapter) inboundFile(p *model.Post) *bot.InboundFile {
	if len(p.FileIds) == 0 {
		return nil
	}
	id := p.FileIds[0]
	f := &bot.InboundFile{Fetch: func(ctx context.Context) ([]byte, error) {
		data, _, err := a.client.GetFile(ctx, id)
		return data, err
	}}
	if p.Metadata != nil {
		for _, fi := range p.Metadata.Files {
			if fi != nil && fi.Id == id {
				f.Name, f.MIME, f.Size = fi.Name, fi.MimeType, int(fi.Size)
			}
		}
	}
	return f
}
