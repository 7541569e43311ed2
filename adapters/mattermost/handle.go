package mattermost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// job is one message for the handler: a post or a button press.
type job struct {
	channel, root, user string
	text                string
	choice, prompt      string // a button press
	messageID           string
	created             int64        // unix ms
	delivered           map[int]bool // replies already posted by an earlier run
	button              bool         // a press: a repeated press gets no replies
	file                *bot.InboundFile
	fileID              string // a file whose metadata the post did not carry
	desk                bool   // a worker's reply in a card's thread
	worker              string // the worker's user id (desk jobs)
}

// queue holds the jobs of one conversation; one worker at a time runs
// them, in order.
type queue struct {
	jobs    []job
	running bool
}

func convKey(channel, user string) string { return channel + "\x00" + user }

// enqueue claims the job's message and queues it behind the other jobs of
// its conversation. A message claimed before is dropped, so that a post
// that comes both pushed and fetched is handled once.
func (a *Adapter) enqueue(j job) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.runCtx == nil || a.stopping {
		return
	}
	if j.messageID != "" {
		if _, ok := a.claimed[j.messageID]; ok {
			return
		}
		a.claimLocked(j.messageID)
	}
	k := convKey(j.channel, j.user)
	if j.desk {
		k = "desk\x00" + j.root
	}
	q := a.queues[k]
	if q == nil {
		q = &queue{}
		a.queues[k] = q
	}
	q.jobs = append(q.jobs, j)
	if !q.running {
		q.running = true
		a.workers.Add(1)
		go a.work(a.runCtx, k, q)
	}
}

// maxClaimed bounds the remembered message ids; older ones are forgotten
// first (the store's Seen list still recognises recent redeliveries).
const maxClaimed = 20000

func (a *Adapter) claimLocked(id string) {
	a.claimSeq++
	a.claimed[id] = a.claimSeq
	if len(a.claimed) > maxClaimed {
		cut := a.claimSeq - maxClaimed/2
		for k, v := range a.claimed {
			if v < cut {
				delete(a.claimed, k)
			}
		}
	}
}

func (a *Adapter) isClaimed(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.claimed[id]
	return ok
}

// release forgets a claim, so that a later catch-up tries the message
// again.
func (a *Adapter) release(id string) {
	a.mu.Lock()
	delete(a.claimed, id)
	a.mu.Unlock()
}

func (a *Adapter) work(ctx context.Context, k string, q *queue) {
	defer a.workers.Done()
	for {
		a.mu.Lock()
		if len(q.jobs) == 0 || ctx.Err() != nil {
			for _, j := range q.jobs {
				delete(a.claimed, j.messageID)
			}
			q.jobs, q.running = nil, false
			delete(a.queues, k)
			a.mu.Unlock()
			return
		}
		j := q.jobs[0]
		q.jobs = q.jobs[1:]
		a.mu.Unlock()
		a.process(ctx, j)
	}
}

// process runs one job through the handler and sends the replies.
func (a *Adapter) process(ctx context.Context, j job) {
	if j.desk {
		a.processDesk(ctx, j)
		return
	}
	k := convKey(j.channel, j.user)
	if !a.allowed(ctx, j.user) {
		a.m.messages.WithLabelValues("refused").Inc()
		if a.shouldRefuse(j.user) {
			a.deliver(ctx, j, []dialogue.Reply{{Text: a.text.get("nl", "refuse")}}, j.messageID)
		}
		return
	}
	if j.fileID != "" {
		if fi, _, err := a.client.GetFileInfo(ctx, j.fileID); err == nil {
			j.file.Name, j.file.MIME, j.file.Size = fi.Name, fi.MimeType, int(fi.Size)
		}
	}
	in := bot.Inbound{
		Channel: bot.Mattermost, UserID: j.user, MessageID: j.messageID,
		Text: j.text, Choice: j.choice, Prompt: j.prompt, Lang: "nl", Staff: true,
		Address: address(j), File: j.file, NonText: j.file != nil && strings.TrimSpace(j.text) == "",
	}
	if j.created > 0 {
		in.Time = time.UnixMilli(j.created)
	}
	if in.Choice == "" {
		in = a.numbered(k, in)
	}
	t0 := time.Now()
	res, err := a.h.Handle(ctx, in)
	a.m.handle.Observe(time.Since(t0).Seconds())
	if err != nil {
		a.release(j.messageID)
		if ctx.Err() != nil {
			return
		}
		a.m.messages.WithLabelValues("unavailable").Inc()
		a.log.Error("handler failed; message left unanswered for a retry", "err", err, "unavailable", errors.Is(err, bot.ErrUnavailable))
		a.deliver(ctx, j, []dialogue.Reply{a.unavailable(in.Lang)}, "")
		return
	}
	if res.Duplicate {
		a.m.messages.WithLabelValues("duplicate").Inc()
		if j.button {
			return
		}
	} else {
		a.m.messages.WithLabelValues("handled").Inc()
		if res.Intent != dialogue.IntentNone {
			a.m.intents.WithLabelValues(string(res.Intent)).Inc()
		}
		j.delivered = nil // new replies: none of them was posted
	}
	a.remember(k, res.Replies)
	a.deliver(ctx, j, res.Replies, j.messageID)
}

// unavailable is the reply when the handler failed: the handler's own
// words when it has them.
func (a *Adapter) unavailable(lang string) dialogue.Reply {
	if u, ok := a.h.(interface {
		Unavailable(lang string) dialogue.Reply
	}); ok {
		return u.Unavailable(lang)
	}
	return dialogue.Reply{Text: a.text.get(lang, "unavailable")}
}

// shouldRefuse limits refusals to one per person per ten minutes.
func (a *Adapter) shouldRefuse(user string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.opts.Now()
	if t, ok := a.refused[user]; ok && now.Sub(t) < 10*time.Minute {
		return false
	}
	if len(a.refused) > 10000 {
		clear(a.refused)
	}
	a.refused[user] = now
	return true
}

// allowed reports whether user may talk to the bot: on the allow-list or
// a member of the allowed team. Team membership is remembered for five
// minutes; a failed lookup denies.
func (a *Adapter) allowed(ctx context.Context, user string) bool {
	if a.allow[user] {
		return true
	}
	if a.opts.AllowTeam == "" {
		return false
	}
	a.mu.Lock()
	m, ok := a.members[user]
	a.mu.Unlock()
	if ok && a.opts.Now().Sub(m.at) < 5*time.Minute {
		return m.allowed
	}
	tm, resp, err := a.client.GetTeamMember(ctx, a.opts.AllowTeam, user, "")
	member := err == nil && tm != nil && tm.DeleteAt == 0
	if err != nil && (resp == nil || resp.StatusCode >= 500) {
		a.log.Warn("cannot check team membership", "err", err)
		return false // not remembered: try again next time
	}
	a.mu.Lock()
	if len(a.members) > 10000 {
		clear(a.members)
	}
	a.members[user] = membership{allowed: member, at: a.opts.Now()}
	a.mu.Unlock()
	return member
}

// numbered maps a typed answer to the last question's choices: its number
// (when choices are printed as numbered lines) or its label.
func (a *Adapter) numbered(k string, in bot.Inbound) bot.Inbound {
	a.mu.Lock()
	p, ok := a.choices[k]
	a.mu.Unlock()
	if !ok || len(p.choices) == 0 {
		return in
	}
	s := strings.TrimSpace(in.Text)
	if a.opts.ActionsURL == "" {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, ".")); err == nil && n >= 1 && n <= len(p.choices) {
			// Text stays: a typed number is typed text, not a button press.
			in.Choice, in.Prompt = p.choices[n-1].ID, p.prompt
			return in
		}
	}
	for _, c := range p.choices {
		if s != "" && strings.EqualFold(s, c.Label) {
			in.Choice, in.Prompt = c.ID, p.prompt
			return in
		}
	}
	return in
}

// remember keeps the last question with choices of a conversation; a
// reply without choices leaves the earlier question in place only when
// no other question was asked.
func (a *Adapter) remember(k string, replies []dialogue.Reply) {
	for i := len(replies) - 1; i >= 0; i-- {
		if len(replies[i].Choices) > 0 {
			a.mu.Lock()
			if len(a.choices) > 50000 {
				clear(a.choices)
			}
			a.choices[k] = pending{prompt: replies[i].Prompt, choices: replies[i].Choices}
			a.mu.Unlock()
			return
		}
	}
}

// deliver sends replies in order into the job's channel (and thread),
// skipping those in j.delivered. ref names the message answered: the
// posts carry it (see propReplyTo), and it makes a resend idempotent.
func (a *Adapter) deliver(ctx context.Context, j job, replies []dialogue.Reply, ref string) {
	for i, r := range replies {
		if j.delivered[i] {
			continue
		}
		for n, post := range a.posts(j, r) {
			if ref != "" {
				post.PendingPostId = fmt.Sprintf("%s:%s-%d-%d", a.botUser().Id, ref, i, n)
				post.AddProp(propReplyTo, ref)
				post.AddProp(propPart, fmt.Sprintf("%d/%d", i+1, len(replies)))
			}
			if err := a.send(ctx, post); err != nil {
				if ctx.Err() == nil {
					a.log.Error("reply not delivered", "err", err)
				}
				return
			}
		}
	}
}

// maxRunes is what fits in one post (the server allows 16383).
const maxRunes = 16000

// posts renders one reply as one or more posts: long text is split at
// line ends; choices go with the last part, as buttons or numbered lines.
func (a *Adapter) posts(j job, r dialogue.Reply) []*model.Post {
	text := r.Text
	if r.Document != nil {
		text += "\n\n" + document(r.Document)
	}
	if len(r.Choices) > 0 && a.opts.ActionsURL == "" {
		var b strings.Builder
		for i, c := range r.Choices {
			// A label that already starts with its number ("1 Helemaal
			// oneens") is not numbered twice.
			fmt.Fprintf(&b, "\n%d. %s", i+1, strings.TrimPrefix(c.Label, strconv.Itoa(i+1)+" "))
		}
		text = strings.TrimRight(text, "\n") + "\n" + b.String()
	}
	parts := split(text, maxRunes)
	out := make([]*model.Post, len(parts))
	for i, p := range parts {
		out[i] = &model.Post{ChannelId: j.channel, RootId: j.root, Message: p}
	}
	if len(r.Choices) > 0 && a.opts.ActionsURL != "" {
		a.attachButtons(out[len(out)-1], j, r)
	}
	return out
}

func document(d *dialogue.Document) string {
	if utf8.Valid(d.Data) && len(d.Data) < maxRunes-200 {
		return fmt.Sprintf("%s:\n```\n%s\n```", d.Name, strings.TrimRight(string(d.Data), "\n"))
	}
	return fmt.Sprintf("(%s: %d bytes, too large to show here)", d.Name, len(d.Data))
}

// split cuts s into parts of at most n runes, at line ends where possible.
func split(s string, n int) []string {
	var parts []string
	for utf8.RuneCountInString(s) > n {
		cut := 0
		for i := range s {
			if utf8.RuneCountInString(s[:i]) > n {
				break
			}
			cut = i
		}
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl > 0 {
			cut = nl
		}
		parts = append(parts, s[:cut])
		s = strings.TrimLeft(s[cut:], "\n")
	}
	return append(parts, s)
}

// send creates a post, retrying with backoff: server errors, rate limits
// and network failures are retried, other client errors are not.
func (a *Adapter) send(ctx context.Context, post *model.Post) error {
	var err error
	for attempt := 0; attempt < a.opts.SendAttempts; attempt++ {
		if attempt > 0 {
			a.m.sends.WithLabelValues("retry").Inc()
			if !sleep(ctx, a.backoff(attempt-1)) {
				return ctx.Err()
			}
		}
		var resp *model.Response
		_, resp, err = a.client.CreatePost(ctx, post)
		if err == nil {
			a.m.sends.WithLabelValues("ok").Inc()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if resp != nil && resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout {
			break
		}
	}
	a.m.sends.WithLabelValues("failed").Inc()
	return fmt.Errorf("create post: %w", err)
}
