package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/proactief/proactief/redact"
)

func init() {
	register(command{name: "redact", summary: "redact personal data from text on stdin", run: runRedact})
}

// maxRedactLine bounds one input line, so a stream without newlines cannot
// take all memory.
const maxRedactLine = 16 << 20

// runRedact copies stdin to stdout line by line with personal data replaced
// by tags: one input line gives one output line. The output is normalised
// as redact.Text does: bytes that are not valid UTF-8, control characters
// and unusual spaces become spaces, zero-width characters are removed.
func runRedact(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "redact", "redact < in.txt > out.txt")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "proactief redact: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return redactLines(ctx, env.Stdin, env.Stdout)
}

// redactLines redacts r to w line by line. It flushes whenever no more input
// is buffered, so that it can sit in an interactive pipe.
func redactLines(ctx context.Context, r io.Reader, w io.Writer) error {
	in := bufio.NewReaderSize(r, 64<<10)
	out := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line = line[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = in.ReadSlice('\n')
			line = append(line, chunk...)
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
			if len(line) > maxRedactLine {
				return fmt.Errorf("line %d: longer than %d bytes", n, maxRedactLine)
			}
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("read line %d: %w", n, err)
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		text := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
		text = strings.ToValidUTF8(text, "\uFFFD")
		if _, werr := out.WriteString(redact.Text(text) + "\n"); werr != nil {
			return fmt.Errorf("write: %w", werr)
		}
		if err == io.EOF {
			break
		}
		if in.Buffered() == 0 {
			if err := out.Flush(); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
