package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/segment"
)

// Words of the interface that depend on data; the sentences are in the
// templates (templates/*.html), which a communication advisor can edit.
var (
	toneNames    = map[string]string{"neutral": "neutraal", "brief": "kort en snel", "autonomy": "eigen regie", "slow": "rustig, stap voor stap"}
	fromNames    = map[string]string{"citizen": "Inwoner", "bot": "Chatbot"}
	inputNames   = map[string]string{bot.InputButton: "knop gekozen", bot.InputTyped: "getypt", bot.InputNonText: "geen tekst"}
	channelNames = map[string]string{"telegram": "Telegram", "mattermost": "Mattermost", "terminal": "Terminal"}
	actionNames  = map[string]string{"view": "gesprek bekeken", "export": "export gedownload", "report": "studietabel bekeken", "review": "beoordeling opgeslagen", "aanmelden": "aangemeld", "afmelden": "afgemeld", "aanmelden mislukt": "aanmelden mislukt", "erasure": "gegevens gewist"}
	amsterdam    = loadAmsterdam()
)

func loadAmsterdam() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.UTC
}

func lookup(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

var funcs = template.FuncMap{
	"tone":    func(t string) string { return lookup(toneNames, t) },
	"from":    func(f string) string { return lookup(fromNames, f) },
	"input":   func(i string) string { return lookup(inputNames, i) },
	"channel": func(c string) string { return lookup(channelNames, c) },
	"action":  func(a string) string { return lookup(actionNames, a) },
	"segname": func(n int) string { return segment.Segment(n).String() },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(amsterdam).Format("2-1-2006 15:04")
	},
	"statement": statementText,
	"value": func(v int, kind string) string {
		if v == 0 {
			return "overgeslagen"
		}
		scale := []string{"", "helemaal mee oneens", "mee oneens", "neutraal", "mee eens", "helemaal mee eens"}
		if kind == "importance" {
			scale = []string{"", "helemaal niet belangrijk", "niet belangrijk", "neutraal", "belangrijk", "heel belangrijk"}
		}
		if v < 1 || v > 5 {
			return fmt.Sprint(v)
		}
		return fmt.Sprintf("%d (%s)", v, scale[v])
	},
	"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f) },
	"join": strings.Join,
	"deref": func(v *int) int {
		if v == nil {
			return 0
		}
		return *v
	},
}

// parsePages parses every page template together with the layout.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}
