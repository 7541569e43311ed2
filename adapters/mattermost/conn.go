package mattermost

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"
)

// Channel types as Mattermost names them.
const (
	typeDirect = string(model.ChannelTypeDirect)
)

// session holds one websocket connection until it drops or ctx is done.
// It reports whether the connection got as far as the server's hello.
//
// The client's EventChannel, ResponseChannel and PingTimeoutChannel are
// drained for as long as the connection lives: the client blocks (and
// stops answering pings) when one of them fills up.
func (a *Adapter) session(ctx context.Context, first bool) (connected bool, err error) {
	dialer := &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: 15 * time.Second,
		NetDialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: 15 * time.Second}
			return d.DialContext(ctx, network, addr)
		},
	}
	ws, err := model.NewWebSocketClient4WithDialer(dialer, a.wsURL, a.token)
	if err != nil {
		return false, fmt.Errorf("connect websocket: %w", err)
	}
	ws.Listen()
	events, responses := ws.EventChannel, ws.ResponseChannel
	defer func() {
		a.ready.Store(false)
		a.m.connected.Set(0)
		ws.Close()
		// Drain until the client's reader has stopped: it closes
		// EventChannel on its way out.
		for events != nil || responses != nil {
			select {
			case _, ok := <-events:
				if !ok {
					events = nil
				}
			case _, ok := <-responses:
				if !ok {
					responses = nil
				}
			case <-ws.PingTimeoutChannel:
			}
		}
		select {
		case <-ws.PingTimeoutChannel:
		default:
		}
	}()

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Posts wait until the catch-up is queued, also those pushed before
	// the hello (a server may push them first): otherwise a post pushed
	// at once after a reconnect would overtake the ones it missed.
	var (
		caught  chan []job // delivers the catch-up result once
		holding = true
		held    []job
	)
	for {
		select {
		case <-ctx.Done():
			return connected, nil
		case <-ws.PingTimeoutChannel:
			return connected, errors.New("websocket ping timeout")
		case r, ok := <-responses:
			if !ok {
				responses = nil
				continue
			}
			if r.Status == model.StatusFail {
				return connected, fmt.Errorf("websocket request %d failed", r.SeqReply)
			}
		case jobs := <-caught:
			caught, holding = nil, false
			for _, j := range append(jobs, held...) {
				a.enqueue(j)
			}
			held = nil
			a.ready.Store(true)
		case ev, ok := <-events:
			if !ok {
				if ws.ListenError != nil {
					return connected, fmt.Errorf("websocket closed: %w", ws.ListenError)
				}
				return connected, errors.New("websocket closed")
			}
			switch ev.EventType() {
			case model.WebsocketEventHello:
				if connected {
					continue
				}
				connected = true
				a.m.connected.Set(1)
				caught = make(chan []job, 1)
				go func(first bool) {
					jobs := a.catchUp(sctx, first)
					caught <- jobs
				}(first)
			case model.WebsocketEventPosted:
				j, ok := a.fromEvent(sctx, ev)
				if !ok {
					continue
				}
				if holding {
					held = append(held, j)
				} else {
					a.enqueue(j)
				}
			}
		}
	}
}

// fromEvent turns a posted event into a job, if the post is for the bot.
// The post arrives as a JSON string inside the event's data.
func (a *Adapter) fromEvent(ctx context.Context, ev *model.WebSocketEvent) (job, bool) {
	data := ev.GetData()
	raw, _ := data["post"].(string)
	var p model.Post
	if err := json.Unmarshal([]byte(raw), &p); err != nil || p.Id == "" {
		a.log.Warn("undecodable posted event")
		return job{}, false
	}
	chType, _ := data["channel_type"].(string)
	mentioned := false
	if s, _ := data["mentions"].(string); s != "" {
		var ids []string
		if json.Unmarshal([]byte(s), &ids) == nil {
			mentioned = slices.Contains(ids, a.botUser().Id)
		}
	}
	if chType == "" {
		chType = a.channelType(ctx, p.ChannelId)
	} else {
		a.mu.Lock()
		a.chans[p.ChannelId] = chType
		a.mu.Unlock()
	}
	return a.fromPost(&p, chType, mentioned)
}

// fromPost decides whether p is addressed to the bot and turns it into a
// job: every post in a direct message, and in other channels only posts
// that mention the bot.
func (a *Adapter) fromPost(p *model.Post, chType string, mentioned bool) (job, bool) {
	me := a.botUser()
	a.mu.Lock()
	if p.CreateAt > a.last[p.ChannelId] {
		a.last[p.ChannelId] = p.CreateAt
	}
	a.mu.Unlock()
	if p.UserId == me.Id || p.UserId == "" || p.Type != "" || p.DeleteAt != 0 {
		return job{}, false
	}
	if v, _ := p.GetProp("from_bot").(string); v == "true" {
		return job{}, false
	}
	if v, _ := p.GetProp("from_webhook").(string); v == "true" {
		return job{}, false
	}
	text := p.Message
	if p.RootId != "" && a.isDeskChannel(p.ChannelId) && !mentioned && !mentionRE(me.Username).MatchString(text) {
		return deskJob(p), true
	}
	j := job{channel: p.ChannelId, user: p.UserId, messageID: p.Id, created: p.CreateAt}
	switch chType {
	case typeDirect:
		j.root = p.RootId
	case "":
		return job{}, false
	default:
		re := mentionRE(me.Username)
		if !mentioned && !re.MatchString(text) {
			return job{}, false
		}
		text = strings.TrimSpace(re.ReplaceAllString(text, " "))
		j.root = p.RootId
		if j.root == "" {
			j.root = p.Id
		}
	}
	j.text = text
	j.file = a.inboundFile(p)
	if j.file != nil && j.file.Name == "" {
		j.fileID = p.FileIds[0] // metadata looked up when the job runs
	}
	return j, true
}

func mentionRE(username string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)@` + regexp.QuoteMeta(username) + `\b`)
}

// channelType returns the type of a channel ("D", "O", ...), asking the
// server once per channel; "" when it cannot be found.
func (a *Adapter) channelType(ctx context.Context, id string) string {
	a.mu.Lock()
	t, ok := a.chans[id]
	a.mu.Unlock()
	if ok {
		return t
	}
	ch, _, err := a.client.GetChannel(ctx, id)
	if err != nil {
		a.log.Warn("cannot look up channel", "err", err)
		return ""
	}
	a.mu.Lock()
	a.chans[id] = string(ch.Type)
	a.mu.Unlock()
	return string(ch.Type)
}

// catchUp fetches the posts the bot missed while it was not connected:
// per channel it is in, the posts since the newest one seen there, or,
// for a channel not seen yet, since CatchUp before the adapter started.
// A post from before the start counts as missed only when no reply of
// the bot follows it. It returns the jobs in the order the posts were
// written; the caller queues them before anything newer.
func (a *Adapter) catchUp(ctx context.Context, first bool) []job {
	start := time.Now()
	me := a.botUser()
	a.mu.Lock()
	started := a.started
	known := make(map[string]int64, len(a.last))
	for id, t := range a.last {
		known[id] = t
	}
	types := make(map[string]string, len(a.chans))
	for id, t := range a.chans {
		types[id] = t
	}
	a.mu.Unlock()

	floor := int64(0)
	if a.opts.CatchUp > 0 {
		floor = started.Add(-a.opts.CatchUp).UnixMilli()
	}
	type target struct {
		id, typ string
		since   int64
	}
	var targets []target
	add := func(id, typ string, lastPost int64) {
		since, ok := known[id]
		switch {
		case ok:
			since -= 1000 // posts within the same second may arrive out of order
		case a.isDeskChannel(id):
			// Workers' replies to cards: looked for further back; the
			// DeskHandler ignores those it has applied.
			since = started.Add(-max(a.opts.DeskCatchUp, a.opts.CatchUp)).UnixMilli()
		case floor > 0:
			since = floor
		default:
			return
		}
		if lastPost > 0 && lastPost < since {
			return
		}
		targets = append(targets, target{id, typ, since})
	}
	chans, _, err := a.client.GetChannelsForUserWithLastDeleteAt(ctx, me.Id, 0)
	if err != nil {
		a.log.Warn("cannot list channels; catching up on channels seen only", "err", err)
		for id := range known {
			add(id, types[id], 0)
		}
	} else {
		for _, ch := range chans {
			a.mu.Lock()
			a.chans[ch.Id] = string(ch.Type)
			a.mu.Unlock()
			add(ch.Id, string(ch.Type), ch.LastPostAt)
		}
	}

	var jobs []job
	for _, t := range targets {
		if ctx.Err() != nil {
			return nil
		}
		var list *model.PostList
		for attempt := 0; ; attempt++ {
			list, _, err = a.client.GetPostsSince(ctx, t.id, t.since, false)
			if err == nil || attempt >= 2 || !sleep(ctx, a.backoff(attempt)) {
				break
			}
		}
		if err != nil {
			a.log.Warn("cannot fetch missed posts", "err", err)
			continue
		}
		posts := make([]*model.Post, 0, len(list.Posts))
		for _, p := range list.Posts {
			if p != nil && p.ChannelId == t.id {
				posts = append(posts, p)
			}
		}
		slices.SortFunc(posts, func(x, y *model.Post) int {
			return cmp.Or(cmp.Compare(x.CreateAt, y.CreateAt), strings.Compare(x.Id, y.Id))
		})
		delivered := deliveredParts(posts, me.Id)
		for _, p := range posts {
			if p.CreateAt < t.since {
				continue // edited or reacted to later; written before the window
			}
			j, ok := a.fromPost(p, t.typ, false)
			if !ok || a.isClaimed(p.Id) || (j.desk && receipted(p, me.Id)) {
				continue // handled before (a worker's post carries the bot's receipt)
			}
			d := delivered[p.Id]
			if d.complete() {
				continue // answered, by an earlier run or before a reconnect
			}
			j.delivered = d.parts
			jobs = append(jobs, j)
		}
	}
	a.m.catchUp.Observe(time.Since(start).Seconds())
	if len(jobs) > 0 {
		a.log.Info("caught up on missed posts", "posts", len(jobs), "first", first)
	}
	return jobs
}

// Props the adapter puts on its replies, so that a later run can tell
// which messages were answered, and how far.
const (
	propReplyTo = "proactief_reply_to" // the post id answered
	propPart    = "proactief_part"     // "i/n": reply i of n
)

// delivery is what a message got of its replies.
type delivery struct {
	parts map[int]bool // reply indexes (from 0) posted
	total int
}

func (d delivery) complete() bool { return d.total > 0 && len(d.parts) >= d.total }

// deliveredParts reads the reply props of the bot's posts.
func deliveredParts(posts []*model.Post, botID string) map[string]delivery {
	out := map[string]delivery{}
	for _, p := range posts {
		if p.UserId != botID {
			continue
		}
		ref, _ := p.GetProp(propReplyTo).(string)
		part, _ := p.GetProp(propPart).(string)
		var i, n int
		if ref == "" || part == "" {
			continue
		}
		if _, err := fmt.Sscanf(part, "%d/%d", &i, &n); err != nil || i < 1 || i > n {
			continue
		}
		d := out[ref]
		if d.parts == nil {
			d.parts = map[int]bool{}
		}
		d.parts[i-1], d.total = true, n
		out[ref] = d
	}
	return out
}
