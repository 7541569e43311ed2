package dialogue

import (
	"bufio"
	"embed"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/proactief/proactief/segment"
)

//go:embed content/*.txt
var contentFS embed.FS

// Languages lists the content languages; the first is the default.
var Languages = []string{"nl", "en"}

// messageSpec lists every message key the engine uses, with the
// placeholders its text must contain. A placeholder in the text that is not
// listed is an error, and so is a listed one that a variant leaves out,
// except for the ones marked optional with a leading "?".
var messageSpec = map[string][]string{
	"intro":                {"?days"},
	"consent_keep_q":       {"days"},
	"consent_research_q":   {},
	"consent_more":         {"days"},
	"consent_unclear":      {},
	"keep_yes":             {},
	"keep_no":              {},
	"research_yes":         {},
	"research_no":          {},
	"profiling_intro":      {"?n"},
	"question":             {"question", "progress"},
	"progress_many":        {"n"},
	"progress_one":         {},
	"progress_more":        {"n"},
	"ack":                  {},
	"skipped":              {},
	"not_understood":       {"question"},
	"not_understood_again": {},
	"why":                  {"why"},
	"style_brief":          {},
	"style_slow":           {},
	"style_autonomy":       {},
	"style_auto":           {},
	"offer":                {},
	"offer_link":           {},
	"offer_person":         {},
	"offer_self":           {},
	"offer_later":          {},
	"offer_unclear":        {},
	"closing":              {},
	"closed_hint":          {},
	"stopped":              {},
	"stopped_early":        {},
	"help":                 {},
	"privacy":              {"keep", "research", "days"},
	"status_yes":           {},
	"status_no":            {},
	"status_open":          {},
	"keep_withdrawn":       {},
	"keep_given":           {},
	"research_withdrawn":   {},
	"research_given":       {},
	"data":                 {"data"},
	"data_empty":           {},
	"erase_q":              {},
	"erased":               {},
	"erase_cancelled":      {},
	"restart":              {},
	"welcome_back":         {},
	"nontext":              {},
	"empty":                {},
	"too_long":             {},
	"bad_text":             {},
	"unavailable":          {},
	"stale_button":         {},
	"unknown_command":      {},
	"staff_only":           {},
	"btn_yes":              {},
	"btn_no":               {},
	"btn_more":             {},
	"btn_skip":             {},
	"btn_why":              {},
	"btn_agree_1":          {},
	"btn_agree_2":          {},
	"btn_agree_3":          {},
	"btn_agree_4":          {},
	"btn_agree_5":          {},
	"btn_imp_1":            {},
	"btn_imp_2":            {},
	"btn_imp_3":            {},
	"btn_imp_4":            {},
	"btn_imp_5":            {},
	"btn_offer_link":       {},
	"btn_offer_person":     {},
	"btn_offer_self":       {},
	"btn_offer_later":      {},
	"btn_keep_off":         {},
	"btn_keep_on":          {},
	"btn_research_off":     {},
	"btn_research_on":      {},
	"btn_erase":            {},
	"btn_erase_yes":        {},
	"btn_erase_no":         {},
	// What people mean (understand.go, intents.go, person.go).
	"crisis":             {},
	"urgent":             {"call"},
	"urgent_call":        {},
	"urgent_call_phone":  {"phone", "?name"},
	"person_route":       {},
	"person_route_phone": {"phone", "?name"},
	"paused_hint":        {},
	"privacy_answer":     {"days"},
	"later":              {},
	"angry":              {},
	"offtopic":           {},
	"explain_offer":      {},
	"btn_continue":       {},
	"btn_person":         {},
}

func init() {
	// Every statement has a conversational phrasing and a simpler
	// explanation in every tone.
	for _, st := range segment.Statements() {
		messageSpec["ask_"+st.ID] = []string{}
		messageSpec["explain_"+st.ID] = []string{}
	}
	// Every word the understanding step can explain has an explanation.
	for _, p := range understander.patterns {
		if p.word != "" {
			messageSpec["word_"+p.word] = []string{}
		}
	}
}

// Content holds every message in every language and tone.
type Content struct {
	msgs map[string]map[string]map[Tone]string // lang -> key -> tone -> text
}

var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// LoadContent reads and checks the embedded content files. It returns an
// error naming the file and key when a message or tone variant is missing,
// a key is unknown or a placeholder is wrong.
func LoadContent() (*Content, error) {
	c := &Content{msgs: map[string]map[string]map[Tone]string{}}
	for _, lang := range Languages {
		name := "content/" + lang + ".txt"
		data, err := contentFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("content %s: %w", name, err)
		}
		m, err := parseContent(name, string(data))
		if err != nil {
			return nil, err
		}
		c.msgs[lang] = m
	}
	return c, nil
}

// parseContent reads one content file and checks it against messageSpec.
//
// The format is made for editing by hand:
//
//	# a comment
//	[key]
//	neutral: text, continued on the next lines
//	  until the next tone label or key
//	brief: ...
//	autonomy: ...
//	slow: ...
//
// "all:" gives one text for every tone, and a text of a single "-" is an
// intentionally empty message (nothing is sent).
func parseContent(file, data string) (map[string]map[Tone]string, error) {
	out := map[string]map[Tone]string{}
	var key string
	var tones []Tone
	var buf []string
	lineNo := 0
	flush := func() error {
		if tones == nil {
			return nil
		}
		text := strings.TrimSpace(strings.Join(buf, "\n"))
		if text == "-" {
			text = ""
		}
		for _, t := range tones {
			if _, dup := out[key][t]; dup {
				return fmt.Errorf("content %s: key %q: tone %q given twice (line %d)", file, key, t, lineNo)
			}
			out[key][t] = text
		}
		tones, buf = nil, nil
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "#") && tones == nil:
			continue
		case strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]"):
			if err := flush(); err != nil {
				return nil, err
			}
			key = strings.TrimSpace(trimmed[1 : len(trimmed)-1])
			if _, ok := messageSpec[key]; !ok {
				return nil, fmt.Errorf("content %s: line %d: unknown key %q", file, lineNo, key)
			}
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("content %s: line %d: key %q given twice", file, lineNo, key)
			}
			out[key] = map[Tone]string{}
			continue
		}
		if label, rest, ok := toneLabel(line); ok {
			if key == "" {
				return nil, fmt.Errorf("content %s: line %d: text before the first [key]", file, lineNo)
			}
			if err := flush(); err != nil {
				return nil, err
			}
			if label == "all" {
				tones = Tones
			} else {
				tones = []Tone{Tone(label)}
			}
			buf = []string{strings.TrimSpace(rest)}
			continue
		}
		if tones == nil {
			if trimmed == "" {
				continue
			}
			return nil, fmt.Errorf("content %s: line %d: text outside a tone (start it with neutral:, brief:, autonomy:, slow: or all:)", file, lineNo)
		}
		buf = append(buf, strings.TrimSpace(line))
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if err := checkContent(file, out); err != nil {
		return nil, err
	}
	return out, nil
}

func toneLabel(line string) (label, rest string, ok bool) {
	for _, l := range []string{"neutral", "brief", "autonomy", "slow", "all"} {
		if strings.HasPrefix(line, l+":") {
			return l, line[len(l)+1:], true
		}
	}
	return "", "", false
}

func checkContent(file string, m map[string]map[Tone]string) error {
	keys := make([]string, 0, len(messageSpec))
	for k := range messageSpec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		variants, ok := m[key]
		if !ok {
			return fmt.Errorf("content %s: message %q is missing", file, key)
		}
		allowed := map[string]bool{}
		var required []string
		for _, p := range messageSpec[key] {
			if strings.HasPrefix(p, "?") {
				allowed[p[1:]] = true
				continue
			}
			allowed[p] = true
			required = append(required, p)
		}
		for _, t := range Tones {
			text, ok := variants[t]
			if !ok {
				return fmt.Errorf("content %s: message %q has no %q variant", file, key, t)
			}
			for _, mm := range placeholderRE.FindAllStringSubmatch(text, -1) {
				if !allowed[mm[1]] {
					return fmt.Errorf("content %s: message %q (%s) uses unknown placeholder {%s}", file, key, t, mm[1])
				}
			}
			for _, p := range required {
				if text != "" && !strings.Contains(text, "{"+p+"}") {
					return fmt.Errorf("content %s: message %q (%s) lacks placeholder {%s}", file, key, t, p)
				}
			}
		}
	}
	return nil
}

// Text returns message key in lang and tone with placeholders filled in from
// args (name, value pairs). Unknown languages fall back to Dutch.
func (c *Content) Text(lang, key string, tone Tone, args ...string) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[Languages[0]]
	}
	if !tone.Valid() {
		tone = Neutral
	}
	text := m[key][tone]
	if len(args) == 0 || text == "" {
		return text
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+args[i]+"}", args[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// Keys returns every message key, sorted.
func (c *Content) Keys() []string {
	keys := make([]string, 0, len(messageSpec))
	for k := range messageSpec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
