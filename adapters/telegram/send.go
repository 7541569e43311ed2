package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/proactief/proactief/dialogue"
)

// Telegram's size limits.
const (
	maxMessage = 4096 // characters of a message text
	maxCaption = 1024 // characters of a document caption
)

// statusError is a 5xx answer from the Bot API (or a proxy in front of it),
// whatever its body.
type statusError struct{ code int }

func (e *statusError) Error() string { return "bot api answered " + strconv.Itoa(e.code) }

// apiClient turns 5xx answers into a statusError before the library reads
// them: the library only recognises some error codes and cannot decode an
// HTML error page.
type apiClient struct{ hc *http.Client }

func (c apiClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 500 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, &statusError{code: resp.StatusCode}
	}
	return resp, nil
}

// Error kinds, the label of send_errors_total.
const (
	kindTooMany      = "too_many_requests"
	kindServer       = "server"
	kindNetwork      = "network"
	kindTimeout      = "timeout"
	kindBadResponse  = "bad_response"
	kindForbidden    = "forbidden"
	kindBadRequest   = "bad_request"
	kindUnauthorized = "unauthorized"
	kindNotFound     = "not_found"
	kindConflict     = "conflict"
	kindOther        = "other"
)

// classify tells what a failed request means: its kind, how long Telegram
// asked to wait, and whether trying again may help.
func classify(err error) (kind string, wait time.Duration, retry bool) {
	var tooMany *tgbot.TooManyRequestsError
	var status *statusError
	var netErr net.Error
	var syntax *json.SyntaxError
	var migrate *tgbot.MigrateError
	switch {
	case errors.As(err, &tooMany):
		return kindTooMany, time.Duration(max(tooMany.RetryAfter, 1)) * time.Second, true
	case errors.As(err, &status):
		return kindServer, 0, true
	case errors.Is(err, context.DeadlineExceeded):
		return kindTimeout, 0, true
	case errors.Is(err, tgbot.ErrorForbidden):
		return kindForbidden, 0, false
	case errors.Is(err, tgbot.ErrorBadRequest), errors.As(err, &migrate):
		return kindBadRequest, 0, false
	case errors.Is(err, tgbot.ErrorUnauthorized):
		return kindUnauthorized, 0, false
	case errors.Is(err, tgbot.ErrorNotFound):
		return kindNotFound, 0, false
	case errors.Is(err, tgbot.ErrorConflict):
		return kindConflict, 5 * time.Second, true
	case errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return kindNetwork, 0, true
	case errors.As(err, &syntax):
		return kindBadResponse, 0, true
	}
	return kindOther, 0, true
}

// permanentError is a request that trying again cannot fix.
type permanentError struct {
	kind string
	err  error
}

func (e *permanentError) Error() string { return e.kind + ": " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// do runs one Bot API request, waiting for the rate limiter (perChat: the
// chat's limit as well) and retrying as classify says: after retry_after
// on a 429, with backoff on 5xx, timeouts and connection errors. It stops
// after attempts tries (0: until ctx is done). It returns a
// *permanentError when retrying cannot help, or ctx's error.
//
// A request that timed out may have been carried out by Telegram: it is
// tried again all the same (a message may then arrive twice, which is
// better than not at all).
func (a *Adapter) do(ctx context.Context, chat int64, method string, perChat bool, attempts int, fn func(context.Context) error) error {
	backoff := a.opts.MinBackoff
	for n := 1; ; n++ {
		if err := a.lim.wait(ctx, chat, perChat); err != nil {
			return err
		}
		actx, cancel := context.WithTimeout(ctx, a.opts.RequestTimeout)
		start := time.Now()
		err := fn(actx)
		cancel()
		a.m.requests.WithLabelValues(method).Observe(time.Since(start).Seconds())
		if err == nil {
			a.m.sent.WithLabelValues(method).Inc()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		err = a.scrub(err)
		kind, wait, retry := classify(err)
		a.m.sendErrors.WithLabelValues(kind).Inc()
		if kind == kindTooMany {
			a.m.throttled.Inc()
		}
		if !retry {
			a.log.Warn("bot api request failed", "method", method, "kind", kind, "err", err)
			return &permanentError{kind: kind, err: err}
		}
		if attempts > 0 && n >= attempts {
			a.log.Warn("bot api request failed, giving up", "method", method, "kind", kind, "attempts", n, "err", err)
			return err
		}
		a.log.Info("bot api request failed, retrying", "method", method, "kind", kind, "attempt", n, "err", err)
		if wait == 0 {
			wait = backoff/2 + rand.N(backoff/2+1)
			backoff = min(2*backoff, a.opts.MaxBackoff)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// deliver sends replies into chat in order. It returns nil when every
// reply was sent or failed for good (the person blocked the bot, the text
// was refused); otherwise the error that stopped it (ctx done, token
// rejected), and the update must not be confirmed.
func (a *Adapter) deliver(ctx context.Context, chat int64, replies []dialogue.Reply) error {
	for _, r := range replies {
		err := a.sendReply(ctx, chat, r)
		var perm *permanentError
		switch {
		case err == nil:
		case errors.As(err, &perm) && perm.kind == kindForbidden:
			return nil // blocked by the person: nothing more can reach them
		case errors.As(err, &perm) && perm.kind != kindUnauthorized && perm.kind != kindNotFound:
			// This reply cannot be sent; the next ones may.
		default:
			return err
		}
	}
	return nil
}

// sendReply sends one reply: its text in messages of at most 4096
// characters, the buttons under the last one, and its document.
func (a *Adapter) sendReply(ctx context.Context, chat int64, r dialogue.Reply) error {
	markup := a.keyboard(r)
	if r.Document != nil && r.Choices == nil && utf8.RuneCountInString(r.Text) <= maxCaption {
		return a.sendDocument(ctx, chat, r.Text, r.Document)
	}
	parts := split(r.Text, maxMessage)
	for i, p := range parts {
		var m models.ReplyMarkup
		if i == len(parts)-1 && markup != nil {
			m = markup
		}
		err := a.do(ctx, chat, "sendMessage", true, 0, func(ctx context.Context) error {
			_, err := a.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: p, ReplyMarkup: m})
			return err
		})
		if err != nil {
			return err
		}
	}
	if r.Document != nil {
		return a.sendDocument(ctx, chat, "", r.Document)
	}
	return nil
}

func (a *Adapter) sendDocument(ctx context.Context, chat int64, caption string, d *dialogue.Document) error {
	return a.do(ctx, chat, "sendDocument", true, 0, func(ctx context.Context) error {
		_, err := a.api.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID:   chat,
			Document: &models.InputFileUpload{Filename: d.Name, Data: strings.NewReader(string(d.Data))},
			Caption:  caption,
		})
		return err
	})
}

// sendText sends a text of the adapter's own (no buttons).
func (a *Adapter) sendText(ctx context.Context, chat int64, text string) error {
	return a.sendReply(ctx, chat, dialogue.Reply{Text: text})
}

// keyboard returns the inline keyboard of r's choices, or nil. Buttons
// are put in rows of up to three when their labels are short, else one
// per row, in order.
func (a *Adapter) keyboard(r dialogue.Reply) *models.InlineKeyboardMarkup {
	if len(r.Choices) == 0 {
		return nil
	}
	var rows [][]models.InlineKeyboardButton
	var row []models.InlineKeyboardButton
	width := 0
	for _, c := range r.Choices {
		data, ok := a.cb.encode(r.Prompt, c.ID)
		if !ok {
			a.log.Error("choice id cannot be a button; left out", "prompt", r.Prompt, "choice_len", len(c.ID))
			continue
		}
		label := c.Label
		if label == "" {
			label = c.ID
		}
		w := utf8.RuneCountInString(label)
		if len(row) > 0 && (len(row) == 3 || width+w > 24 || w > 12) {
			rows, row, width = append(rows, row), nil, 0
		}
		row = append(row, models.InlineKeyboardButton{Text: label, CallbackData: data})
		width += w
		if w > 12 {
			rows, row, width = append(rows, row), nil, 0
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// split cuts s into pieces of at most n characters, at a paragraph, line
// or word break where there is one.
func split(s string, n int) []string {
	var out []string
	for utf8.RuneCountInString(s) > n {
		cut, count := len(s), 0
		for i := range s {
			if count == n {
				cut = i // s[:cut] holds n characters
				break
			}
			count++
		}
		head := s[:cut]
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				head = head[:i]
				break
			}
		}
		out = append(out, strings.TrimRight(head, " \n"))
		s = strings.TrimLeft(s[len(head):], " \n")
	}
	if s != "" || len(out) == 0 {
		out = append(out, s)
	}
	return out
}
