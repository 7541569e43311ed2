package mattermost

import (
	_ "embed"
	"encoding/json"
)

// messages.json holds the few sentences the adapter says itself, per
// language; a communication advisor can edit them without touching Go.
//
//go:embed messages.json
var messagesJSON []byte

type texts map[string]map[string]string

func loadTexts() texts {
	var t texts
	if err := json.Unmarshal(messagesJSON, &t); err != nil {
		panic("mattermost: messages.json: " + err.Error())
	}
	return t
}

// get returns the text under key in lang, or in Dutch.
func (t texts) get(lang, key string) string {
	if s, ok := t[lang][key]; ok {
		return s
	}
	return t["nl"][key]
}
