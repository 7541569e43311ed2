package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// maxBatch is the most updates asked for at once (Telegram's limit).
const maxBatch = 100

// tracker keeps the updates received and not yet confirmed to Telegram.
// An update is confirmed by asking for updates from an offset past it, and
// the offset only moves past update N once every update up to N is done:
// handled, committed and answered.
type tracker struct {
	m        *metrics
	mu       sync.Mutex
	acked    int64          // every update <= acked is confirmed
	max      int64          // highest update received
	pending  map[int64]bool // received, not yet confirmed: done?
	progress chan struct{}  // closed when an update is done
}

func newTracker(m *metrics) *tracker {
	return &tracker{m: m, pending: map[int64]bool{}, progress: make(chan struct{})}
}

// add records update id as received; false means it is already in hand or
// confirmed (Telegram sends unconfirmed updates again with every batch).
func (t *tracker) add(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.pending[id]; ok || id <= t.acked {
		return false
	}
	t.pending[id] = false
	t.max = max(t.max, id)
	t.m.unacked.Set(float64(len(t.pending)))
	return true
}

// done marks update id as finished; it may be confirmed once every update
// before it is finished too.
func (t *tracker) done(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.pending[id]; ok {
		t.pending[id] = true
	}
	close(t.progress)
	t.progress = make(chan struct{})
}

// wait returns a channel closed at the next done.
func (t *tracker) wait() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.progress
}

// offset returns the offset to ask for updates from: one past the highest
// update before which everything is done, or 0 when nothing was received.
func (t *tracker) offset() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	mark := t.max
	for id, done := range t.pending {
		if !done && id-1 < mark {
			mark = id - 1
		}
	}
	mark = max(mark, t.acked)
	if mark == 0 {
		return 0
	}
	return mark + 1
}

// confirmed records that Telegram accepted a request with offset: the
// updates before it are gone for good.
func (t *tracker) confirmed(offset int64) {
	if offset <= 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for id := range t.pending {
		if id < offset {
			delete(t.pending, id)
		}
	}
	t.acked = max(t.acked, offset-1)
	t.m.unacked.Set(float64(len(t.pending)))
}

// unconfirmed reports whether some finished update is not yet confirmed.
func (t *tracker) unconfirmed(offset int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return offset-1 > t.acked
}

// poll receives updates until ctx is done. The library's own polling is
// not used: it confirms updates before they are handled.
func (a *Adapter) poll(ctx context.Context) {
	backoff := a.opts.MinBackoff
	for ctx.Err() == nil {
		progress := a.track.wait()
		offset := a.track.offset()
		raws, err := a.getUpdates(ctx, offset, int(a.opts.PollTimeout/time.Second), maxBatch)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			a.ready.Store(false)
			kind, wait, _ := classify(err)
			a.m.sendErrors.WithLabelValues(kind).Inc()
			if kind == kindTooMany {
				a.m.throttled.Inc()
			}
			a.log.Warn("getUpdates failed", "kind", kind, "err", err)
			if wait == 0 {
				wait = backoff
				backoff = min(2*backoff, a.opts.MaxBackoff)
			}
			_ = sleep(ctx, wait)
			continue
		}
		backoff = a.opts.MinBackoff
		a.ready.Store(true)
		a.track.confirmed(offset)
		fresh := 0
		for _, raw := range raws {
			upd, errDecode := decodeUpdate(raw)
			if upd.ID == 0 {
				a.log.Error("update without update_id ignored")
				continue
			}
			if !a.track.add(upd.ID) {
				continue
			}
			fresh++
			if errDecode != nil {
				a.log.Error("undecodable update skipped", "update", upd.ID, "err", errDecode)
				a.m.received.WithLabelValues("other").Inc()
				a.m.handled.WithLabelValues("ignored").Inc()
				a.track.done(upd.ID)
				continue
			}
			if !a.dispatch(&item{upd: upd, received: time.Now()}) {
				return // shutting down
			}
		}
		if fresh == 0 && len(raws) > 0 {
			// Everything Telegram sent is in hand already: ask again when
			// one finishes, so that its confirmation goes out at once.
			t := time.NewTimer(500 * time.Millisecond)
			select {
			case <-ctx.Done():
			case <-progress:
			case <-t.C:
			}
			t.Stop()
		}
	}
}

// confirm tells Telegram, at shutdown, about the updates finished since
// the last request.
func (a *Adapter) confirm() {
	offset := a.track.offset()
	if offset == 0 || !a.track.unconfirmed(offset) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestTimeout)
	defer cancel()
	if _, err := a.getUpdates(ctx, offset, 0, 1); err != nil {
		a.log.Warn("could not confirm the last updates; they will be redelivered and answered again", "err", err)
		return
	}
	a.track.confirmed(offset)
}

// decodeUpdate decodes one update; on failure it still reads update_id
// where it can, so the offset can move past it.
func decodeUpdate(raw json.RawMessage) (*models.Update, error) {
	upd := &models.Update{}
	if err := json.Unmarshal(raw, upd); err != nil {
		var head struct {
			ID int64 `json:"update_id"`
		}
		_ = json.Unmarshal(raw, &head)
		return &models.Update{ID: head.ID}, err
	}
	return upd, nil
}

// getUpdates asks the Bot API for updates from offset (confirming those
// before it), waiting up to timeout seconds for one. The library has no
// public call for it, so it is a plain request to the same server through
// the same client; errors are the library's error types.
func (a *Adapter) getUpdates(ctx context.Context, offset int64, timeout, limit int) ([]json.RawMessage, error) {
	params := struct {
		Offset         int64    `json:"offset,omitempty"`
		Limit          int      `json:"limit,omitempty"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates"`
	}{offset, limit, timeout, allowedUpdates}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(timeout)*time.Second+a.opts.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.opts.APIURL+"/bot"+a.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, a.scrub(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, a.scrub(fmt.Errorf("getUpdates: %w", err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, a.scrub(fmt.Errorf("getUpdates: read: %w", err))
	}
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("getUpdates: decode answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if !r.OK {
		switch r.ErrorCode {
		case http.StatusTooManyRequests:
			return nil, &tgbot.TooManyRequestsError{Message: r.Description, RetryAfter: r.Parameters.RetryAfter}
		case http.StatusUnauthorized:
			return nil, fmt.Errorf("getUpdates: %w, %s", tgbot.ErrorUnauthorized, r.Description)
		case http.StatusConflict:
			return nil, fmt.Errorf("getUpdates: %w, %s", tgbot.ErrorConflict, r.Description)
		case http.StatusNotFound:
			return nil, fmt.Errorf("getUpdates: %w, %s", tgbot.ErrorNotFound, r.Description)
		case http.StatusBadRequest:
			return nil, fmt.Errorf("getUpdates: %w, %s", tgbot.ErrorBadRequest, r.Description)
		}
		return nil, fmt.Errorf("getUpdates: error %d, %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}
