package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proactief/proactief/adapters/telegram/fakeapi"
	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// fuzzHandler is a fake bot.Handler: it checks what the adapter passes on
// and answers with a question with buttons, as the engine does.
type fuzzHandler struct {
	t   *testing.T
	raw []byte
	n   int
}

func (h *fuzzHandler) Handle(_ context.Context, in bot.Inbound) (bot.Result, error) {
	h.n++
	if in.Channel != bot.Telegram {
		h.t.Fatalf("Channel = %q, want %q", in.Channel, bot.Telegram)
	}
	if _, err := strconv.ParseInt(in.UserID, 10, 64); err != nil {
		h.t.Fatalf("UserID = %q, want a number", in.UserID)
	}
	if !strings.HasPrefix(in.MessageID, "tg:") {
		h.t.Fatalf("MessageID = %q, want tg:<update_id>", in.MessageID)
	}
	// Nothing passed on is bigger than what came in.
	if n := len(in.Text) + len(in.Choice) + len(in.Prompt) + len(in.Source); n > len(h.raw) {
		h.t.Fatalf("inbound of %d bytes from an update of %d", n, len(h.raw))
	}
	if in.NonText && (in.Text != "" || in.Choice != "") {
		h.t.Fatalf("NonText inbound with content: %+v", in)
	}
	if in.Lang != "" && in.Lang != "nl" && in.Lang != "en" {
		h.t.Fatalf("Lang = %q", in.Lang)
	}
	return bot.Result{Replies: []dialogue.Reply{
		{Text: "Dank je."},
		{Text: "Klopt dat?", Prompt: "q:test", Choices: []dialogue.Choice{{ID: "1", Label: "Nee"}, {ID: "5", Label: "Ja"}}},
	}}, nil
}

// FuzzUpdate runs arbitrary update JSON through the adapter as getUpdates
// and the webhook hand it over (decodeUpdate, route, process), with a fake
// handler and the fake Bot API: no panic (process recovers panics of the
// handler, not of the adapter: a recovered panic fails the test), nothing
// passed on bigger than the update, and the adapter's memory of chats and
// taps bounded.
//
// Run: go test ./adapters/telegram -run '^$' -fuzz FuzzUpdate -fuzztime 60s
func FuzzUpdate(f *testing.F) {
	for _, s := range []string{
		`{"update_id":1,"message":{"message_id":1,"date":1764000000,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Eva","language_code":"nl"},"text":"/start campagne_2026"}}`,
		`{"update_id":2,"message":{"message_id":2,"date":1764000001,"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Eva","language_code":"en-GB"},"text":"ik weet het niet\u202e\u200b","entities":[{"type":"bold","offset":0,"length":2}]}}`,
		`{"update_id":3,"message":{"message_id":3,"date":1764000002,"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Eva"},"sticker":{"file_id":"x","file_unique_id":"y","type":"regular","width":512,"height":512,"is_animated":false,"is_video":false}}}`,
		`{"update_id":4,"message":{"message_id":4,"date":1764000003,"chat":{"id":-100123,"type":"supergroup","title":"Buurt"},"from":{"id":43,"first_name":"Piet"},"text":"hoi"}}`,
		`{"update_id":5,"callback_query":{"id":"q5","from":{"id":42,"first_name":"Eva","language_code":"nl"},"chat_instance":"c","data":"q:test|5","message":{"message_id":7,"date":1764000004,"chat":{"id":42,"type":"private"},"text":"Klopt dat?","reply_markup":{"inline_keyboard":[[{"text":"Nee","callback_data":"q:test|1"},{"text":"Ja","callback_data":"q:test|5"}]]}}}}`,
		`{"update_id":6,"callback_query":{"id":"q6","from":{"id":42,"first_name":"Eva"},"chat_instance":"c","data":"forged|data|x","message":{"message_id":0,"date":0,"chat":{"id":42,"type":"private"}}}}`,
		`{"update_id":7,"callback_query":{"id":"q7","from":{"id":42,"first_name":"Eva"},"chat_instance":"c","data":"consent_keep|yes"}}`,
		`{"update_id":8,"edited_message":{"message_id":1,"date":1764000000,"chat":{"id":42,"type":"private"},"text":"x"}}`,
		`{"update_id":9,"message":{"message_id":9,"date":-1,"chat":{"id":0,"type":"private"},"text":"/start@proactief_bot a b c"}}`,
		`{"update_id":10,"message":{"message_id":10,"date":1764000000,"chat":{"id":9223372036854775807,"type":"private"},"from":{"id":-9223372036854775808},"text":""}}`,
		`{"update_id":11,"message":{"chat":{"id":42,"type":"private"},"text":"\xff\xfe"}}`,
		`{"update_id":12}`, `{}`, `null`, `[]`, `{"update_id":"x"}`, `{"update_id":1e30}`,
	} {
		f.Add([]byte(s))
	}
	fake := fakeapi.New(fakeapi.Options{GlobalRate: -1, ChatRate: -1})
	f.Cleanup(fake.Close)
	h := &fuzzHandler{}
	var logs lockedBuffer
	a, err := New(fake.Token, h, Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		APIURL: fake.URL, GlobalRate: -1, ChatRate: -1,
		RequestTimeout: 2 * time.Second, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		h.t, h.raw = t, raw
		upd, err := decodeUpdate(json.RawMessage(raw))
		if upd == nil {
			t.Fatalf("decodeUpdate returned nil (err %v)", err)
		}
		if err != nil || upd.ID == 0 {
			return // poll logs and skips these
		}
		if chat, kind, ok := route(upd); ok && kind == "" {
			t.Fatalf("route(%s) = %d, %q", raw, chat, kind)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		logs.Reset()
		a.process(ctx, &item{upd: upd, received: time.Now()})
		if l := logs.String(); strings.Contains(l, "panic") {
			t.Fatalf("the adapter panicked on %s:\n%s", raw, l)
		}
		a.mu.Lock()
		n := len(a.told) + len(a.tapped) + len(a.apologised)
		a.mu.Unlock()
		if n > 3*100000 {
			t.Fatalf("adapter remembers %d entries", n)
		}
		a.cb.mu.Lock()
		m := len(a.cb.hashed)
		a.cb.mu.Unlock()
		if m > 10000 {
			t.Fatalf("callback memory holds %d prompts", m)
		}
	})
}

// lockedBuffer is a bytes.Buffer safe for the adapter's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}
