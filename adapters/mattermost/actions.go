package mattermost

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/proactief/proactief/dialogue"
)

// Keys of a button's integration context.
const (
	ctxPost   = "post"   // random id of the post the button is on
	ctxPrompt = "prompt" // the question
	ctxChoice = "choice" // the choice's id
	ctxRoot   = "root"   // the thread to answer in
	ctxMAC    = "mac"    // HMAC over all of the above, the channel and the person
)

// attachButtons adds r's choices to post as interactive buttons that
// Mattermost sends to ActionsURL. Each button's context is signed with the
// adapter's random key, so a request to ActionsHandler that did not come
// from a button of this adapter, for this person, is refused.
func (a *Adapter) attachButtons(post *model.Post, j job, r dialogue.Reply) {
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	id := hex.EncodeToString(nonce[:])
	actions := make([]*model.PostAction, len(r.Choices))
	labels := make([]string, len(r.Choices))
	for i, c := range r.Choices {
		labels[i] = c.Label
		actions[i] = &model.PostAction{
			Id: fmt.Sprintf("choice%d", i+1), Type: model.PostActionTypeButton, Name: c.Label,
			Integration: &model.PostActionIntegration{
				URL: a.opts.ActionsURL,
				Context: map[string]any{
					ctxPost: id, ctxPrompt: r.Prompt, ctxChoice: c.ID, ctxRoot: j.root,
					ctxMAC: a.sign(id, j.channel, j.user, j.root, r.Prompt, c.ID),
				},
			},
		}
	}
	post.AddProp(model.PostPropsAttachments, []*model.MessageAttachment{{
		Fallback: strings.Join(labels, " / "), Actions: actions,
	}})
}

func (a *Adapter) sign(parts ...string) string {
	m := hmac.New(sha256.New, a.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// ActionsHandler serves the button presses Mattermost forwards from posts
// with buttons (see Options.ActionsURL). A press whose signature does not
// match the channel and the person who pressed is refused with 403; a
// valid one is queued like a message and answered with new posts.
func (a *Adapter) ActionsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var req model.PostActionIntegrationRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if _, ok := req.Context[ctxDesk]; ok {
			a.deskAction(w, r, &req)
			return
		}
		str := func(k string) string { s, _ := req.Context[k].(string); return s }
		post, prompt, choice, root, mac := str(ctxPost), str(ctxPrompt), str(ctxChoice), str(ctxRoot), str(ctxMAC)
		want := a.sign(post, req.ChannelId, req.UserId, root, prompt, choice)
		if post == "" || choice == "" || !hmac.Equal([]byte(mac), []byte(want)) {
			a.m.messages.WithLabelValues("forged").Inc()
			a.log.Warn("button press with a bad signature refused")
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		a.mu.Lock()
		running := a.runCtx != nil && !a.stopping
		a.mu.Unlock()
		if !running {
			http.Error(w, "not running", http.StatusServiceUnavailable)
			return
		}
		a.enqueue(job{
			channel: req.ChannelId, root: root, user: req.UserId,
			choice: choice, prompt: prompt, button: true,
			messageID: "button-" + post + "-" + choice,
			created:   a.opts.Now().UnixMilli(),
		})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(model.PostActionIntegrationResponse{})
	})
}
