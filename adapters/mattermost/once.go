package mattermost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// The adapter delivers each outbox envelope exactly once (a follow-up, a
// relayed reply): bot.Drain uses DeliverOnce when a courier has it.
var _ bot.OnceCourier = (*Adapter)(nil)

// errNotRunning is returned while the adapter is not logged in.
var errNotRunning = errors.New("mattermost: not running")

// DeliverOnce posts replies into the conversation at address (see
// address; a bare user id means the direct message channel with that
// user), each post carrying the envelope's ID (propEnvelope). Before
// posting it reads the channel's posts since the envelope was made and
// skips the replies already there, so that a drainer that crashed between
// posting and recording the delivery does not post them twice: exactly
// once. It returns an error wrapping bot.ErrUndeliverable when the user or
// channel is gone or the bot is no longer in it (never retried), and
// another error when the server could not be reached (tried again later).
func (a *Adapter) DeliverOnce(ctx context.Context, e bot.Envelope, addr string, replies []dialogue.Reply) error {
	me := a.botUser()
	if me == nil {
		return errNotRunning
	}
	var j job
	if parts := strings.Split(addr, "|"); len(parts) == 3 {
		if !model.IsValidId(parts[0]) || !model.IsValidId(parts[2]) || (parts[1] != "" && !model.IsValidId(parts[1])) {
			return bot.Undeliverable("bad_address")
		}
		j = job{channel: parts[0], root: parts[1], user: parts[2]}
	} else {
		if !model.IsValidId(addr) {
			return bot.Undeliverable("bad_address")
		}
		dm, resp, err := a.client.CreateDirectChannel(ctx, me.Id, addr)
		if err != nil {
			if resp != nil && resp.StatusCode == http.StatusBadRequest {
				return bot.Undeliverable("gone") // the user no longer exists
			}
			return gone(resp, fmt.Errorf("direct channel: %w", err))
		}
		j = job{channel: dm.Id, user: addr}
	}
	done := map[int]bool{}
	if e.ID != "" {
		list, resp, err := a.client.GetPostsSince(ctx, j.channel, e.Created.UnixMilli()-1, false)
		if err != nil {
			return gone(resp, fmt.Errorf("read channel: %w", err))
		}
		for _, p := range list.Posts {
			if p.UserId != me.Id {
				continue
			}
			if id, _ := p.GetProp(propEnvelope).(string); id == e.ID {
				var i, n int
				if part, _ := p.GetProp(propPart).(string); part != "" {
					if _, err := fmt.Sscanf(part, "%d/%d", &i, &n); err == nil && i >= 1 {
						done[i-1] = true
					}
				}
			}
		}
	}
	// A numbered answer ("1") to the last question is understood.
	a.remember(convKey(j.channel, j.user), replies)
	for i, r := range replies {
		if done[i] {
			continue
		}
		for _, post := range a.posts(j, r) {
			if e.ID != "" {
				post.AddProp(propEnvelope, e.ID)
				post.AddProp(propPart, fmt.Sprintf("%d/%d", i+1, len(replies)))
			}
			if err := a.send(ctx, post); err != nil {
				var ae *model.AppError
				if errors.As(err, &ae) {
					return gone(&model.Response{StatusCode: ae.StatusCode}, err)
				}
				return err
			}
		}
	}
	return nil
}

// gone turns a 403 or 404 into an undeliverable error: the channel is
// gone or the bot was removed from it.
func gone(resp *model.Response, err error) error {
	if resp != nil && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound) {
		return bot.Undeliverable("blocked")
	}
	return err
}
