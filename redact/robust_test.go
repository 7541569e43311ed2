package redact

import (
	"runtime"
	"strings"
	"testing"
)

// TestHidden: characters that hide personal data from the rules are
// normalised away in the redacted copy.
func TestHidden(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ik heet\u00a0Jan Jansen", "ik heet [NAAM]"},
		{"ik heet\u200bJan", "ik heet [NAAM]"},
		{"ik heet Ja\u200bn", "ik heet [NAAM]"},
		{"ik heet \u200bJan", "ik heet [NAAM]"},
		{"ik heet\x00Jan", "ik heet [NAAM]"},
		{"ik heet\xffJan", "ik heet [NAAM]"},
		{"ik heet\uFFFDJan", "ik heet [NAAM]"},
		{"bsn 123\u200b456\u200b782", "bsn [BSN]"},
		{"bsn 1234\x0056782", "bsn [BSN]"},
		{"bsn 123\xff456782", "bsn [BSN]"},
		{"bsn 123\u00a0456\u00a0782", "bsn [BSN]"},
		{"mijn bsn is 12345\u00ad6782", "mijn bsn is [BSN]"},
		{"bel 06\u202f12345678", "bel [TELEFOON]"},
		{"ik heet\u2003Sanne\u200d", "ik heet [NAAM]"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFindHidden: Find reports offsets into the text as typed, also when
// normalising changed it.
func TestFindHidden(t *testing.T) {
	s := "ik heet\u00a0Jan en bsn 123\u200b456782."
	spans := Find(s)
	if len(spans) != 2 {
		t.Fatalf("Find(%q) = %v, want 2 spans", s, spans)
	}
	if got := s[spans[0].Start:spans[0].End]; got != "Jan" || spans[0].Tag != TagNaam {
		t.Errorf("span 0 = %q %s, want \"Jan\" NAAM", got, spans[0].Tag)
	}
	if got := s[spans[1].Start:spans[1].End]; got != "123\u200b456782" || spans[1].Tag != TagBSN {
		t.Errorf("span 1 = %q %s, want the BSN", got, spans[1].Tag)
	}
}

func TestNormalizeKeepsPlainText(t *testing.T) {
	for _, s := range []string{"", "hoi", "Café Noël\nregel 2", "ik heb € 450 schuld"} {
		if got := Normalize(s); got != s {
			t.Errorf("Normalize(%q) = %q, want it unchanged", s, got)
		}
	}
}

// TestLongLineMemory: one 16 MB line of words is redacted with memory in
// proportion to the line (it took 1.5 GB before chunking). The bound is
// on bytes allocated in all, which also bounds the peak.
func TestLongLineMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MB line")
	}
	unit := "Jan de Vries woont op spui 10 in den haag en belt 0612345678 over 450 euro. "
	line := strings.Repeat(unit, (16<<20)/len(unit))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out := Text(line)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	if alloc > 16*uint64(len(line)) {
		t.Errorf("Text of a %d-byte line allocated %d MB, want at most %d MB", len(line), alloc>>20, 16*len(line)>>20)
	}
	if strings.Contains(out, "Jan de Vries") || strings.Contains(out, "0612345678") {
		t.Errorf("long line not redacted")
	}
	if !strings.Contains(out, "450 euro") {
		t.Errorf("long line lost its amounts")
	}
	t.Logf("16 MB line: %d MB allocated in all", alloc>>20)
}

// BenchmarkChat measures throughput over the chat corpus, one message at
// a time; the issue asks for at least 50,000 messages a second.
func BenchmarkChat(b *testing.B) {
	corpus := loadTSV(b, "testdata/chat.tsv")
	Text("warm up the word lists")
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		Text(corpus[n%len(corpus)].input)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}
