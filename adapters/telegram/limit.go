package telegram

import (
	"context"
	"sync"
	"time"
)

// bucket is a token bucket that may go into debt: a reservation takes a
// token now and says how long to wait until it was really there.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) reserve(now time.Time, rate float64, burst int) time.Duration {
	if b.last.IsZero() {
		b.tokens, b.last = float64(burst), now
	}
	b.tokens += now.Sub(b.last).Seconds() * rate
	if b.tokens > float64(burst) {
		b.tokens = float64(burst)
	}
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / rate * float64(time.Second))
}

// full reports whether the bucket has refilled completely by now.
func (b *bucket) full(now time.Time, rate float64, burst int) bool {
	return b.tokens+now.Sub(b.last).Seconds()*rate >= float64(burst)
}

// limiter keeps outgoing messages under a global and a per-chat rate. A
// rate <= 0 means no limit.
type limiter struct {
	globalRate, chatRate   float64
	globalBurst, chatBurst int

	mu     sync.Mutex
	global bucket
	chats  map[int64]*bucket
}

func newLimiter(globalRate float64, globalBurst int, chatRate float64, chatBurst int) *limiter {
	return &limiter{globalRate: globalRate, globalBurst: globalBurst, chatRate: chatRate, chatBurst: chatBurst, chats: map[int64]*bucket{}}
}

// wait blocks until chat may be sent one more message, or ctx is done.
// perChat false counts the request against the global rate only.
func (l *limiter) wait(ctx context.Context, chat int64, perChat bool) error {
	now := time.Now()
	var d time.Duration
	l.mu.Lock()
	if l.globalRate > 0 {
		d = l.global.reserve(now, l.globalRate, l.globalBurst)
	}
	if perChat && l.chatRate > 0 {
		b := l.chats[chat]
		if b == nil {
			if len(l.chats) >= 10000 {
				l.sweep(now)
			}
			b = &bucket{}
			l.chats[chat] = b
		}
		d = max(d, b.reserve(now, l.chatRate, l.chatBurst))
	}
	l.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	return sleep(ctx, d)
}

// sweep forgets the buckets of chats that have been quiet long enough to
// be full again; a new bucket starts full, so nothing changes for them.
func (l *limiter) sweep(now time.Time) {
	for id, b := range l.chats {
		if b.full(now, l.chatRate, l.chatBurst) {
			delete(l.chats, id)
		}
	}
}
