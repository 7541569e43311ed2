package fakemm

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// PendingPostTTL is how long the server remembers a pending_post_id and
// answers a repeated create with the post made first (the real server's
// pendingPostIDsCacheTTL). After that a repeat makes a second post.
const PendingPostTTL = 30 * time.Second

// MaxFileSize is the largest upload accepted (the real server's default
// FileSettings.MaxFileSize, 100 MB).
const MaxFileSize = 100 << 20

var errBadRoot = errors.New("invalid root_id")

// SetName sets a user's first and last name.
func (s *Server) SetName(user, first, last string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[user]; u != nil {
		u.FirstName, u.LastName = first, last
	}
}

// AddTeam creates a team with a name (as in URLs) and returns its id.
func (s *Server) AddTeam(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.teamName[name]; ok {
		return id
	}
	id := model.NewId()
	s.teamName[name] = id
	if s.teams[id] == nil {
		s.teams[id] = map[string]bool{}
	}
	return id
}

// AddTeamChannel creates an open channel named name in team (an id from
// AddTeam) with members, who also become team members, and returns its id.
func (s *Server) AddTeamChannel(team, name string, members ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := &model.Channel{Id: model.NewId(), TeamId: team, Name: name, DisplayName: name, Type: model.ChannelTypeOpen, CreateAt: model.GetMillis()}
	s.channels[ch.Id] = ch
	s.members[ch.Id] = map[string]bool{}
	if s.teams[team] == nil {
		s.teams[team] = map[string]bool{}
	}
	for _, m := range members {
		s.members[ch.Id][m] = true
		s.teams[team][m] = true
	}
	return ch.Id
}

// LosePostAnswers makes the next n successful POST /posts store and
// broadcast the post but lose the answer (the connection is closed before
// the client reads it), as a crash or a network failure between the post
// and its acknowledgement would.
func (s *Server) LosePostAnswers(n int) {
	s.mu.Lock()
	s.lose += n
	s.mu.Unlock()
}

// loseAnswer closes the connection without an answer.
func loseAnswer(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// Thread returns the posts of the thread with root id root, root first,
// then the replies oldest first; deleted posts are left out.
func (s *Server) Thread(root string) []*model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.threadLocked(root)
}

func (s *Server) threadLocked(root string) []*model.Post {
	var out []*model.Post
	for _, p := range s.posts {
		if (p.Id == root || p.RootId == root) && p.DeleteAt == 0 {
			out = append(out, s.withFilesLocked(p))
		}
	}
	return out
}

// WaitThread waits until the thread of root has at least n posts (root
// included) and returns them as Thread does.
func (s *Server) WaitThread(ctx context.Context, root string, n int) ([]*model.Post, error) {
	var got []*model.Post
	err := s.wait(ctx, func() bool {
		got = s.threadLocked(root)
		return len(got) >= n
	})
	if err != nil {
		return got, fmt.Errorf("wait for %d posts in thread, have %d: %w", n, len(got), err)
	}
	return got, nil
}

// Wait waits until cond returns true; cond is called at once and after
// every change of the server (it may use the server's methods).
func (s *Server) Wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// PostByID returns a post by id, deleted or not; nil if there is none.
func (s *Server) PostByID(id string) *model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.postLocked(id); p != nil {
		return s.withFilesLocked(p)
	}
	return nil
}

// File returns an uploaded file's info and bytes; ok is false when there
// is no such file or it was deleted with its post.
func (s *Server) File(id string) (info model.FileInfo, data []byte, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[id]
	if f == nil || f.info.DeleteAt != 0 {
		return model.FileInfo{}, nil, false
	}
	return *f.info, slices.Clone(f.data), true
}

// Reply writes a reply as user in the thread of root and pushes it.
func (s *Server) Reply(user, root, text string) *model.Post {
	s.mu.Lock()
	rp := s.postLocked(root)
	ch := ""
	if rp != nil {
		ch = rp.ChannelId
	}
	s.mu.Unlock()
	return s.Post(user, ch, root, text)
}

// postLocked finds a post by id (deleted too); s.mu is held.
func (s *Server) postLocked(id string) *model.Post {
	for i := len(s.posts) - 1; i >= 0; i-- {
		if s.posts[i].Id == id {
			return s.posts[i]
		}
	}
	return nil
}

// withFilesLocked returns a copy of p with its files and reactions in
// the metadata, as the server sends them.
func (s *Server) withFilesLocked(p *model.Post) *model.Post {
	c := p.Clone()
	rs := s.reacts[p.Id]
	if len(rs) > 0 || len(c.FileIds) > 0 {
		// Copy the metadata before changing it: the stored post keeps its own.
		if c.Metadata == nil {
			c.Metadata = &model.PostMetadata{}
		} else {
			m := *c.Metadata
			c.Metadata = &m
		}
	}
	if len(rs) > 0 {
		c.Metadata.Reactions = nil
		for _, r := range rs {
			rc := *r
			c.Metadata.Reactions = append(c.Metadata.Reactions, &rc)
		}
	}
	if len(c.FileIds) > 0 {
		c.Metadata.Files = nil
		for _, id := range c.FileIds {
			if f := s.files[id]; f != nil && f.info.DeleteAt == 0 {
				fi := *f.info
				c.Metadata.Files = append(c.Metadata.Files, &fi)
			}
		}
	}
	return c
}

// attachLocked attaches p's file_ids to it: like the server, only files
// the author uploaded to that channel and not yet attached elsewhere; the
// others are dropped from FileIds silently.
func (s *Server) attachLocked(p *model.Post) {
	var ok model.StringArray
	for _, id := range p.FileIds {
		f := s.files[id]
		if f == nil || f.info.PostId != "" || f.info.CreatorId != p.UserId || f.info.ChannelId != p.ChannelId || f.info.DeleteAt != 0 {
			continue
		}
		f.info.PostId = p.Id
		ok = append(ok, id)
	}
	p.FileIds = ok
}

// broadcastUnlock sends an event about post p to the websockets of the
// channel's members; s.mu is held on entry and released.
func (s *Server) broadcastUnlock(event model.WebsocketEventType, p *model.Post) {
	ch := s.channels[p.ChannelId]
	raw, _ := json.Marshal(p)
	var targets []*conn
	for c := range s.conns {
		if s.members[p.ChannelId][c.user] {
			targets = append(targets, c)
		}
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range targets {
		ev := model.NewWebSocketEvent(event, ch.TeamId, ch.Id, "", nil, "")
		ev.Add("post", string(raw))
		s.send(c, ev)
	}
}

func (s *Server) getPost(w http.ResponseWriter, r *http.Request, user string) {
	s.mu.Lock()
	p := s.postLocked(r.PathValue("id"))
	if p == nil || p.DeleteAt != 0 || !s.members[p.ChannelId][user] {
		s.mu.Unlock()
		appError(w, http.StatusNotFound, "app.post.get.app_error", "post not found")
		return
	}
	out := s.withFilesLocked(p)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// getThread serves GET /posts/{id}/thread: the post, its root and every
// reply that is not deleted; Order holds them all.
func (s *Server) getThread(w http.ResponseWriter, r *http.Request, user string) {
	s.mu.Lock()
	p := s.postLocked(r.PathValue("id"))
	if p == nil || p.DeleteAt != 0 || !s.members[p.ChannelId][user] {
		s.mu.Unlock()
		appError(w, http.StatusNotFound, "app.post.get.app_error", "post not found")
		return
	}
	root := cmp.Or(p.RootId, p.Id)
	list := model.NewPostList()
	list.AddPost(s.withFilesLocked(p))
	list.AddOrder(p.Id)
	for _, q := range s.threadLocked(root) {
		if q.Id != p.Id {
			list.AddPost(q)
			list.AddOrder(q.Id)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

// getPostsPage serves GET /channels/{id}/posts?page=&per_page=: posts not
// deleted, newest first.
func (s *Server) getPostsPage(w http.ResponseWriter, r *http.Request, channel string) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	per, err := strconv.Atoi(cmp.Or(q.Get("per_page"), "60"))
	if err != nil || per <= 0 || per > 200 || page < 0 {
		appError(w, http.StatusBadRequest, "api.context.invalid_url_param.app_error", "bad page")
		return
	}
	s.mu.Lock()
	var all []*model.Post
	for i := len(s.posts) - 1; i >= 0; i-- {
		if p := s.posts[i]; p.ChannelId == channel && p.DeleteAt == 0 {
			all = append(all, p)
		}
	}
	list := model.NewPostList()
	for i := page * per; i < len(all) && i < (page+1)*per; i++ {
		list.AddPost(s.withFilesLocked(all[i]))
		list.AddOrder(all[i].Id)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

// deletePost serves DELETE /posts/{id}: its author may delete it (a
// soft delete: delete_at is set); a root post takes its replies with it,
// and a post's files go with it, as on the real server. ?permanent=true
// needs the API setting and a system admin, which the fake never has: it
// answers 501 like a server with EnableAPIPostDeletion off.
func (s *Server) deletePost(w http.ResponseWriter, r *http.Request, user string) {
	if r.URL.Query().Get("permanent") == "true" {
		appError(w, http.StatusNotImplemented, "api.post.delete_post.not_enabled.app_error", "permanent deletion is off")
		return
	}
	s.mu.Lock()
	p := s.postLocked(r.PathValue("id"))
	if p == nil || p.DeleteAt != 0 || !s.members[p.ChannelId][user] {
		s.mu.Unlock()
		appError(w, http.StatusNotFound, "app.post.get.app_error", "post not found")
		return
	}
	if p.UserId != user {
		s.mu.Unlock()
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "delete_others_posts needed")
		return
	}
	now := max(model.GetMillis(), s.lastAt+1)
	s.lastAt = now
	for _, q := range s.posts {
		if (q.Id == p.Id || q.RootId == p.Id) && q.DeleteAt == 0 {
			q.DeleteAt, q.UpdateAt = now, now
			q.AddProp(model.PostPropsDeleteBy, user)
		}
	}
	for _, id := range p.FileIds {
		if f := s.files[id]; f != nil {
			f.info.DeleteAt = now
		}
	}
	if p.RootId != "" {
		if root := s.postLocked(p.RootId); root != nil {
			root.UpdateAt = now
		}
	}
	ch := s.channels[p.ChannelId]
	ch.LastPostAt = max(ch.LastPostAt, now)
	out := p.Clone()
	s.broadcastUnlock(model.WebsocketEventPostDeleted, out)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

// patchPost serves PUT /posts/{id}/patch for the author: message and
// props.
func (s *Server) patchPost(w http.ResponseWriter, r *http.Request, user string) {
	var patch model.PostPatch
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&patch); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "bad patch")
		return
	}
	s.mu.Lock()
	p := s.postLocked(r.PathValue("id"))
	if p == nil || p.DeleteAt != 0 || p.UserId != user {
		s.mu.Unlock()
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "not yours")
		return
	}
	s.applyLocked(p, patch.Message, patch.Props)
	out := s.withFilesLocked(p)
	s.broadcastUnlock(model.WebsocketEventPostEdited, out)
	writeJSON(w, http.StatusOK, out)
}

// applyLocked edits a post in place.
func (s *Server) applyLocked(p *model.Post, msg *string, props *model.StringInterface) {
	now := max(model.GetMillis(), s.lastAt+1)
	s.lastAt = now
	if msg != nil {
		p.Message = *msg
		p.EditAt = now
	}
	if props != nil {
		p.Props = model.StringInterface{}
		for k, v := range *props {
			p.Props[k] = v
		}
	}
	p.UpdateAt = now
}

// uploadFile serves POST /files, multipart (channel_id and files fields)
// or the raw body with ?channel_id=&filename=.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request, user string) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFileSize+1<<20)
	type upload struct {
		name string
		data []byte
	}
	var (
		channel string
		ups     []upload
	)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			appError(w, http.StatusBadRequest, "api.file.upload_file.read_request.app_error", "bad multipart body")
			return
		}
		channel = r.FormValue("channel_id")
		for _, fh := range r.MultipartForm.File["files"] {
			f, err := fh.Open()
			if err != nil {
				appError(w, http.StatusBadRequest, "api.file.upload_file.read_request.app_error", "bad file")
				return
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				appError(w, http.StatusBadRequest, "api.file.upload_file.read_request.app_error", "bad file")
				return
			}
			ups = append(ups, upload{fh.Filename, data})
		}
	} else {
		channel = r.URL.Query().Get("channel_id")
		data, err := io.ReadAll(r.Body)
		if err != nil {
			appError(w, http.StatusRequestEntityTooLarge, "api.file.upload_file.too_large_detailed.app_error", "too large")
			return
		}
		ups = append(ups, upload{r.URL.Query().Get("filename"), data})
	}
	if channel == "" || len(ups) == 0 {
		appError(w, http.StatusBadRequest, "api.file.upload_file.incorrect_number_of_files.app_error", "no channel or file")
		return
	}
	s.mu.Lock()
	if !s.members[channel][user] {
		s.mu.Unlock()
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "upload_file needed")
		return
	}
	resp := &model.FileUploadResponse{FileInfos: []*model.FileInfo{}, ClientIds: []string{}}
	for _, u := range ups {
		if len(u.data) > MaxFileSize {
			s.mu.Unlock()
			appError(w, http.StatusRequestEntityTooLarge, "api.file.upload_file.too_large_detailed.app_error", "too large")
			return
		}
		name := path.Base(strings.ReplaceAll(u.name, "\\", "/"))
		if name == "." || name == "/" || name == "" {
			name = "file"
		}
		now := model.GetMillis()
		info := &model.FileInfo{
			Id: model.NewId(), CreatorId: user, ChannelId: channel, CreateAt: now, UpdateAt: now,
			Name: name, Extension: strings.TrimPrefix(strings.ToLower(path.Ext(name)), "."),
			Size: int64(len(u.data)), MimeType: http.DetectContentType(u.data),
		}
		s.files[info.Id] = &file{info: info, data: u.data}
		c := *info
		resp.FileInfos = append(resp.FileInfos, &c)
	}
	s.notifyLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) fileFor(w http.ResponseWriter, r *http.Request, user string) (*file, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[r.PathValue("id")]
	if f == nil || f.info.DeleteAt != 0 || !s.members[f.info.ChannelId][user] {
		appError(w, http.StatusNotFound, "app.file_info.get.app_error", "file not found")
		return nil, false
	}
	return f, true
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request, user string) {
	f, ok := s.fileFor(w, r, user)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", f.info.MimeType)
	_, _ = w.Write(f.data)
}

func (s *Server) getFileInfo(w http.ResponseWriter, r *http.Request, user string) {
	f, ok := s.fileFor(w, r, user)
	if !ok {
		return
	}
	s.mu.Lock()
	c := *f.info
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, &c)
}

// getChannelByName serves GET /teams/name/{team}/channels/name/{channel}
// for members of the channel or of its team (an open channel).
func (s *Server) getChannelByName(w http.ResponseWriter, r *http.Request, user string) {
	s.mu.Lock()
	team := s.teamName[r.PathValue("team")]
	var found *model.Channel
	for _, ch := range s.channels {
		if team != "" && ch.TeamId == team && ch.Name == r.PathValue("channel") {
			found = ch
		}
	}
	var c model.Channel
	ok := found != nil && (s.members[found.Id][user] || (found.Type == model.ChannelTypeOpen && s.teams[team][user]))
	if ok {
		c = *found
	}
	s.mu.Unlock()
	if !ok {
		appError(w, http.StatusNotFound, "app.channel.get_by_name.missing.app_error", "channel not found")
		return
	}
	writeJSON(w, http.StatusOK, &c)
}

// Reactions returns the reactions on a post.
func (s *Server) Reactions(post string) []model.Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.Reaction
	for _, r := range s.reacts[post] {
		out = append(out, *r)
	}
	return out
}

// saveReaction serves POST /reactions for the caller: like the server it
// marks the post has_reactions and moves its update_at, so that clients
// fetching posts since a time see it.
func (s *Server) saveReaction(w http.ResponseWriter, r *http.Request, user string) {
	var re model.Reaction
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&re); err != nil || re.EmojiName == "" {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "bad reaction")
		return
	}
	if re.UserId != user {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "not your reaction")
		return
	}
	s.mu.Lock()
	p := s.postLocked(re.PostId)
	if p == nil || p.DeleteAt != 0 || !s.members[p.ChannelId][user] {
		s.mu.Unlock()
		appError(w, http.StatusNotFound, "app.post.get.app_error", "post not found")
		return
	}
	now := max(model.GetMillis(), s.lastAt+1)
	s.lastAt = now
	for _, old := range s.reacts[p.Id] {
		if old.UserId == user && old.EmojiName == re.EmojiName {
			c := *old
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, &c)
			return
		}
	}
	re.CreateAt, re.UpdateAt, re.ChannelId = now, now, p.ChannelId
	s.reacts[p.Id] = append(s.reacts[p.Id], &re)
	p.HasReactions, p.UpdateAt = true, now
	c := re
	s.notifyLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, &c)
}
