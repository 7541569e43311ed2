// Package terminal is the chat channel on a terminal or a pipe: each input
// line is one message, replies are printed with numbered choices that can be
// answered by number or by text.
package terminal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// MaxLine is the longest input line read; the rest of a longer line is
// dropped (the engine says it cut the message).
const MaxLine = 64 << 10

// Options configure a Chat. The zero value works.
type Options struct {
	// Interactive prints a prompt before each line (a terminal, not a pipe).
	Interactive bool
	// Trace receives one JSON object per bot turn; nil means none.
	Trace io.Writer
	// Lang is the language hint ("nl" or "en").
	Lang string
	// Unavailable gives the text shown when a message could not be
	// committed (bot.ErrUnavailable); nil means Run returns that error.
	Unavailable func(lang string) string
}

// Chat is one person's conversation on a terminal.
type Chat struct {
	h      bot.Handler
	user   string
	in     io.Reader
	out    io.Writer
	opts   Options
	last   []dialogue.Choice
	prompt string
	seq    int
}

// New returns a chat for user reading in and writing out.
func New(h bot.Handler, user string, in io.Reader, out io.Writer, opts Options) *Chat {
	return &Chat{h: h, user: user, in: in, out: out, opts: opts}
}

// Run chats until end of input or until ctx is cancelled; both return nil.
// It starts (or resumes) the conversation with /start before the first line.
func (c *Chat) Run(ctx context.Context) error {
	if err := c.send(ctx, bot.Inbound{Text: "/start"}); err != nil {
		return err
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		r := bufio.NewReaderSize(c.in, 4096)
		for {
			line, err := readLine(r)
			if line != "" || err == nil {
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	for {
		if c.opts.Interactive {
			fmt.Fprint(c.out, "> ")
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read input: %w", err)
		case line := <-lines:
			if err := c.send(ctx, c.inbound(line)); err != nil {
				return err
			}
		}
	}
}

// readLine reads one line of at most MaxLine bytes and drops the rest.
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(b) < MaxLine {
			room := MaxLine - len(b)
			if len(chunk) > room {
				chunk = chunk[:room]
			}
			b = append(b, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return strings.TrimRight(string(b), "\r\n"), err
	}
}

// inbound turns a line into a message: a number or a label picks a choice
// of the last question. The line stays as typed text, so that a typed "2"
// is never recorded as a button press.
func (c *Chat) inbound(line string) bot.Inbound {
	in := bot.Inbound{Text: line}
	trimmed := strings.TrimSpace(line)
	if n, err := strconv.Atoi(strings.TrimSuffix(trimmed, ".")); err == nil && n >= 1 && n <= len(c.last) {
		return bot.Inbound{Text: line, Choice: c.last[n-1].ID, Prompt: c.prompt}
	}
	for _, ch := range c.last {
		if trimmed != "" && strings.EqualFold(trimmed, ch.Label) {
			return bot.Inbound{Text: line, Choice: ch.ID, Prompt: c.prompt}
		}
	}
	return in
}

func (c *Chat) send(ctx context.Context, in bot.Inbound) error {
	c.seq++
	in.Channel = bot.Terminal
	in.UserID = c.user
	in.Lang = c.opts.Lang
	res, err := c.h.Handle(ctx, in)
	if err != nil {
		if errors.Is(err, bot.ErrUnavailable) && c.opts.Unavailable != nil {
			fmt.Fprintln(c.out, c.opts.Unavailable(c.opts.Lang))
			return nil
		}
		return err
	}
	c.print(res.Replies)
	if c.opts.Trace != nil {
		_ = json.NewEncoder(c.opts.Trace).Encode(res.Trace)
	}
	return nil
}

func (c *Chat) print(replies []dialogue.Reply) {
	c.last, c.prompt = nil, ""
	for _, r := range replies {
		if r.Text != "" {
			fmt.Fprintln(c.out, r.Text)
		}
		// A terminal has no files: the reply's text already lists what a
		// Document would hold, so the document is left out.
		if len(r.Choices) > 0 {
			c.last, c.prompt = r.Choices, r.Prompt
			for i, ch := range r.Choices {
				// A label that already starts with its number ("1
				// Helemaal oneens") is not numbered twice.
				fmt.Fprintf(c.out, "  %d. %s\n", i+1, strings.TrimPrefix(ch.Label, strconv.Itoa(i+1)+" "))
			}
		}
		fmt.Fprintln(c.out)
	}
}
