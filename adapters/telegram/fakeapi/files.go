package fakeapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Files a person sends: the server keeps their bytes and serves them as
// the Bot API does, through getFile (which returns a file_path) and a GET
// of /file/bot<TOKEN>/<file_path>. A bot may download files of up to 20
// MB; getFile refuses bigger ones.

// maxBotFile is the largest file the Bot API lets a bot download.
const maxBotFile = 20 << 20

type file struct {
	id, unique, path string
	data             []byte
}

// addFile keeps data and returns its file; s.mu is held.
func (s *Server) addFile(kind, ext string, data []byte) *file {
	if s.files == nil {
		s.files = map[string]*file{}
	}
	n := len(s.files) + 1
	f := &file{
		id:     fmt.Sprintf("BQACAgQAAxkB%s%06d", strings.ToUpper(kind[:2]), n),
		unique: fmt.Sprintf("AgAD%s%04d", kind[:2], n),
		path:   fmt.Sprintf("%s/file_%d.%s", kind, n, ext),
		data:   append([]byte(nil), data...),
	}
	s.files[f.id] = f
	return f
}

// Photo puts a photo from u into u's private chat, as the Telegram app
// sends one: in several sizes, each its own file (a 90-pixel thumbnail of
// thumb, and data as the largest). It returns the update id.
func (s *Server) Photo(u User, thumb, data []byte) int64 {
	s.mu.Lock()
	small := s.addFile("photos", "jpg", thumb)
	large := s.addFile("photos", "jpg", data)
	s.mu.Unlock()
	return s.message(u.ID, "private", u, map[string]any{"photo": []any{
		map[string]any{"file_id": small.id, "file_unique_id": small.unique, "file_size": len(thumb), "width": 90, "height": 68},
		map[string]any{"file_id": large.id, "file_unique_id": large.unique, "file_size": len(data), "width": 1280, "height": 960},
	}})
}

// Document puts a file from u into u's private chat, with its name and
// MIME type, and returns the update id.
func (s *Server) Document(u User, name, mime string, data []byte) int64 {
	ext := "bin"
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = name[i+1:]
	}
	s.mu.Lock()
	f := s.addFile("documents", ext, data)
	s.mu.Unlock()
	return s.message(u.ID, "private", u, map[string]any{"document": map[string]any{
		"file_id": f.id, "file_unique_id": f.unique, "file_name": name, "mime_type": mime, "file_size": len(data),
	}})
}

// getFile answers the getFile method.
func (s *Server) getFile(p map[string]string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[p["file_id"]]
	if f == nil {
		return nil, badRequest("invalid file_id")
	}
	if len(f.data) > maxBotFile {
		return nil, badRequest("file is too big")
	}
	return map[string]any{"file_id": f.id, "file_unique_id": f.unique, "file_size": len(f.data), "file_path": f.path}, nil
}

// serveFile serves /file/bot<TOKEN>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/file/bot")
	token, path, ok := strings.Cut(rest, "/")
	if !ok || token != s.Token || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.stats.Requests["file"]++
	var data []byte
	found := false
	for _, f := range s.files {
		if f.path == path {
			data, found = f.data, true
		}
	}
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
