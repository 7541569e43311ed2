package telegram

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCallbackRoundTrip(t *testing.T) {
	c := newCallbacks()
	long := "q:" + strings.Repeat("x", 80)
	for _, tc := range []struct{ prompt, choice string }{
		{"consent_keep", "yes"}, {"q:privacy_nodig", "3"}, {"offer", "offer_link"}, {"erase", "no"}, {"privacy", "keep_off"}, {"", "skip"}, {long, "5"},
	} {
		data, ok := c.encode(tc.prompt, tc.choice)
		if !ok || len(data) > MaxCallbackData {
			t.Fatalf("encode(%q, %q) = %q, %v", tc.prompt, tc.choice, data, ok)
		}
		p, ch, ok := c.decode(data)
		if !ok || p != tc.prompt || ch != tc.choice {
			t.Fatalf("decode(%q) = %q, %q, %v; want %q, %q", data, p, ch, ok, tc.prompt, tc.choice)
		}
	}
	// After a restart a hashed prompt is unknown: passed on, never a match.
	data, _ := c.encode(long, "5")
	p, _, ok := newCallbacks().decode(data)
	if !ok || p == long || p == "" {
		t.Fatalf("hashed prompt after restart = %q, %v; want the hash itself", p, ok)
	}
	if _, ok := c.encode("offer", strings.Repeat("x", 40)); ok {
		t.Fatal("a too long choice was encoded")
	}
}

func TestCommand(t *testing.T) {
	for _, tc := range []struct{ in, text, source string }{
		{"/start", "/start", ""},
		{"/start abc_1", "/start abc_1", "abc_1"},
		{"/start@proactief_bot flyer", "/start flyer", "flyer"},
		{"/gegevens", "/gegevens", ""},
		{"ja", "ja", ""},
	} {
		text, source := command(tc.in)
		if text != tc.text || source != tc.source {
			t.Fatalf("command(%q) = %q, %q; want %q, %q", tc.in, text, source, tc.text, tc.source)
		}
	}
}

func TestSplit(t *testing.T) {
	s := strings.Repeat("woord ", 2000) + strings.Repeat("é", 5000)
	parts := split(s, maxMessage)
	total := 0
	for _, p := range parts {
		n := utf8.RuneCountInString(p)
		if n > maxMessage || n == 0 {
			t.Fatalf("part of %d characters", n)
		}
		total += n
	}
	if total < utf8.RuneCountInString(s)-len(parts)*2 {
		t.Fatalf("split lost text: %d of %d", total, utf8.RuneCountInString(s))
	}
	if got := split("kort", maxMessage); len(got) != 1 || got[0] != "kort" {
		t.Fatalf("split(kort) = %q", got)
	}
}

func TestTracker(t *testing.T) {
	m, _ := newMetrics(nil)
	tr := newTracker(m)
	if tr.offset() != 0 {
		t.Fatalf("offset before anything = %d, want 0", tr.offset())
	}
	for _, id := range []int64{10, 11, 12} {
		if !tr.add(id) {
			t.Fatalf("add(%d) = false", id)
		}
	}
	if tr.add(11) {
		t.Fatal("add of an update in hand = true")
	}
	tr.done(11)
	tr.done(12)
	if got := tr.offset(); got != 10 {
		t.Fatalf("offset with 10 in flight = %d, want 10", got)
	}
	tr.done(10)
	if got := tr.offset(); got != 13 {
		t.Fatalf("offset with all done = %d, want 13", got)
	}
	tr.confirmed(13)
	if tr.add(12) {
		t.Fatal("add of a confirmed update = true")
	}
}
