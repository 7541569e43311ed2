package telegram_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/proactief/proactief/adapters/telegram"
	"github.com/proactief/proactief/adapters/telegram/fakeapi"
)

// TestFaultsUnderLoad holds 20 conversations at once, to the offer, while
// 429s, 500s, HTML 502s, dropped connections, slow answers and timeouts
// hit sendMessage, getUpdates, answerCallbackQuery and editMessageText. The faults are
// injected during the conversations (citizen i injects fault i at its third
// step). At the end every reply is in its chat exactly once and in order,
// every fault was carried out, and the adapter counted one failed request
// (and so one retry) per fault that fails a request: exactly as many
// errors as faults, and as many 429s as 429 faults.
func TestFaultsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	reg := prometheus.NewRegistry()
	// A request slower than this is a timeout (getUpdates: PollTimeout
	// more). Ample, so that on a loaded machine only the faults time out.
	const timeout = 5 * time.Second
	e := start(t, fakeNoLimits, telegram.Options{
		GlobalRate: -1, ChatRate: -1, Concurrency: 20, Registerer: reg,
		RequestTimeout: timeout,
	})
	faults := []fakeapi.Fault{
		{Method: "sendMessage", Kind: fakeapi.TooMany, RetryAfter: 1, Times: 2},
		{Method: "sendMessage", Kind: fakeapi.Internal, Times: 3},
		{Method: "sendMessage", Kind: fakeapi.BadGateway, Times: 3},
		{Method: "sendMessage", Kind: fakeapi.Drop, Times: 3},
		{Method: "sendMessage", Kind: fakeapi.Slow, Delay: 300 * time.Millisecond},
		{Method: "getUpdates", Kind: fakeapi.Internal},
		{Method: "getUpdates", Kind: fakeapi.BadGateway},
		{Method: "getUpdates", Kind: fakeapi.TooMany, RetryAfter: 1},
		{Method: "getUpdates", Kind: fakeapi.Drop},
		{Method: "answerCallbackQuery", Kind: fakeapi.Internal},
		{Method: "answerCallbackQuery", Kind: fakeapi.Drop},
		{Method: "editMessageText", Kind: fakeapi.BadGateway},
		{Method: "sendMessage", Kind: fakeapi.TooMany, RetryAfter: 1},
		{Method: "sendMessage", Kind: fakeapi.Internal, Times: 2},
		// Timeouts: the request hangs until the adapter gives up. (A
		// request carried out after the client gave up is DropAfter, in
		// TestFaults.)
		{Method: "getUpdates", Kind: fakeapi.Slow, Delay: time.Hour},
		{Method: "answerCallbackQuery", Kind: fakeapi.Slow, Delay: time.Hour},
	}
	const n = 20
	injected, failing, tooMany := 0, 0, 0
	for _, f := range faults {
		times := max(f.Times, 1)
		injected += times
		if f.Kind != fakeapi.Slow || f.Delay > timeout {
			failing += times // Slow ones beyond the timeouts time out
		}
		if f.Kind == fakeapi.TooMany {
			tooMany += times
		}
	}

	begin := time.Now()
	total := e.citizens(n, 8000, func(i int, u fakeapi.User) error {
		_, err := e.converseHook(u, func(step int) {
			if step == 3 && i < len(faults) {
				e.fake.Fail(faults[i])
			}
		})
		return err
	})
	st := e.fake.Stats()
	if st.Faults != injected {
		t.Fatalf("faults carried out = %d, want %d", st.Faults, injected)
	}
	if st.TooManyRequests != 0 {
		t.Fatalf("fake rate limit hit %d times", st.TooManyRequests)
	}
	if got := counterValue(t, reg, "proactief_telegram_send_errors_total"); got != float64(failing) {
		t.Fatalf("failed requests counted = %v, want %d (one per fault)", got, failing)
	}
	if got := counterValue(t, reg, "proactief_telegram_too_many_requests_total"); got != float64(tooMany) {
		t.Fatalf("429s counted = %v, want %d", got, tooMany)
	}
	if got := counterValue(t, reg, "proactief_telegram_duplicates_total"); got != 0 {
		t.Fatalf("duplicates = %v, want 0 (nothing was redelivered)", got)
	}
	t.Logf("%d citizens, %d messages, %d faults in %v", n, total, injected, time.Since(begin).Round(time.Millisecond))
}

// converseHook is converse with a call before each step's button press.
func (e *env) converseHook(u fakeapi.User, hook func(step int)) (steps int, err error) {
	ctx := e.ctx()
	id := e.fake.Text(u, "/start")
	for steps = 1; steps < 60; steps++ {
		if err := e.fake.WaitConfirmed(ctx, id); err != nil {
			return steps, fmt.Errorf("update %d: %w", id, err)
		}
		m, ok := lastKeyboard(e.fake.BotMessages(u.ID))
		if !ok {
			return steps, fmt.Errorf("no question with buttons after step %d", steps)
		}
		hook(steps)
		b := pick(m, int(u.ID)+steps)
		if id, err = e.fake.Press(u, m.ID, b.Text); err != nil {
			return steps, err
		}
		if len(b.Data) > 6 && b.Data[:6] == "offer|" {
			return steps + 1, e.fake.WaitConfirmed(ctx, id)
		}
	}
	return steps, fmt.Errorf("no offer after 60 steps")
}
