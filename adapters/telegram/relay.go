package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

var _ bot.Courier = (*Adapter)(nil)

// deliverTimeout bounds one Deliver: a chat that cannot be reached for
// this long is tried again later by the drainer (bot.Service.Drain),
// after the conversation's earlier messages, never before them.
const deliverTimeout = 2 * time.Minute

// Deliver implements bot.Courier: it sends replies that nobody asked for
// yet (a worker's message relayed from the desk) into the chat address, a
// Telegram chat id. They count against the same per-chat and global
// limits as every other message.
//
// Telegram has no idempotency key: when Deliver fails after some replies
// were sent, or the process dies after a send and before the drainer
// records it, those replies are sent again (at least once). A chat that
// blocked the bot, or that Telegram refuses, gives an error wrapping
// bot.ErrUndeliverable.
func (a *Adapter) Deliver(ctx context.Context, address string, replies []dialogue.Reply) error {
	chat, err := strconv.ParseInt(address, 10, 64)
	if err != nil || chat == 0 {
		return bot.Undeliverable("bad_address")
	}
	if a.api == nil {
		return errors.New("telegram: adapter not ready")
	}
	ctx, cancel := context.WithTimeout(ctx, deliverTimeout)
	defer cancel()
	for _, r := range replies {
		err := a.sendReply(ctx, chat, r)
		var perm *permanentError
		switch {
		case err == nil:
			a.m.relayed.Inc()
		case errors.As(err, &perm) && perm.kind == kindForbidden:
			return bot.Undeliverable("blocked")
		case errors.As(err, &perm) && (perm.kind == kindBadRequest || perm.kind == kindNotFound):
			return bot.Undeliverable("refused")
		default:
			return fmt.Errorf("telegram deliver: %w", a.scrub(err))
		}
	}
	return nil
}

// fileOf returns the photo or document of msg for the handover, without
// downloading it: bot.Service fetches it only when it goes to a worker.
// A photo is its largest size; Telegram sends photos as JPEG.
func (a *Adapter) fileOf(msg *models.Message) *bot.InboundFile {
	var id, name, mime string
	var size int64
	switch {
	case len(msg.Photo) > 0:
		p := msg.Photo[0]
		for _, s := range msg.Photo[1:] {
			if s.Width*s.Height > p.Width*p.Height {
				p = s
			}
		}
		id, size, name, mime = p.FileID, int64(p.FileSize), "foto.jpg", "image/jpeg"
	case msg.Document != nil:
		d := msg.Document
		id, size, name, mime = d.FileID, d.FileSize, d.FileName, d.MimeType
		if name == "" {
			name = "document"
		}
	default:
		return nil
	}
	if id == "" {
		return nil
	}
	return &bot.InboundFile{Name: name, MIME: mime, Size: int(size), Caption: msg.Caption, Fetch: func(ctx context.Context) ([]byte, error) {
		return a.download(ctx, id)
	}}
}

// maxDownload is the most the adapter downloads of one file; Telegram
// serves bots files up to 20 MB.
const maxDownload = 20 << 20

// download fetches a file the person sent: getFile for its path, then
// the file itself. Both count against the global rate only.
func (a *Adapter) download(ctx context.Context, fileID string) ([]byte, error) {
	var f *models.File
	err := a.do(ctx, 0, "getFile", false, 3, func(ctx context.Context) (err error) {
		f, err = a.api.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("telegram getFile: %w", a.scrub(err))
	}
	if f.FilePath == "" {
		return nil, errors.New("telegram getFile: no file path")
	}
	var data []byte
	err = a.do(ctx, 0, "downloadFile", false, 3, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.api.FileDownloadLink(f), nil)
		if err != nil {
			return err
		}
		resp, err := a.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return &permanentError{kind: kindNotFound, err: fmt.Errorf("file download answered %d", resp.StatusCode)}
		}
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
		if err == nil && len(data) > maxDownload {
			return &permanentError{kind: kindBadRequest, err: errors.New("file too large")}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("telegram download: %w", a.scrub(err))
	}
	return data, nil
}
