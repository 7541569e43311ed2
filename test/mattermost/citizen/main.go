// Command citizen runs the repository's fake Telegram Bot API
// (adapters/telegram/fakeapi) as a process, for test/mattermost/run.sh:
// proactief talks to it as to Telegram, and the script plays a citizen
// through a small HTTP interface on loopback. It prints two lines,
// "api <url>" (for TELEGRAM_API_URL) and "control <url>", and serves
// until it is killed.
//
// Control interface (all answers are JSON):
//
//	POST /say?user=ID&text=T        a text message from the citizen
//	POST /photo?user=ID             a photo (a small JPEG-like payload)
//	POST /press?user=ID&label=L     press the button labelled L on the
//	                                newest bot message that has it
//	GET  /messages?user=ID          the bot's messages in the chat:
//	                                [{"id","text","buttons":[...]}]
//
// It is a test tool: it keeps everything in memory and checks nothing.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/proactief/proactief/adapters/telegram/fakeapi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "citizen:", err)
		os.Exit(1)
	}
}

func run() error {
	api := fakeapi.New(fakeapi.Options{})
	defer api.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("api %s\ncontrol http://%s\n", api.URL, ln.Addr())
	return http.Serve(ln, handler(api))
}

func handler(api *fakeapi.Server) http.Handler {
	user := func(r *http.Request) (fakeapi.User, bool) {
		id, err := strconv.ParseInt(r.URL.Query().Get("user"), 10, 64)
		return fakeapi.User{ID: id, FirstName: "Inwoner", LanguageCode: "nl"}, err == nil && id > 0
	}
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /say", func(w http.ResponseWriter, r *http.Request) {
		u, ok := user(r)
		if !ok || r.URL.Query().Get("text") == "" {
			http.Error(w, "user and text needed", http.StatusBadRequest)
			return
		}
		reply(w, map[string]int64{"update": api.Text(u, r.URL.Query().Get("text"))})
	})
	mux.HandleFunc("POST /photo", func(w http.ResponseWriter, r *http.Request) {
		u, ok := user(r)
		if !ok {
			http.Error(w, "user needed", http.StatusBadRequest)
			return
		}
		thumb := []byte("\xff\xd8\xff\xe0 thumbnail")
		photo := append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 20000)...)
		reply(w, map[string]int64{"update": api.Photo(u, thumb, photo)})
	})
	mux.HandleFunc("POST /press", func(w http.ResponseWriter, r *http.Request) {
		u, ok := user(r)
		label := r.URL.Query().Get("label")
		if !ok || label == "" {
			http.Error(w, "user and label needed", http.StatusBadRequest)
			return
		}
		msgs := api.BotMessages(u.ID)
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, row := range msgs[i].Keyboard {
				for _, b := range row {
					if b.Text == label {
						id, err := api.Press(u, msgs[i].ID, label)
						if err != nil {
							http.Error(w, err.Error(), http.StatusConflict)
							return
						}
						reply(w, map[string]int64{"update": id})
						return
					}
				}
			}
		}
		http.Error(w, "no such button", http.StatusNotFound)
	})
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		u, ok := user(r)
		if !ok {
			http.Error(w, "user needed", http.StatusBadRequest)
			return
		}
		type msg struct {
			ID      int      `json:"id"`
			Text    string   `json:"text"`
			Buttons []string `json:"buttons"`
		}
		out := []msg{}
		for _, m := range api.BotMessages(u.ID) {
			x := msg{ID: m.ID, Text: m.Text, Buttons: []string{}}
			for _, row := range m.Keyboard {
				for _, b := range row {
					x.Buttons = append(x.Buttons, b.Text)
				}
			}
			out = append(out, x)
		}
		reply(w, out)
	})
	return mux
}
