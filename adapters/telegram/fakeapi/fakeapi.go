// Package fakeapi is a fake Telegram Bot API server for tests, on
// httptest. It speaks the protocol as the real server does for the methods
// a chatbot uses: requests as multipart/form-data, urlencoded or JSON on
// /bot<TOKEN>/<method>, answers {"ok":...,"result":...}, getUpdates with
// long polling and offset confirmation (an update is kept until a request
// with a higher offset confirms it), webhooks with a secret token, and
// Telegram's rate limits enforced with 429 answers (sends and edits
// share them, per chat and globally: tdlib/td#2592), and files a person
// sent served through getFile and /file/bot<TOKEN>/<path> (files.go).
//
// Tests put messages and button taps into chats, wait for the bot's
// messages or for updates to be confirmed (on channels, not sleeps), read
// the messages with their keyboards, and inject faults: 429 with
// retry_after, 500, HTML 502 pages, slow answers and dropped connections.
package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultToken is the token of a server made with an empty Options.Token.
const DefaultToken = "123456:TEST-fake-token_abcdefghijklmnop"

// Options configure a Server. The zero value enforces Telegram's limits.
type Options struct {
	// Token is the only token accepted; "" means DefaultToken.
	Token string
	// GlobalRate is how many messages per second the server accepts over
	// all chats; 0 means 30, < 0 no limit. GlobalBurst is how many at once;
	// 0 means GlobalRate.
	GlobalRate  float64
	GlobalBurst int
	// ChatRate is how many messages per second one chat accepts; 0 means
	// 1, < 0 no limit. ChatBurst is how many at once; 0 means 4 (one more
	// than the adapter's default, for network jitter).
	ChatRate  float64
	ChatBurst int
}

// FaultKind is a kind of injected failure.
type FaultKind int

// The faults a Server can inject.
const (
	// TooMany answers 429 with parameters.retry_after = Fault.RetryAfter.
	TooMany FaultKind = iota + 1
	// Internal answers 500 with a JSON error.
	Internal
	// BadGateway answers 502 with an HTML page, as a proxy does.
	BadGateway
	// Slow waits Fault.Delay, then answers normally; a request whose
	// client gives up before then is not carried out.
	Slow
	// Drop closes the connection without answering, before the request is
	// carried out.
	Drop
	// DropAfter carries the request out, then closes the connection without
	// answering: the client cannot know it succeeded.
	DropAfter
)

// Fault is a failure injected into the next requests of a method.
type Fault struct {
	Method     string // e.g. "sendMessage"; "" means any method
	Kind       FaultKind
	Times      int           // how many requests it hits; 0 means 1
	RetryAfter int           // seconds, for TooMany; 0 means 1
	Delay      time.Duration // for Slow
}

// User is a person in a chat.
type User struct {
	ID           int64
	FirstName    string
	LanguageCode string // "nl", "en", ...
}

// Button is an inline keyboard button.
type Button struct {
	Text string
	Data string
}

// Document is a file the bot sent.
type Document struct {
	Name string
	Data []byte
}

// Message is a message in a chat, from a person or the bot.
type Message struct {
	ID       int
	FromBot  bool
	Text     string // the text (or document caption) now, after edits
	SentText string // the text as first sent
	Keyboard [][]Button
	Document *Document
	Edits    int
	Date     time.Time
}

// Stats counts what the server saw.
type Stats struct {
	Requests        map[string]int // by method
	TooManyRequests int            // 429s for exceeding the rate limits
	Faults          int            // injected faults carried out
	Sent            int            // messages accepted from the bot
	Forbidden       int            // 403s for a chat that blocked the bot (Block)
}

// Answer is the answer to a callback query.
type Answer struct {
	Answered bool
	Text     string
	Times    int // answerCallbackQuery calls for it
}

// Server is a fake Bot API server.
type Server struct {
	// URL is the server's base URL, as for Options.APIURL.
	URL   string
	Token string

	srv  *httptest.Server
	opts Options

	mu        sync.Mutex
	changed   chan struct{}
	closed    chan struct{}
	nextID    int64
	updates   []update
	confirmed int64
	chats     map[int64]*chat
	queries   map[string]*query
	faults    []*Fault
	stats     Stats
	global    bucket
	buckets   map[int64]*bucket
	hookURL   string
	hookSec   string
	hookWake  chan struct{}
	pushedAt  map[int64]time.Time
	doneAt    map[int64]time.Time
	files     map[string]*file // by file_id (files.go)
	wg        sync.WaitGroup
}

type update struct {
	id  int64
	raw json.RawMessage
}

type chat struct {
	typ     string
	next    int
	msgs    []*Message
	blocked bool // the person blocked the bot: sends answer 403
}

type query struct {
	chat int64
	msg  int
	Answer
}

// New starts a server; Close it when done.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.GlobalRate == 0 {
		opts.GlobalRate = 30
	}
	if opts.GlobalBurst <= 0 {
		opts.GlobalBurst = max(1, int(opts.GlobalRate))
	}
	if opts.ChatRate == 0 {
		opts.ChatRate = 1
	}
	if opts.ChatBurst <= 0 {
		opts.ChatBurst = 4
	}
	s := &Server{
		Token: opts.Token, opts: opts,
		changed: make(chan struct{}), closed: make(chan struct{}), hookWake: make(chan struct{}, 1),
		nextID: 100000, chats: map[int64]*chat{}, queries: map[string]*query{},
		buckets: map[int64]*bucket{}, pushedAt: map[int64]time.Time{}, doneAt: map[int64]time.Time{}, stats: Stats{Requests: map[string]int{}},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	s.wg.Add(1)
	go s.deliverWebhook()
	return s
}

// Block makes the private chat of user id behave as Telegram does when
// the person blocked the bot: every message to it is refused with 403
// Forbidden. Unblock undoes it.
func (s *Server) Block(id int64) {
	s.mu.Lock()
	s.chat(id, "private").blocked = true
	s.mu.Unlock()
}

// WaitForbidden waits until the server refused at least n messages to
// blocked chats.
func (s *Server) WaitForbidden(ctx context.Context, n int) error {
	return s.waitChange(ctx, func() bool { return s.stats.Forbidden >= n })
}

// Unblock undoes Block.
func (s *Server) Unblock(id int64) {
	s.mu.Lock()
	s.chat(id, "private").blocked = false
	s.mu.Unlock()
}

// Close shuts the server down.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.wg.Wait()
}

// notify wakes everything waiting for a change; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
	select {
	case s.hookWake <- struct{}{}:
	default:
	}
}

// waitChange waits until cond (run with s.mu held) is true or ctx is done.
func (s *Server) waitChange(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return fmt.Errorf("fakeapi: server closed")
		}
	}
}

// Fail injects a fault into the next requests of f.Method.
func (s *Server) Fail(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// ClearFaults removes the faults not yet carried out.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Latency returns how long update id took from being put in to being
// confirmed; false while it is not confirmed.
func (s *Server) Latency(id int64) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.doneAt[id]
	if !ok {
		return 0, false
	}
	return d.Sub(s.pushedAt[id]), true
}

// Stats returns what the server counted so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = map[string]int{}
	for k, v := range s.stats.Requests {
		st.Requests[k] = v
	}
	return st
}

// Pending returns how many updates are not yet confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Webhook returns the webhook URL and secret token set, if any.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hookURL, s.hookSec
}

// --- putting updates in -----------------------------------------------------

func (s *Server) chat(id int64, typ string) *chat {
	c := s.chats[id]
	if c == nil {
		c = &chat{typ: typ}
		s.chats[id] = c
	}
	return c
}

// push adds an update made by build (given the update id) and returns its id.
func (s *Server) push(build func(id int64) map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := s.nextID
	u := build(id)
	u["update_id"] = id
	raw, err := json.Marshal(u)
	if err != nil {
		panic(err)
	}
	s.updates = append(s.updates, update{id: id, raw: raw})
	s.pushedAt[id] = time.Now()
	s.notify()
	return id
}

func userJSON(u User) map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": false, "first_name": orDefault(u.FirstName, "Test")}
	if u.LanguageCode != "" {
		m["language_code"] = u.LanguageCode
	}
	return m
}

func chatJSON(id int64, typ string, u User) map[string]any {
	if typ == "private" {
		return map[string]any{"id": id, "type": "private", "first_name": orDefault(u.FirstName, "Test")}
	}
	return map[string]any{"id": id, "type": typ, "title": "Groep"}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// message adds a person's message to chatID (of type typ) with the given
// content fields and returns the update id.
func (s *Server) message(chatID int64, typ string, from User, content map[string]any) int64 {
	return s.push(func(int64) map[string]any {
		c := s.chat(chatID, typ)
		c.next++
		now := time.Now()
		text, _ := content["text"].(string)
		c.msgs = append(c.msgs, &Message{ID: c.next, Text: text, SentText: text, Date: now})
		m := map[string]any{
			"message_id": c.next, "from": userJSON(from), "chat": chatJSON(chatID, typ, from), "date": now.Unix(),
		}
		for k, v := range content {
			m[k] = v
		}
		return map[string]any{"message": m}
	})
}

// Text puts a text message from u into u's private chat with the bot and
// returns its update id.
func (s *Server) Text(u User, text string) int64 {
	return s.message(u.ID, "private", u, map[string]any{"text": text})
}

// GroupText puts a text message from u into group chat (a negative id,
// typ "group" or "supergroup") and returns its update id.
func (s *Server) GroupText(group int64, typ string, u User, text string) int64 {
	return s.message(group, typ, u, map[string]any{"text": text})
}

// Media puts a message without text into u's private chat: kind is one of
// sticker, photo, voice, document, location, contact.
func (s *Server) Media(u User, kind string) int64 {
	file := map[string]any{"file_id": "AgAD" + kind, "file_unique_id": "u" + kind}
	var content map[string]any
	switch kind {
	case "sticker":
		content = map[string]any{"sticker": map[string]any{"file_id": "CAAD", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "😀"}}
	case "photo":
		content = map[string]any{"photo": []any{map[string]any{"file_id": "AgAC", "file_unique_id": "p1", "width": 90, "height": 90}}}
	case "voice":
		content = map[string]any{"voice": map[string]any{"file_id": "AwAC", "file_unique_id": "v1", "duration": 3}}
	case "document":
		content = map[string]any{"document": file}
	case "location":
		content = map[string]any{"location": map[string]any{"latitude": 52.37, "longitude": 4.89}}
	case "contact":
		content = map[string]any{"contact": map[string]any{"phone_number": "+31600000000", "first_name": "Test", "user_id": u.ID}}
	default:
		panic("fakeapi: unknown media kind " + kind)
	}
	return s.message(u.ID, "private", u, content)
}

// Press taps the button labelled label under the bot's message msgID in
// u's private chat, as the Telegram app does: only while the message
// shows that button. It returns the update id.
func (s *Server) Press(u User, msgID int, label string) (int64, error) {
	s.mu.Lock()
	m := s.find(u.ID, msgID)
	data, found := "", false
	if m != nil {
		for _, row := range m.Keyboard {
			for _, b := range row {
				if b.Text == label && !found {
					data, found = b.Data, true
				}
			}
		}
	}
	s.mu.Unlock()
	if !found {
		return 0, fmt.Errorf("fakeapi: no button %q under message %d", label, msgID)
	}
	return s.Tap(u, msgID, data), nil
}

// Tap sends a callback query with any data for the bot's message msgID in
// u's private chat (a forged or stale tap when the data is not on the
// message) and returns its update id. The query id is QueryID(update id).
func (s *Server) Tap(u User, msgID int, data string) int64 {
	return s.push(func(id int64) map[string]any {
		qid := QueryID(id)
		s.queries[qid] = &query{chat: u.ID, msg: msgID}
		cq := map[string]any{"id": qid, "from": userJSON(u), "chat_instance": "ci" + strconv.FormatInt(u.ID, 10), "data": data}
		if m := s.find(u.ID, msgID); m != nil {
			cq["message"] = s.messageJSON(u.ID, m)
		}
		return map[string]any{"callback_query": cq}
	})
}

// QueryID is the callback query id of the tap with update id.
func QueryID(update int64) string { return "q" + strconv.FormatInt(update, 10) }

// Answer returns the answer given to the callback query of the tap with
// update id.
func (s *Server) Answer(update int64) Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queries[QueryID(update)]; q != nil {
		return q.Answer
	}
	return Answer{}
}

func (s *Server) find(chatID int64, msgID int) *Message {
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	for _, m := range c.msgs {
		if m.ID == msgID {
			return m
		}
	}
	return nil
}

// --- reading what happened ---------------------------------------------------

// Confirmed reports whether update id was confirmed by the bot (a later
// offset, or a 200 answer to its webhook request).
func (s *Server) Confirmed(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed >= id
}

// WaitConfirmed waits until update id is confirmed.
func (s *Server) WaitConfirmed(ctx context.Context, id int64) error {
	return s.waitChange(ctx, func() bool { return s.confirmed >= id })
}

// BotMessages returns copies of the bot's messages in chatID, in order.
func (s *Server) BotMessages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.botMessages(chatID)
}

func (s *Server) botMessages(chatID int64) []Message {
	var out []Message
	if c := s.chats[chatID]; c != nil {
		for _, m := range c.msgs {
			if m.FromBot {
				cp := *m
				cp.Keyboard = copyKeyboard(m.Keyboard)
				out = append(out, cp)
			}
		}
	}
	return out
}

// WaitMessages waits until the bot has sent at least n messages into
// chatID and returns them all.
func (s *Server) WaitMessages(ctx context.Context, chatID int64, n int) ([]Message, error) {
	var out []Message
	err := s.waitChange(ctx, func() bool {
		out = s.botMessages(chatID)
		return len(out) >= n
	})
	return out, err
}

func copyKeyboard(k [][]Button) [][]Button {
	if k == nil {
		return nil
	}
	out := make([][]Button, len(k))
	for i, row := range k {
		out[i] = append([]Button(nil), row...)
	}
	return out
}

// --- the API -----------------------------------------------------------------

type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot") {
		s.serveFile(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || method == "" {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	if token != s.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	s.mu.Lock()
	s.stats.Requests[method]++
	var fault *Fault
	for i, f := range s.faults {
		if f.Method == "" || strings.EqualFold(f.Method, method) {
			fault = f
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
			s.stats.Faults++
			break
		}
	}
	s.mu.Unlock()
	if fault != nil {
		switch fault.Kind {
		case TooMany:
			ra := max(fault.RetryAfter, 1)
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error_code": 429,
				"description": fmt.Sprintf("Too Many Requests: retry after %d", ra), "parameters": map[string]any{"retry_after": ra}})
			return
		case Internal:
			writeJSON(w, http.StatusInternalServerError, map[string]any{"ok": false, "error_code": 500, "description": "Internal Server Error"})
			return
		case BadGateway:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n")
			return
		case Slow:
			// Read the request first, as the real server does: net/http
			// notices a client that gives up, and cancels r.Context(),
			// only once the body has been read.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			select {
			case <-time.After(fault.Delay):
			case <-r.Context().Done():
				return
			}
		case Drop:
			drop(w)
			return
		}
	}
	params, files, err := parseParams(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	result, aerr := s.call(r.Context(), method, params, files)
	if fault != nil && fault.Kind == DropAfter {
		drop(w)
		return
	}
	if aerr != nil {
		body := map[string]any{"ok": false, "error_code": aerr.code, "description": aerr.desc}
		if aerr.retryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": aerr.retryAfter}
		}
		writeJSON(w, aerr.code, body)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fakeapi: cannot hijack the connection")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// parseParams reads a request's parameters as the Bot API accepts them:
// from the query string, a urlencoded or multipart form, or a JSON object.
// Object and array values are kept as JSON text.
func parseParams(r *http.Request) (map[string]string, map[string]Document, error) {
	params := map[string]string{}
	files := map[string]Document{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return nil, nil, err
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, err
			}
			files[k] = Document{Name: fhs[0].Filename, Data: data}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, nil, err
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
			} else {
				params[k] = string(v)
			}
		}
	}
	return params, files, nil
}

func (s *Server) botUser() map[string]any {
	id, _, _ := strings.Cut(s.Token, ":")
	n, _ := strconv.ParseInt(id, 10, 64)
	return map[string]any{"id": n, "is_bot": true, "first_name": "proactief", "username": "proactief_test_bot",
		"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false}
}

func (s *Server) messageJSON(chatID int64, m *Message) map[string]any {
	typ := "private"
	if c := s.chats[chatID]; c != nil {
		typ = c.typ
	}
	out := map[string]any{"message_id": m.ID, "date": m.Date.Unix(), "chat": chatJSON(chatID, typ, User{})}
	if m.FromBot {
		out["from"] = s.botUser()
	}
	if m.Document != nil {
		out["document"] = map[string]any{"file_id": "BQAC" + strconv.Itoa(m.ID), "file_unique_id": "d" + strconv.Itoa(m.ID), "file_name": m.Document.Name, "file_size": len(m.Document.Data)}
		if m.Text != "" {
			out["caption"] = m.Text
		}
	} else {
		out["text"] = m.Text
	}
	if m.Edits > 0 {
		out["edit_date"] = time.Now().Unix()
	}
	if len(m.Keyboard) > 0 {
		rows := make([][]map[string]any, len(m.Keyboard))
		for i, row := range m.Keyboard {
			for _, b := range row {
				rows[i] = append(rows[i], map[string]any{"text": b.Text, "callback_data": b.Data})
			}
		}
		out["reply_markup"] = map[string]any{"inline_keyboard": rows}
	}
	return out
}

func badRequest(desc string) *apiError { return &apiError{code: 400, desc: "Bad Request: " + desc} }

// call carries out one method.
func (s *Server) call(ctx context.Context, method string, p map[string]string, files map[string]Document) (any, *apiError) {
	switch method {
	case "getMe":
		return s.botUser(), nil
	case "getUpdates":
		return s.getUpdates(ctx, p)
	case "setWebhook":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.hookURL, s.hookSec = p["url"], p["secret_token"]
		s.notify()
		return true, nil
	case "deleteWebhook":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.hookURL, s.hookSec = "", ""
		if p["drop_pending_updates"] == "true" {
			s.updates = nil
		}
		return true, nil
	case "getWebhookInfo":
		s.mu.Lock()
		defer s.mu.Unlock()
		return map[string]any{"url": s.hookURL, "has_custom_certificate": false, "pending_update_count": len(s.updates)}, nil
	case "sendMessage", "sendDocument":
		return s.send(method, p, files)
	case "editMessageText", "editMessageReplyMarkup":
		return s.edit(method, p)
	case "getFile":
		return s.getFile(p)
	case "answerCallbackQuery":
		s.mu.Lock()
		defer s.mu.Unlock()
		q := s.queries[p["callback_query_id"]]
		if q == nil {
			return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		q.Times++
		if q.Answered {
			return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		q.Answered, q.Text = true, p["text"]
		s.notify()
		return true, nil
	}
	return nil, &apiError{code: 404, desc: "Not Found: method not found"}
}

func (s *Server) getUpdates(ctx context.Context, p map[string]string) (any, *apiError) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	s.mu.Lock()
	if s.hookURL != "" {
		s.mu.Unlock()
		return nil, &apiError{code: 409, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	if offset > 0 {
		s.confirmUpTo(offset - 1)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, time.Duration(timeout)*time.Second)
	defer cancel()
	var out []json.RawMessage
	_ = s.waitChange(ctx, func() bool {
		out = nil
		for _, u := range s.updates {
			if u.id >= offset && len(out) < limit {
				out = append(out, u.raw)
			}
		}
		return len(out) > 0
	})
	if out == nil {
		out = []json.RawMessage{}
	}
	return out, nil
}

// confirmUpTo forgets the updates up to id; s.mu is held.
func (s *Server) confirmUpTo(id int64) {
	kept := s.updates[:0]
	for _, u := range s.updates {
		if u.id > id {
			kept = append(kept, u)
		}
	}
	s.updates = kept
	if id > s.confirmed {
		now := time.Now()
		for u := s.confirmed + 1; u <= id; u++ {
			if _, ok := s.pushedAt[u]; ok {
				s.doneAt[u] = now
			}
		}
		s.confirmed = id
		s.notify()
	}
}

func parseChat(p map[string]string) (int64, *apiError) {
	id, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil {
		return 0, badRequest("chat not found")
	}
	return id, nil
}

func parseKeyboard(raw string) ([][]Button, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var mk struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &mk); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	var out [][]Button
	for _, row := range mk.InlineKeyboard {
		var r []Button
		for _, b := range row {
			if b.Text == "" {
				return nil, badRequest("text buttons are unallowed in the inline keyboard")
			}
			if len(b.CallbackData) == 0 || len(b.CallbackData) > 64 {
				return nil, badRequest("BUTTON_DATA_INVALID")
			}
			r = append(r, Button{Text: b.Text, Data: b.CallbackData})
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Server) send(method string, p map[string]string, files map[string]Document) (any, *apiError) {
	chatID, aerr := parseChat(p)
	if aerr != nil {
		return nil, aerr
	}
	kb, aerr := parseKeyboard(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	m := &Message{FromBot: true, Keyboard: kb, Date: time.Now()}
	if method == "sendMessage" {
		m.Text = p["text"]
		n := len([]rune(m.Text))
		if n == 0 {
			return nil, badRequest("message text is empty")
		}
		if n > 4096 {
			return nil, badRequest("message is too long")
		}
	} else {
		d, ok := files["document"]
		if !ok {
			return nil, badRequest("there is no document in the request")
		}
		m.Document = &d
		m.Text = p["caption"]
		if len([]rune(m.Text)) > 1024 {
			return nil, badRequest("message caption is too long")
		}
	}
	m.SentText = m.Text
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil && c.blocked {
		s.stats.Forbidden++
		s.notify()
		return nil, &apiError{code: 403, desc: "Forbidden: bot was blocked by the user"}
	}
	if wait := s.limit(chatID); wait > 0 {
		s.stats.TooManyRequests++
		ra := int(math.Ceil(wait.Seconds()))
		return nil, &apiError{code: 429, desc: fmt.Sprintf("Too Many Requests: retry after %d", ra), retryAfter: ra}
	}
	typ := "private"
	if chatID < 0 {
		typ = "group"
	}
	c := s.chat(chatID, typ)
	c.next++
	m.ID = c.next
	c.msgs = append(c.msgs, m)
	s.stats.Sent++
	s.notify()
	return s.messageJSON(chatID, m), nil
}

func (s *Server) edit(method string, p map[string]string) (any, *apiError) {
	chatID, aerr := parseChat(p)
	if aerr != nil {
		return nil, aerr
	}
	msgID, _ := strconv.Atoi(p["message_id"])
	kb, aerr := parseKeyboard(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(chatID, msgID)
	if m == nil || !m.FromBot {
		return nil, badRequest("message to edit not found")
	}
	// Edits count against the same limits as sends (tdlib/td#2592).
	if wait := s.limit(chatID); wait > 0 {
		s.stats.TooManyRequests++
		ra := int(math.Ceil(wait.Seconds()))
		return nil, &apiError{code: 429, desc: fmt.Sprintf("Too Many Requests: retry after %d", ra), retryAfter: ra}
	}
	if method == "editMessageText" {
		text := p["text"]
		if text == "" {
			return nil, badRequest("message text is empty")
		}
		if text == m.Text && equalKeyboards(kb, m.Keyboard) {
			return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		}
		m.Text = text
	} else if equalKeyboards(kb, m.Keyboard) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.Keyboard = kb // a missing reply_markup removes the inline keyboard
	m.Edits++
	s.notify()
	return s.messageJSON(chatID, m), nil
}

func equalKeyboards(a, b [][]Button) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

// --- rate limits ---------------------------------------------------------------

// bucket is a strict token bucket: a request without a token is refused.
type bucket struct {
	tokens float64
	last   time.Time
}

// take takes a token, or returns how long until there is one.
func (b *bucket) take(now time.Time, rate float64, burst int) time.Duration {
	if b.last.IsZero() {
		b.tokens, b.last = float64(burst), now
	}
	b.tokens = math.Min(float64(burst), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// limit applies the rate limits to a message into chatID; s.mu is held.
func (s *Server) limit(chatID int64) time.Duration {
	now := time.Now()
	var cb *bucket
	if s.opts.ChatRate > 0 {
		cb = s.buckets[chatID]
		if cb == nil {
			cb = &bucket{}
			s.buckets[chatID] = cb
		}
		// Peek first, so that a refused message takes no global token.
		probe := *cb
		if d := probe.take(now, s.opts.ChatRate, s.opts.ChatBurst); d > 0 {
			*cb = probe
			return d
		}
	}
	if s.opts.GlobalRate > 0 {
		if d := s.global.take(now, s.opts.GlobalRate, s.opts.GlobalBurst); d > 0 {
			return d
		}
	}
	if cb != nil {
		cb.take(now, s.opts.ChatRate, s.opts.ChatBurst)
	}
	return 0
}

// --- webhook delivery ------------------------------------------------------------

// deliverWebhook posts pending updates, in order and one at a time, to the
// webhook while one is set; an update is confirmed by a 200 answer and
// posted again otherwise.
func (s *Server) deliverWebhook() {
	defer s.wg.Done()
	client := &http.Client{Timeout: 60 * time.Second}
	// A post in flight ends when the server closes, so that Close does not
	// wait for a webhook that hangs.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-s.closed:
			return
		case <-s.hookWake:
		case <-time.After(50 * time.Millisecond):
		}
		for {
			s.mu.Lock()
			url, secret := s.hookURL, s.hookSec
			if url == "" || len(s.updates) == 0 {
				s.mu.Unlock()
				break
			}
			u := s.updates[0]
			s.mu.Unlock()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(u.raw)))
			if err != nil {
				break
			}
			req.Header.Set("Content-Type", "application/json")
			if secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			}
			resp, err := client.Do(req)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if !ok {
				break // try again after a pause
			}
			s.mu.Lock()
			s.confirmUpTo(u.id)
			s.mu.Unlock()
		}
	}
}
