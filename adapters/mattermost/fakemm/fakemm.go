// Package fakemm is a fake Mattermost server on httptest, enough for the
// real Mattermost client (model.Client4 and model.WebSocketClient) to run
// a bot against: users, bot tokens, teams and their channels (looked up by
// name), direct channels, posts with threads (root_id) and props, posts
// since a time, a post's thread, post deletion (a root takes its thread
// with it, as on the real server), file upload and posts with file_ids,
// interactive buttons (Press, with the integration's update applied),
// team membership and the websocket with its authentication challenge,
// hello, posted, post_edited and post_deleted events and pings. Faults can
// be switched on: dropped and refused websockets, slow API calls, 500
// errors, and a post that is stored but whose answer is lost.
//
// Everything is in memory; a Server is for one test.
package fakemm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"
)

// Options configure a Server. The zero value works.
type Options struct {
	// PingInterval is how often the websocket sends a ping; 0 means
	// never (the real server pings about every 30 seconds).
	PingInterval time.Duration
	// PendingPostTTL is how long a pending_post_id is remembered; 0
	// means the real server's 30 seconds, negative means not at all (a
	// test of what happens after the window).
	PendingPostTTL time.Duration
}

// Server is a fake Mattermost server.
type Server struct {
	// URL is the server's base address, like http://127.0.0.1:1234.
	URL string

	srv  *httptest.Server
	opts Options

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	users    map[string]*model.User
	tokens   map[string]string // token -> user id
	teams    map[string]map[string]bool
	channels map[string]*model.Channel
	members  map[string]map[string]bool // channel -> users
	posts    []*model.Post
	pending  map[string]*model.Post
	lastAt   int64
	conns    map[*conn]bool
	seq      int64
	holdWS   bool
	delay    time.Duration
	faults   []fault
	requests map[string]int    // "METHOD /path pattern" -> count
	teamName map[string]string // team name -> id
	files    map[string]*file
	reacts   map[string][]*model.Reaction // post id -> reactions
	lose     int                          // answers of POST /posts to lose after storing the post
}

// file is an uploaded file.
type file struct {
	info *model.FileInfo
	data []byte
}

type fault struct {
	method, prefix string
	n              int
}

type conn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	user string
	seq  int64
}

func (c *conn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// New starts a fake server; it is closed when the test ends.
func New(tb testing.TB, opts Options) *Server {
	s := &Server{
		opts: opts, changed: make(chan struct{}),
		users: map[string]*model.User{}, tokens: map[string]string{},
		teams: map[string]map[string]bool{}, channels: map[string]*model.Channel{},
		members: map[string]map[string]bool{}, pending: map[string]*model.Post{},
		conns: map[*conn]bool{}, requests: map[string]int{},
		teamName: map[string]string{}, files: map[string]*file{}, reacts: map[string][]*model.Reaction{},
	}
	mux := http.NewServeMux()
	api := func(pattern string, h func(w http.ResponseWriter, r *http.Request, user string)) {
		mux.HandleFunc(pattern, s.wrap(pattern, h))
	}
	api("GET /api/v4/users/me", s.getMe)
	api("GET /api/v4/users/{id}", s.getUser)
	api("GET /api/v4/users/{id}/channels", s.getUserChannels)
	api("POST /api/v4/posts", s.createPost)
	api("GET /api/v4/posts/{id}", s.getPost)
	api("DELETE /api/v4/posts/{id}", s.deletePost)
	api("PUT /api/v4/posts/{id}/patch", s.patchPost)
	api("GET /api/v4/posts/{id}/thread", s.getThread)
	api("POST /api/v4/files", s.uploadFile)
	api("GET /api/v4/files/{id}", s.getFile)
	api("GET /api/v4/files/{id}/info", s.getFileInfo)
	api("GET /api/v4/teams/name/{team}/channels/name/{channel}", s.getChannelByName)
	api("POST /api/v4/reactions", s.saveReaction)
	api("POST /api/v4/channels/direct", s.createDirect)
	api("GET /api/v4/channels/{id}", s.getChannel)
	api("GET /api/v4/channels/{id}/posts", s.getPosts)
	api("GET /api/v4/teams/{team}/members/{user}", s.getTeamMember)
	mux.HandleFunc("GET /api/v4/websocket", s.websocket)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		appError(w, http.StatusNotFound, "api.context.404.app_error", "not in the fake")
	})
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	tb.Cleanup(s.Close)
	return s
}

// Close drops every websocket and stops the server.
func (s *Server) Close() {
	s.DropWebsockets()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// notifyLocked wakes everyone waiting for a change; s.mu is held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait calls cond under the lock until it returns true or ctx is done.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// AddUser creates a user and returns its id and a personal access token.
func (s *Server) AddUser(username string) (id, token string) {
	return s.addUser(username, false)
}

// AddBot creates a bot account and returns its user id and token.
func (s *Server) AddBot(username string) (id, token string) {
	return s.addUser(username, true)
}

func (s *Server) addUser(username string, isBot bool) (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &model.User{Id: model.NewId(), Username: username, Locale: "nl", IsBot: isBot, Roles: "system_user"}
	u.CreateAt = model.GetMillis()
	s.users[u.Id] = u
	token := model.NewId()
	s.tokens[token] = u.Id
	return u.Id, token
}

// AddTeamMember makes user a member of team (created if new).
func (s *Server) AddTeamMember(team, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.teams[team] == nil {
		s.teams[team] = map[string]bool{}
	}
	s.teams[team][user] = true
}

// AddChannel creates an open channel with members and returns its id.
func (s *Server) AddChannel(name string, members ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := &model.Channel{Id: model.NewId(), Name: name, DisplayName: name, Type: model.ChannelTypeOpen, CreateAt: model.GetMillis()}
	s.channels[ch.Id] = ch
	s.members[ch.Id] = map[string]bool{}
	for _, m := range members {
		s.members[ch.Id][m] = true
	}
	return ch.Id
}

// Direct returns the direct channel of two users, created if new.
func (s *Server) Direct(a, b string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.directLocked(a, b).Id
}

func (s *Server) directLocked(a, b string) *model.Channel {
	name := model.GetDMNameFromIds(a, b)
	for _, ch := range s.channels {
		if ch.Name == name {
			return ch
		}
	}
	ch := &model.Channel{Id: model.NewId(), Name: name, Type: model.ChannelTypeDirect, CreateAt: model.GetMillis()}
	s.channels[ch.Id] = ch
	s.members[ch.Id] = map[string]bool{a: true, b: true}
	return ch
}

// Post writes a post as user in channel (in thread root, if not "") and
// pushes it to the websockets of the channel's members, as the server
// does.
func (s *Server) Post(user, channel, root, text string) *model.Post {
	p, err := s.create(&model.Post{UserId: user, ChannelId: channel, RootId: root, Message: text})
	if err != nil {
		panic("fakemm: " + err.Error())
	}
	return p
}

// Create writes p as p.UserId (with its props, root and pending id) and
// pushes it like Post.
func (s *Server) Create(p *model.Post) *model.Post {
	out, err := s.create(p)
	if err != nil {
		panic("fakemm: " + err.Error())
	}
	return out
}

// DM writes a direct message from one user to another.
func (s *Server) DM(from, to, text string) *model.Post {
	return s.Post(from, s.Direct(from, to), "", text)
}

// create stores a post and broadcasts it. A repeated pending_post_id
// returns the post created first, as the real server does.
func (s *Server) create(p *model.Post) (*model.Post, error) {
	s.mu.Lock()
	if p.PendingPostId != "" {
		ttl := s.opts.PendingPostTTL
		if ttl == 0 {
			ttl = PendingPostTTL
		}
		if old, ok := s.pending[p.PendingPostId]; ok && model.GetMillis()-old.CreateAt < ttl.Milliseconds() {
			s.mu.Unlock()
			return old.Clone(), nil
		}
	}
	if p.RootId != "" {
		root := s.postLocked(p.RootId)
		if root == nil || root.DeleteAt != 0 || root.ChannelId != p.ChannelId || root.RootId != "" {
			s.mu.Unlock()
			return nil, errBadRoot
		}
	}
	ch := s.channels[p.ChannelId]
	if ch == nil || !s.members[p.ChannelId][p.UserId] {
		s.mu.Unlock()
		return nil, fmt.Errorf("user is not in channel")
	}
	p = p.Clone()
	p.Id = model.NewId()
	now := max(model.GetMillis(), s.lastAt+1) // strictly increasing, like one database clock
	s.lastAt = now
	p.CreateAt, p.UpdateAt = now, now
	if p.Props == nil {
		p.Props = model.StringInterface{}
	}
	s.attachLocked(p)
	s.posts = append(s.posts, p)
	if p.PendingPostId != "" {
		s.pending[p.PendingPostId] = p
	}
	ch.LastPostAt = now
	ch.TotalMsgCount++
	var mentions []string
	for id, u := range s.users {
		if s.members[p.ChannelId][id] && id != p.UserId && regexp.MustCompile(`(?i)@`+regexp.QuoteMeta(u.Username)+`\b`).MatchString(p.Message) {
			mentions = append(mentions, id)
		}
	}
	if ch.Type == model.ChannelTypeDirect {
		for id := range s.members[p.ChannelId] {
			if id != p.UserId && !slices.Contains(mentions, id) {
				mentions = append(mentions, id)
			}
		}
	}
	sender := ""
	if u := s.users[p.UserId]; u != nil {
		sender = "@" + u.Username
	}
	raw, _ := json.Marshal(p)
	var targets []*conn
	for c := range s.conns {
		if s.members[p.ChannelId][c.user] {
			targets = append(targets, c)
		}
	}
	out := p.Clone()
	s.notifyLocked()
	s.mu.Unlock()

	for _, c := range targets {
		ev := model.NewWebSocketEvent(model.WebsocketEventPosted, ch.TeamId, ch.Id, "", nil, "")
		ev.Add("channel_type", ch.Type)
		ev.Add("channel_name", ch.Name)
		ev.Add("channel_display_name", ch.DisplayName)
		ev.Add("sender_name", sender)
		ev.Add("team_id", ch.TeamId)
		ev.Add("set_online", true)
		ev.Add("post", string(raw))
		if len(mentions) > 0 {
			m, _ := json.Marshal(mentions)
			ev.Add("mentions", string(m))
		}
		s.send(c, ev)
	}
	return out, nil
}

func (s *Server) send(c *conn, ev *model.WebSocketEvent) {
	s.mu.Lock()
	c.seq++
	ev = ev.SetSequence(c.seq)
	s.mu.Unlock()
	data, err := ev.ToJSON()
	if err == nil {
		err = c.write(json.RawMessage(data))
	}
	if err != nil {
		_ = c.ws.Close()
	}
}

// Posts returns the posts user wrote, oldest first ("" for all posts).
func (s *Server) Posts(user string) []*model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.postsLocked(user)
}

func (s *Server) postsLocked(user string) []*model.Post {
	var out []*model.Post
	for _, p := range s.posts {
		if user == "" || p.UserId == user {
			out = append(out, p.Clone())
		}
	}
	return out
}

// WaitPosts waits until user wrote at least n posts and returns them all.
func (s *Server) WaitPosts(ctx context.Context, user string, n int) ([]*model.Post, error) {
	var got []*model.Post
	err := s.wait(ctx, func() bool {
		got = s.postsLocked(user)
		return len(got) >= n
	})
	if err != nil {
		return got, fmt.Errorf("wait for %d posts, have %d: %w", n, len(got), err)
	}
	return got, nil
}

// WaitPost waits until user wrote a post, after the first skip of theirs,
// for which match is true, and returns it.
func (s *Server) WaitPost(ctx context.Context, user string, skip int, match func(*model.Post) bool) (*model.Post, error) {
	var found *model.Post
	n := 0
	err := s.wait(ctx, func() bool {
		ps := s.postsLocked(user)
		n = len(ps)
		for i := skip; i < len(ps); i++ {
			if match(ps[i]) {
				found = ps[i]
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("wait for a matching post after %d (have %d): %w", skip, n, err)
	}
	return found, nil
}

// Websockets returns how many authenticated websockets user has open.
func (s *Server) Websockets(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.websocketsLocked(user)
}

func (s *Server) websocketsLocked(user string) int {
	n := 0
	for c := range s.conns {
		if c.user == user {
			n++
		}
	}
	return n
}

// WaitWebsockets waits until user has exactly n authenticated websockets.
func (s *Server) WaitWebsockets(ctx context.Context, user string, n int) error {
	return s.wait(ctx, func() bool { return s.websocketsLocked(user) == n })
}

// WaitRequests waits until route got at least n calls (see Requests).
func (s *Server) WaitRequests(ctx context.Context, route string, n int) error {
	return s.wait(ctx, func() bool { return s.requests[route] >= n })
}

// DropWebsockets closes every websocket abruptly, as a network failure
// or a server restart would.
func (s *Server) DropWebsockets() {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.NetConn().Close()
	}
}

// HoldWebsockets makes new websocket connections fail (503) while hold is
// true, keeping a client disconnected.
func (s *Server) HoldWebsockets(hold bool) {
	s.mu.Lock()
	s.holdWS = hold
	s.mu.Unlock()
}

// SetDelay makes every API call (not the websocket) wait d first.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// FailNext makes the next n API calls with method and a path starting with
// prefix answer 500.
func (s *Server) FailNext(method, prefix string, n int) {
	s.mu.Lock()
	s.faults = append(s.faults, fault{method, prefix, n})
	s.mu.Unlock()
}

// Requests returns how many calls a route got ("GET /api/v4/users/me").
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}

// Press presses button i (from 0) of the first attachment of post as user,
// as the server does: it POSTs the button's integration to its URL, and
// applies the answer's update to the post (keeping its props when the
// update has none) and broadcasts the edit. It returns the status code.
func (s *Server) Press(ctx context.Context, user string, post *model.Post, i int) (int, error) {
	as := post.Attachments()
	if len(as) == 0 || i >= len(as[0].Actions) || as[0].Actions[i].Integration == nil {
		return 0, fmt.Errorf("post has no button %d", i)
	}
	a := as[0].Actions[i]
	s.mu.Lock()
	ch := s.channels[post.ChannelId]
	username := ""
	if u := s.users[user]; u != nil {
		username = u.Username
	}
	s.mu.Unlock()
	req := model.PostActionIntegrationRequest{
		UserId: user, UserName: username, ChannelId: post.ChannelId, PostId: post.Id, Type: model.PostActionTypeButton,
		Context: a.Integration.Context,
	}
	if ch != nil {
		req.TeamId, req.ChannelName = ch.TeamId, ch.Name
	}
	body, _ := json.Marshal(req)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, a.Integration.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var ans model.PostActionIntegrationResponse
	if resp.StatusCode == http.StatusOK && len(raw) > 0 && json.Unmarshal(raw, &ans) == nil && ans.Update != nil {
		s.mu.Lock()
		p := s.postLocked(post.Id)
		if p == nil || p.DeleteAt != 0 {
			s.mu.Unlock()
			return resp.StatusCode, nil
		}
		props := ans.Update.GetProps()
		if props == nil {
			props = p.GetProps()
		}
		msg := ans.Update.Message
		s.applyLocked(p, &msg, &props)
		s.broadcastUnlock(model.WebsocketEventPostEdited, s.withFilesLocked(p))
	}
	return resp.StatusCode, nil
}

// wrap authenticates an API call and applies the faults.
func (s *Server) wrap(route string, h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[route]++
		delay := s.delay
		fail := false
		for i := range s.faults {
			f := &s.faults[i]
			if f.n > 0 && f.method == r.Method && strings.HasPrefix(r.URL.Path, f.prefix) {
				f.n--
				fail = true
				break
			}
		}
		user := s.tokens[token(r)]
		s.notifyLocked()
		s.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if fail {
			appError(w, http.StatusInternalServerError, "fakemm.fault.app_error", "injected failure")
			return
		}
		if user == "" {
			appError(w, http.StatusUnauthorized, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
			return
		}
		h(w, r, user)
	}
}

func token(r *http.Request) string {
	f := strings.Fields(r.Header.Get(model.HeaderAuth))
	if len(f) == 2 && (strings.EqualFold(f[0], model.HeaderBearer) || strings.EqualFold(f[0], model.HeaderToken)) {
		return f[1]
	}
	return ""
}

func appError(w http.ResponseWriter, status int, id, msg string) {
	writeJSON(w, status, model.AppError{Id: id, Message: msg, StatusCode: status, RequestId: model.NewId(), Where: "fakemm"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request, user string) {
	s.mu.Lock()
	u := *s.users[user]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, &u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, _ string) {
	s.mu.Lock()
	u, ok := s.users[r.PathValue("id")]
	var c model.User
	if ok {
		c = *u
	}
	s.mu.Unlock()
	if !ok {
		appError(w, http.StatusNotFound, "app.user.missing_account.const", "user not found")
		return
	}
	writeJSON(w, http.StatusOK, &c)
}

func (s *Server) getUserChannels(w http.ResponseWriter, r *http.Request, user string) {
	if id := r.PathValue("id"); id != user && id != "me" {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "no permission")
		return
	}
	s.mu.Lock()
	out := []*model.Channel{}
	for id, ch := range s.channels {
		if s.members[id][user] {
			c := *ch
			out = append(out, &c)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request, user string) {
	s.mu.Lock()
	ch, ok := s.channels[r.PathValue("id")]
	var c model.Channel
	if ok && s.members[ch.Id][user] {
		c = *ch
	} else {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		appError(w, http.StatusNotFound, "app.channel.get.existing.app_error", "channel not found")
		return
	}
	writeJSON(w, http.StatusOK, &c)
}

func (s *Server) createDirect(w http.ResponseWriter, r *http.Request, user string) {
	var ids []string
	if err := json.NewDecoder(r.Body).Decode(&ids); err != nil || len(ids) != 2 || !slices.Contains(ids, user) {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "bad user ids")
		return
	}
	s.mu.Lock()
	_, ok0 := s.users[ids[0]]
	_, ok1 := s.users[ids[1]]
	var c model.Channel
	if ok0 && ok1 {
		c = *s.directLocked(ids[0], ids[1])
		s.notifyLocked()
	}
	s.mu.Unlock()
	if !ok0 || !ok1 {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "unknown user")
		return
	}
	writeJSON(w, http.StatusCreated, &c)
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request, user string) {
	var p model.Post
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "bad post")
		return
	}
	if p.ChannelId == "" || (p.Message == "" && len(p.Attachments()) == 0 && len(p.FileIds) == 0) {
		appError(w, http.StatusBadRequest, "model.post.is_valid.app_error", "empty post")
		return
	}
	if n := len([]rune(p.Message)); n > model.PostMessageMaxRunesV2 {
		appError(w, http.StatusBadRequest, "model.post.is_valid.message_length.app_error", "message too long")
		return
	}
	p.UserId = user
	created, err := s.create(&p)
	if errors.Is(err, errBadRoot) {
		appError(w, http.StatusBadRequest, "api.post.create_post.root_id.app_error", err.Error())
		return
	}
	if err != nil {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", err.Error())
		return
	}
	s.mu.Lock()
	lose := s.lose > 0
	if lose {
		s.lose--
	}
	s.mu.Unlock()
	if lose {
		loseAnswer(w)
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

func (s *Server) getPosts(w http.ResponseWriter, r *http.Request, user string) {
	id := r.PathValue("id")
	q := r.URL.Query()
	s.mu.Lock()
	if !s.members[id][user] {
		s.mu.Unlock()
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "not a member")
		return
	}
	s.mu.Unlock()
	if q.Get("since") == "" {
		s.getPostsPage(w, r, id)
		return
	}
	since, err := strconv.ParseInt(q.Get("since"), 10, 64)
	if err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_url_param.app_error", "bad since")
		return
	}
	// Like the server: every post of the channel updated after since
	// (deleted ones too, with delete_at set), at most 1000, plus the
	// roots of the replies among them (in Posts, not in Order).
	s.mu.Lock()
	list := model.NewPostList()
	for i := len(s.posts) - 1; i >= 0; i-- { // newest first
		p := s.posts[i]
		if p.ChannelId == id && p.UpdateAt > since && len(list.Order) < 1000 {
			list.AddPost(s.withFilesLocked(p))
			list.AddOrder(p.Id)
		}
	}
	for _, pid := range list.Order {
		if root := list.Posts[pid].RootId; root != "" {
			if _, ok := list.Posts[root]; !ok {
				if rp := s.postLocked(root); rp != nil {
					list.AddPost(s.withFilesLocked(rp))
				}
			}
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) getTeamMember(w http.ResponseWriter, r *http.Request, _ string) {
	team, user := r.PathValue("team"), r.PathValue("user")
	s.mu.Lock()
	ok := s.teams[team][user]
	s.mu.Unlock()
	if !ok {
		appError(w, http.StatusNotFound, "app.team.get_member.missing.app_error", "no team member")
		return
	}
	writeJSON(w, http.StatusOK, &model.TeamMember{TeamId: team, UserId: user, Roles: "team_user"})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// websocket serves /api/v4/websocket: the client authenticates with an
// authentication_challenge carrying its token; the server answers OK and
// says hello, then pushes events and pings.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	hold := s.holdWS
	s.requests["GET /api/v4/websocket"]++
	s.notifyLocked()
	s.mu.Unlock()
	if hold {
		appError(w, http.StatusServiceUnavailable, "fakemm.hold", "websockets held")
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	c := &conn{ws: ws}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for c.user == "" {
		var req model.WebSocketRequest
		if err := ws.ReadJSON(&req); err != nil {
			return
		}
		if req.Action != string(model.WebsocketAuthenticationChallenge) {
			continue
		}
		tok, _ := req.Data["token"].(string)
		s.mu.Lock()
		c.user = s.tokens[tok]
		s.mu.Unlock()
		if c.user == "" {
			ae := model.NewAppError("websocket", "api.web_socket_router.bad_token.app_error", nil, "", http.StatusUnauthorized)
			_ = c.write(model.NewWebSocketError(req.Seq, ae))
			continue
		}
		if err := c.write(model.NewWebSocketResponse(model.StatusOk, req.Seq, nil)); err != nil {
			return
		}
	}
	_ = ws.SetReadDeadline(time.Time{})
	hello := model.NewWebSocketEvent(model.WebsocketEventHello, "", "", c.user, nil, "")
	hello.Add("server_version", "fakemm")
	hello.Add("connection_id", model.NewId())
	s.mu.Lock()
	s.conns[c] = true
	s.notifyLocked()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.notifyLocked()
		s.mu.Unlock()
	}()
	s.send(c, hello)

	done := make(chan struct{})
	defer close(done)
	if s.opts.PingInterval > 0 {
		go func() {
			t := time.NewTicker(s.opts.PingInterval)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					c.wmu.Lock()
					err := ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second))
					c.wmu.Unlock()
					if err != nil {
						return
					}
				}
			}
		}()
	}
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
	}
}
