package dialogue

import (
	"bufio"
	"embed"
	"errors"
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
	"intro":                       {"?days", "bot", "responsible", "?lo", "?hi"},
	"bot":                         {},
	"bot_local":                   {"name"},
	"responsible":                 {},
	"responsible_local":           {"controller"},
	"controller_default":          {"name"},
	"privacy_statement":           {"url"},
	"campaign":                    {"text"},
	"consent_keep_q":              {"days"},
	"consent_research_q":          {},
	"consent_more":                {"days"},
	"consent_research_more":       {"days"},
	"consent_unclear":             {},
	"keep_yes":                    {},
	"keep_no":                     {},
	"research_yes":                {},
	"research_no":                 {},
	"profiling_intro":             {"?lo", "?hi"},
	"question":                    {"question", "progress"},
	"progress_range":              {"lo", "hi"},
	"progress_most":               {"n"},
	"progress_exact":              {"n"},
	"progress_one":                {},
	"ack":                         {},
	"skipped":                     {},
	"not_understood":              {"question"},
	"not_understood_again":        {},
	"safety_net":                  {},
	"why":                         {"why"},
	"style_brief":                 {},
	"style_slow":                  {},
	"style_autonomy":              {},
	"style_auto":                  {},
	"offer":                       {},
	"offer_line":                  {"n", "label", "why"},
	"offer_ask":                   {},
	"offer_why_person":            {},
	"offer_why_person_digital":    {},
	"offer_why_person_wanted":     {},
	"offer_why_signpost":          {},
	"offer_why_signpost_where":    {},
	"offer_why_anonymous":         {},
	"offer_why_anonymous_privacy": {},
	"offer_why_link":              {},
	"offer_why_self":              {},
	"offer_why_intake":            {},
	"offer_why_later":             {},
	"offer_link":                  {},
	"contact_hours":               {"hours"},
	"contact_walkin":              {"walk_in", "address"},
	"contact_address":             {"address"},
	"contact_email":               {"email"},
	"contact_webform":             {"url"},
	"wgs_times":                   {},
	"offer_signpost":              {},
	"offer_signpost_local":        {"name", "phone"},
	"offer_anonymous":             {},
	"offer_intake":                {},
	"offer_intake_call":           {},
	"offer_intake_call_local":     {"name", "phone"},
	"partners_intro":              {},
	"partner_line":                {"name", "offers", "reach"},
	"partner_anonymous":           {},
	"offer_self":                  {},
	"offer_later":                 {},
	"offer_unclear":               {},
	"closing":                     {},
	"closed_hint":                 {},
	"stopped":                     {},
	"stopped_early":               {},
	"help":                        {"contact"},
	"contact":                     {},
	"contact_local":               {"name", "phone"},
	"privacy":                     {"keep", "research", "days", "responsible"},
	"status_yes":                  {},
	"status_no":                   {},
	"status_open":                 {},
	"keep_withdrawn":              {},
	"keep_given":                  {},
	"research_withdrawn":          {},
	"research_given":              {},
	"data":                        {"data"},
	"data_empty":                  {},
	"erase_q":                     {},
	"erased":                      {},
	"erase_cancelled":             {},
	"restart":                     {},
	"welcome_back":                {},
	"nontext":                     {},
	"empty":                       {},
	"too_long":                    {},
	"bad_text":                    {},
	"unavailable":                 {},
	"stale_button":                {},
	"unknown_command":             {},
	"staff_only":                  {},
	"btn_yes":                     {},
	"btn_no":                      {},
	"btn_more":                    {},
	"btn_skip":                    {},
	"btn_why":                     {},
	"btn_agree_1":                 {},
	"btn_agree_2":                 {},
	"btn_agree_3":                 {},
	"btn_agree_4":                 {},
	"btn_agree_5":                 {},
	"btn_imp_1":                   {},
	"btn_imp_2":                   {},
	"btn_imp_3":                   {},
	"btn_imp_4":                   {},
	"btn_imp_5":                   {},
	"btn_offer_link":              {},
	"btn_offer_person":            {},
	"btn_offer_self":              {},
	"btn_offer_later":             {},
	"btn_offer_signpost":          {},
	"btn_offer_anonymous":         {},
	"btn_offer_intake":            {},
	"btn_keep_off":                {},
	"btn_keep_on":                 {},
	"btn_research_off":            {},
	"btn_research_on":             {},
	"btn_erase":                   {},
	"btn_erase_yes":               {},
	"btn_erase_no":                {},
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

	// Handover to a municipal worker (dialogue/handover.go, bot/handover.go).
	"handover_share_q":           {"summary"},
	"handover_share_more":        {"days"},
	"handover_no_share":          {},
	"handover_already":           {},
	"handover_waiting":           {"number", "minutes"},
	"handover_closed_hours":      {"number", "hours"},
	"handover_nobody":            {"number"},
	"handover_taken":             {},
	"handover_taken_named":       {"name"},
	"handover_from_worker":       {"text"},
	"handover_from_worker_named": {"name", "text"},
	"handover_callback_q":        {},
	"handover_phone_q":           {},
	"handover_phone_invalid":     {},
	"handover_callback_noted":    {"number", "hours"},
	"handover_callback_declined": {},
	"handover_callback_waiting":  {},
	"handover_callback_done":     {},
	"handover_closed":            {},
	"handover_rating_q":          {},
	"handover_rating_thanks":     {},
	"handover_rating_skipped":    {},
	"handover_stopped":           {},
	"handover_file_too_big":      {"mb"},
	"handover_file_kind":         {},
	"handover_unavailable":       {},
	"summary_neutral":            {},
	"summary_brief":              {},
	"summary_autonomy":           {},
	"summary_slow":               {},
	"btn_share_yes":              {},
	"btn_share_no":               {},
	"btn_callback_yes":           {},
	"btn_callback_no":            {},
	// Lines for staff in the desk thread (in Dutch on the card).
	"desk_stopped":     {},
	"desk_timeout":     {"minutes"},
	"desk_callback":    {},
	"desk_flag_crisis": {},
	"desk_flag_urgent": {},
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

// FormalLang is the content language of Dutch in the "u" form: nl.txt with
// nl-u.txt layered over it.
const FormalLang = "nl-u"

// contentFiles are the content files in the order they are layered: a file
// with a base starts from the finished messages of its base language and
// replaces the keys it gives.
var contentFiles = []struct{ name, lang, base string }{
	{"nl.txt", "nl", ""},
	{"en.txt", "en", ""},
	{"nl-u.txt", FormalLang, "nl"},
}

// ContentFiles returns the embedded content files by name (nl.txt, en.txt,
// nl-u.txt): the starting point for a deployment's own content.
func ContentFiles() map[string][]byte {
	out := map[string][]byte{}
	for _, f := range contentFiles {
		data, err := contentFS.ReadFile("content/" + f.name)
		if err == nil {
			out[f.name] = data
		}
	}
	return out
}

// LoadContent reads and checks the embedded content files. It returns an
// error naming the file and key when a message or tone variant is missing,
// a key is unknown or a placeholder is wrong.
func LoadContent() (*Content, error) { return LoadContentWith(nil) }

// LoadContentWith layers a deployment's own content files (by name: nl.txt,
// en.txt, nl-u.txt) over the embedded ones. An override file may give only
// some keys; each key it gives replaces the embedded message in every tone
// and must give every tone. The result is checked like the embedded files:
// every key, tone and placeholder, the readability of the Dutch texts, and
// that the "u" texts do not say "je". The error lists every problem found.
func LoadContentWith(overrides map[string][]byte) (*Content, error) {
	c, problems := buildContent(overrides)
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return c, nil
}

// CheckContent returns every problem of a deployment's content files
// layered over the embedded ones (see [LoadContentWith]); nil means none.
func CheckContent(overrides map[string][]byte) []error {
	_, problems := buildContent(overrides)
	return problems
}

func buildContent(overrides map[string][]byte) (*Content, []error) {
	var problems []error
	known := map[string]bool{}
	for _, f := range contentFiles {
		known[f.name] = true
	}
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !known[n] {
			problems = append(problems, fmt.Errorf("content %s: unknown file (content files are nl.txt, en.txt and nl-u.txt)", n))
		}
	}
	c := &Content{msgs: map[string]map[string]map[Tone]string{}}
	for _, f := range contentFiles {
		m := map[string]map[Tone]string{}
		if f.base != "" {
			for k, v := range c.msgs[f.base] {
				m[k] = v
			}
		}
		data, err := contentFS.ReadFile("content/" + f.name)
		if err != nil {
			problems = append(problems, fmt.Errorf("content %s: %w", f.name, err))
			continue
		}
		layers := []struct {
			file string
			data []byte
		}{{"content/" + f.name, data}}
		if o, ok := overrides[f.name]; ok {
			layers = append(layers, struct {
				file string
				data []byte
			}{f.name + " (override)", o})
		}
		for _, l := range layers {
			entries, errs := parseEntries(l.file, string(l.data))
			problems = append(problems, errs...)
			for k, v := range entries {
				m[k] = v
			}
		}
		file := "content/" + f.name
		if _, ok := overrides[f.name]; ok {
			file = f.name + " (with override)"
		}
		problems = append(problems, checkContent(file, m)...)
		if strings.HasPrefix(f.lang, "nl") {
			problems = append(problems, checkReadability(file, m)...)
		}
		if f.lang == FormalLang {
			problems = append(problems, checkFormal(file, m)...)
		}
		c.msgs[f.lang] = m
	}
	return c, problems
}

// parseContent reads one complete content file and checks it against
// messageSpec; it returns the first problem.
func parseContent(file, data string) (map[string]map[Tone]string, error) {
	out, errs := parseEntries(file, data)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	if errs := checkContent(file, out); len(errs) > 0 {
		return nil, errs[0]
	}
	return out, nil
}

// parseEntries reads the entries of one content file, complete or not.
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
// intentionally empty message (nothing is sent). Every key given must give
// every tone.
func parseEntries(file, data string) (map[string]map[Tone]string, []error) {
	out := map[string]map[Tone]string{}
	var problems []error
	var key string
	keyLine := 0
	var tones []Tone
	var buf []string
	lineNo := 0
	skip := false // inside an entry with an unknown or repeated key
	flush := func() {
		if tones == nil {
			return
		}
		text := strings.TrimSpace(strings.Join(buf, "\n"))
		if text == "-" {
			text = ""
		}
		for _, t := range tones {
			if _, dup := out[key][t]; dup {
				problems = append(problems, fmt.Errorf("content %s: line %d: key %q: tone %q given twice", file, lineNo, key, t))
				continue
			}
			out[key][t] = text
		}
		tones, buf = nil, nil
	}
	endEntry := func() {
		flush()
		if key == "" || skip {
			return
		}
		for _, t := range Tones {
			if _, ok := out[key][t]; !ok {
				problems = append(problems, fmt.Errorf("content %s: line %d: message %q has no %q variant", file, keyLine, key, t))
			}
		}
	}
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "#"):
			// A comment, also between the lines of a text: a text line
			// never starts with "#", so a note cannot reach a citizen.
			continue
		case strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]"):
			endEntry()
			key = strings.TrimSpace(trimmed[1 : len(trimmed)-1])
			keyLine = lineNo
			skip = false
			if _, ok := messageSpec[key]; !ok {
				problems = append(problems, fmt.Errorf("content %s: line %d: unknown key %q", file, lineNo, key))
				skip = true
				out[key] = map[Tone]string{}
				continue
			}
			if _, dup := out[key]; dup {
				problems = append(problems, fmt.Errorf("content %s: line %d: key %q given twice", file, lineNo, key))
				skip = true
				continue
			}
			out[key] = map[Tone]string{}
			continue
		}
		if label, rest, ok := toneLabel(line); ok {
			if key == "" {
				problems = append(problems, fmt.Errorf("content %s: line %d: text before the first [key]", file, lineNo))
				continue
			}
			flush()
			if skip {
				continue
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
			if trimmed == "" || skip {
				continue
			}
			problems = append(problems, fmt.Errorf("content %s: line %d: text outside a tone (start it with neutral:, brief:, autonomy:, slow: or all:)", file, lineNo))
			continue
		}
		buf = append(buf, strings.TrimSpace(line))
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, fmt.Errorf("content %s: line %d: %w", file, lineNo+1, err))
	}
	endEntry()
	for k := range out {
		if _, ok := messageSpec[k]; !ok {
			delete(out, k)
		}
	}
	return out, problems
}

func toneLabel(line string) (label, rest string, ok bool) {
	for _, l := range []string{"neutral", "brief", "autonomy", "slow", "all"} {
		if strings.HasPrefix(line, l+":") {
			return l, line[len(l)+1:], true
		}
	}
	return "", "", false
}

func checkContent(file string, m map[string]map[Tone]string) []error {
	var problems []error
	keys := make([]string, 0, len(messageSpec))
	for k := range messageSpec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		variants, ok := m[key]
		if !ok {
			problems = append(problems, fmt.Errorf("content %s: message %q is missing", file, key))
			continue
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
				problems = append(problems, fmt.Errorf("content %s: message %q has no %q variant", file, key, t))
				continue
			}
			for _, mm := range placeholderRE.FindAllStringSubmatch(text, -1) {
				if !allowed[mm[1]] {
					problems = append(problems, fmt.Errorf("content %s: message %q (%s) uses unknown placeholder {%s}", file, key, t, mm[1]))
				}
			}
			for _, p := range required {
				if text != "" && !strings.Contains(text, "{"+p+"}") {
					problems = append(problems, fmt.Errorf("content %s: message %q (%s) lacks placeholder {%s}", file, key, t, p))
				}
			}
		}
	}
	return problems
}

// Text returns message key in lang and tone with placeholders filled in from
// args (name, value pairs). Unknown languages fall back to Dutch.
func (c *Content) Text(lang, key string, tone Tone, args ...string) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[Languages[0]]
	}
	if _, ok := m[key]; !ok {
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
