package telegram

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed texts.txt
var textsFile string

// texts holds the adapter's own sentences (texts.txt), by "key.lang".
type texts map[string]string

// loadTexts parses texts.txt; every key needs a Dutch text.
func loadTexts() (texts, error) {
	t := texts{}
	for i, line := range strings.Split(textsFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("texts.txt:%d: want key.lang = text", i+1)
		}
		t[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	for _, k := range []string{"group", "unavailable", "button_invalid", "button_done", "chosen"} {
		if t[k+".nl"] == "" {
			return nil, fmt.Errorf("texts.txt: no Dutch text for %q", k)
		}
	}
	return t, nil
}

// get returns the text for key in lang, Dutch when there is none, with
// {name} placeholders filled from args (name, value pairs).
func (t texts) get(key, lang string, args ...string) string {
	s, ok := t[key+"."+lang]
	if !ok || s == "" {
		s = t[key+".nl"]
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+args[i]+"}", args[i+1])
	}
	return s
}

// text returns the adapter's text for key in lang, in the "u" form when the
// deployment writes that way and texts.txt has one.
func (a *Adapter) text(key, lang string, args ...string) string {
	if a.opts.Formal && lang == "nl" && a.texts[key+".nl-u"] != "" {
		lang = "nl-u"
	}
	return a.texts.get(key, lang, args...)
}
