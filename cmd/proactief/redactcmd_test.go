package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRedactCommand(t *testing.T) {
	in := "mijn bsn is 123456782\r\nHoi, ik heb een vraag\n\nbel 06-12345678 \xff\xfe\nmvg Kees Jansen"
	// invalid bytes, like other characters that could hide data, become spaces
	want := "mijn bsn is [BSN]\nHoi, ik heb een vraag\n\nbel [TELEFOON]  \nmvg [NAAM]\n"
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(in), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if err := run(context.Background(), env, []string{"redact"}); err != nil {
		t.Fatalf("run redact: %v (stderr %q)", err, stderr.String())
	}
	if got := stdout.String(); got != want {
		t.Fatalf("stdout = %q, want %q", got, want)
	}
}

func TestRedactLongLine(t *testing.T) {
	long := strings.Repeat("ik heb een vraag over 450 euro ", 40000) // about 1.2 MiB
	in := long + "bsn 123456782\nvolgende regel\n"
	var out bytes.Buffer
	if err := redactLines(context.Background(), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2", len(lines))
	}
	if !strings.HasSuffix(lines[0], "bsn [BSN]") || len(lines[0]) != len(long)+len("bsn [BSN]") {
		t.Fatalf("long line redacted wrongly: ends %q, length %d", lines[0][len(lines[0])-20:], len(lines[0]))
	}
	if lines[1] != "volgende regel" {
		t.Fatalf("line 2 = %q", lines[1])
	}
}

func TestRedactArgs(t *testing.T) {
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if err := run(context.Background(), env, []string{"redact", "extra"}); err == nil {
		t.Fatal("run redact extra: no error")
	}
}
