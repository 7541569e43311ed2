package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/proactief/proactief/dialogue"
)

// The deployment file is TOML, read with github.com/pelletier/go-toml/v2:
// its strict mode reports every unknown key with its line and column in
// one pass (StrictMissingError), and its syntax and type errors carry a
// position too. github.com/BurntSushi/toml lists undecoded keys without
// their position, so a typo could not be shown with its line number.

// deployment is what cmd takes from a deployment file: the options the
// engine gets, and where the file is.
type deployment struct {
	Path         string
	Municipality dialogue.Municipality
	Campaigns    []dialogue.Campaign
	// Content is the deployment's own content layered over the embedded
	// files; nil when [content] dir is not set.
	Content *dialogue.Content
}

// deployFile is the file's shape. Every leaf is read as any so that one
// pass finds every unknown key; checkDeployment then checks each value's
// type and meaning, so that a file shows all its problems at once.
type deployFile struct {
	Municipality struct {
		Name          any `toml:"name"`
		Phone         any `toml:"phone"`
		Hours         any `toml:"hours"`
		Address       any `toml:"address"`
		WalkIn        any `toml:"walk_in"`
		Email         any `toml:"email"`
		WebForm       any `toml:"web_form"`
		FormOfAddress any `toml:"form_of_address"`
	} `toml:"municipality"`
	Urgent struct {
		Phone any `toml:"phone"`
	} `toml:"urgent"`
	Privacy struct {
		Controller   any `toml:"controller"`
		StatementURL any `toml:"statement_url"`
	} `toml:"privacy"`
	Content struct {
		Dir any `toml:"dir"`
	} `toml:"content"`
	Partner []struct {
		Name      any `toml:"name"`
		Offers    any `toml:"offers"`
		OffersEN  any `toml:"offers_en"`
		Reach     any `toml:"reach"`
		Ways      any `toml:"ways"`
		Anonymous any `toml:"anonymous"`
	} `toml:"partner"`
	Campaign []struct {
		Name   any `toml:"name"`
		Text   any `toml:"text"`
		TextEN any `toml:"text_en"`
	} `toml:"campaign"`
}

// problem is one thing wrong in a deployment file, at a line (0: the file
// as a whole).
type problem struct {
	line int
	msg  string
}

// configError lists every problem of a deployment file; serve, chat and
// config check print it in the same words.
type configError struct {
	path     string
	problems []problem
}

func (e *configError) Error() string {
	var b strings.Builder
	n := len(e.problems)
	fmt.Fprintf(&b, "deployment file %s has %d problem%s; nothing was started:", e.path, n, map[bool]string{true: "", false: "s"}[n == 1])
	for _, p := range e.problems {
		b.WriteString("\n  " + p.String(e.path))
	}
	return b.String()
}

func (p problem) String(path string) string {
	if p.line > 0 {
		return fmt.Sprintf("%s:%d: %s", path, p.line, p.msg)
	}
	return fmt.Sprintf("%s: %s", path, p.msg)
}

// loadDeployment reads and checks the deployment file at path. "" means no
// file: the zero deployment, with the national, generic routes. The error
// is a *configError listing every problem, or a plain error when the file
// cannot be read.
func loadDeployment(path string) (deployment, error) {
	if path == "" {
		return deployment{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return deployment{}, fmt.Errorf("deployment file: %w", err)
	}
	d, problems := parseDeployment(path, data)
	if len(problems) > 0 {
		return deployment{}, &configError{path: path, problems: problems}
	}
	return d, nil
}

// parseDeployment checks a deployment file and returns what it sets, or
// every problem found.
func parseDeployment(path string, data []byte) (deployment, []problem) {
	var f deployFile
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&f)
	lines := keyLines(data)
	var problems []problem
	var strict *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case errors.As(err, &strict):
		for _, e := range strict.Errors {
			row, _ := e.Position()
			problems = append(problems, problem{row, unknownKey([]string(e.Key()))})
		}
	case errors.As(err, &de):
		row, _ := de.Position()
		msg := de.Error()
		msg = strings.TrimPrefix(msg, "toml: ")
		if k := de.Key(); len(k) > 0 {
			msg = fmt.Sprintf("%s: %s", strings.Join(k, "."), msg)
		}
		return deployment{}, []problem{{row, "not valid TOML: " + msg}}
	case err != nil:
		return deployment{}, []problem{{0, "not valid TOML: " + err.Error()}}
	}
	d, more := checkDeployment(path, &f, lines)
	problems = append(problems, more...)
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].line < problems[j].line })
	return d, problems
}

// knownKeys are the keys of each table, for the "did you mean" hint.
var knownKeys = map[string][]string{
	"":             {"municipality", "urgent", "privacy", "content", "partner", "campaign"},
	"municipality": {"name", "phone", "hours", "address", "walk_in", "email", "web_form", "form_of_address"},
	"urgent":       {"phone"},
	"privacy":      {"controller", "statement_url"},
	"content":      {"dir"},
	"partner":      {"name", "offers", "offers_en", "reach", "ways", "anonymous"},
	"campaign":     {"name", "text", "text_en"},
}

func unknownKey(key []string) string {
	table, last := "", ""
	if len(key) > 0 {
		last = key[len(key)-1]
		table = strings.Join(key[:len(key)-1], ".")
	}
	where := "at the top level"
	if table != "" {
		where = "in [" + table + "]"
	}
	msg := fmt.Sprintf("unknown key %q %s", last, where)
	if best := closest(last, knownKeys[table]); best != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", best)
	}
	return msg
}

// closest returns the known key within edit distance 2 of k, if any.
func closest(k string, known []string) string {
	best, bestD := "", 3
	for _, c := range known {
		if d := editDistance(k, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// keyLines maps each key of a TOML file to the line it is on:
// "municipality" (the table header), "municipality.phone",
// "campaign[0]" and "campaign[0].name". It reads the simple forms a
// deployment file uses (tables, arrays of tables, key = value) and skips
// multi-line strings and arrays.
func keyLines(data []byte) map[string]int {
	out := map[string]int{}
	table := ""
	count := map[string]int{}
	var closing string // end of a multi-line value being skipped
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		t := strings.TrimSpace(line)
		if closing != "" {
			if strings.Contains(t, closing) {
				closing = ""
			}
			continue
		}
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
		case strings.HasPrefix(t, "[["):
			name := strings.TrimSpace(strings.Trim(strings.SplitN(t, "#", 2)[0], "[] \t"))
			table = fmt.Sprintf("%s[%d]", name, count[name])
			count[name]++
			out[table] = n
		case strings.HasPrefix(t, "["):
			table = strings.TrimSpace(strings.Trim(strings.SplitN(t, "#", 2)[0], "[] \t"))
			out[table] = n
		default:
			k, v, ok := strings.Cut(t, "=")
			if !ok {
				continue
			}
			k = strings.Trim(strings.TrimSpace(k), `"'`)
			if table != "" {
				k = table + "." + k
			}
			out[k] = n
			v = strings.TrimSpace(v)
			for _, q := range []string{`"""`, `'''`} {
				if strings.HasPrefix(v, q) && !strings.Contains(v[3:], q) {
					closing = q
				}
			}
			if strings.HasPrefix(v, "[") && !strings.Contains(v, "]") {
				closing = "]"
			}
		}
	}
	return out
}

// checker gathers the problems of one file, each at its key's line.
type checker struct {
	lines    map[string]int
	problems []problem
}

// line returns the line of key, else of its table, else 0.
func (c *checker) line(key string) int {
	for k := key; k != ""; {
		if n, ok := c.lines[k]; ok {
			return n
		}
		i := strings.LastIndex(k, ".")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

func (c *checker) add(key, format string, args ...any) {
	msg := indexRE.ReplaceAllStringFunc(fmt.Sprintf(format, args...), func(s string) string {
		m := indexRE.FindStringSubmatch(s)
		n, _ := strconv.Atoi(m[2])
		return fmt.Sprintf("[[%s]] number %d:", m[1], n+1)
	})
	c.problems = append(c.problems, problem{c.line(key), strings.ReplaceAll(msg, ":.", ": ")})
}

// indexRE finds "campaign[0]" in a message, shown as "[[campaign]] number 1".
var indexRE = regexp.MustCompile(`\b([a-z]+)\[(\d+)\]`)

// str reads an optional string; a value of another type is a problem.
func (c *checker) str(key string, v any) string {
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		c.add(key, "%s must be text in quotes, not %s", key, tomlType(v))
		return ""
	}
	s = strings.TrimSpace(s)
	if s == "" {
		c.add(key, "%s is empty: leave it out or fill it in", key)
	}
	return s
}

// required reads a string that must be there.
func (c *checker) required(key string, v any) string {
	if v == nil {
		c.add(key, "%s is required", key)
		return ""
	}
	return c.str(key, v)
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case bool:
		return "true/false"
	case int64, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// phoneRE is a phone number as a person writes it: digits, spaces, +, -
// and parentheses, at least 3 digits.
var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 ()\-]*[0-9]$`)

func (c *checker) phone(key, s string) {
	if s == "" {
		return
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if !phoneRE.MatchString(s) || digits < 3 || digits > 15 {
		c.add(key, "%s %q is not a phone number (digits, spaces, + and -, like \"14 030\" or \"0800-8115\")", key, s)
	}
}

func (c *checker) url(key, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		c.add(key, "%s %q is not a web address (start it with https://)", key, s)
	}
}

func checkDeployment(path string, f *deployFile, lines map[string]int) (deployment, []problem) {
	c := &checker{lines: lines}
	d := deployment{Path: path}
	m := &d.Municipality
	fm := f.Municipality
	m.Name = c.required("municipality.name", fm.Name)
	if strings.HasPrefix(strings.ToLower(m.Name), "gemeente ") {
		c.add("municipality.name", "municipality.name is the name without \"gemeente\": the texts say \"gemeente %s\"", m.Name[len("gemeente "):])
	}
	m.Phone = c.required("municipality.phone", fm.Phone)
	c.phone("municipality.phone", m.Phone)
	m.UrgentPhone = c.required("urgent.phone", f.Urgent.Phone)
	c.phone("urgent.phone", m.UrgentPhone)
	m.Hours = c.str("municipality.hours", fm.Hours)
	m.Address = c.str("municipality.address", fm.Address)
	m.WalkIn = c.str("municipality.walk_in", fm.WalkIn)
	if m.WalkIn != "" && m.Address == "" {
		c.add("municipality.walk_in", "municipality.walk_in needs municipality.address: where to walk in")
	}
	m.Email = c.str("municipality.email", fm.Email)
	if m.Email != "" {
		if a, err := mail.ParseAddress(m.Email); err != nil || a.Address != m.Email {
			c.add("municipality.email", "municipality.email %q is not an e-mail address", m.Email)
		}
	}
	m.WebForm = c.str("municipality.web_form", fm.WebForm)
	c.url("municipality.web_form", m.WebForm)
	switch form := c.str("municipality.form_of_address", fm.FormOfAddress); form {
	case "", "je":
	case "u":
		m.Formal = true
	default:
		c.add("municipality.form_of_address", "municipality.form_of_address is %q: use \"u\" or \"je\"", form)
	}
	m.Controller = c.str("privacy.controller", f.Privacy.Controller)
	m.PrivacyURL = c.str("privacy.statement_url", f.Privacy.StatementURL)
	c.url("privacy.statement_url", m.PrivacyURL)

	for i, p := range f.Partner {
		key := fmt.Sprintf("partner[%d]", i)
		pt := dialogue.Partner{
			Name:     c.required(key+".name", p.Name),
			Offers:   c.required(key+".offers", p.Offers),
			OffersEN: c.str(key+".offers_en", p.OffersEN),
			Reach:    c.required(key+".reach", p.Reach),
		}
		switch v := p.Anonymous.(type) {
		case nil:
		case bool:
			pt.Anonymous = v
		default:
			c.add(key+".anonymous", "%s.anonymous must be true or false, not %s", key, tomlType(v))
		}
		switch v := p.Ways.(type) {
		case nil:
			c.add(key+".ways", "%s.ways is required: a list of %s", key, waysList())
		case []any:
			for _, w := range v {
				s, _ := w.(string)
				if !dialogue.Way(s).Valid() {
					c.add(key+".ways", "%s.ways: %v is not one of %s", key, w, waysList())
					continue
				}
				pt.Ways = append(pt.Ways, dialogue.Way(s))
			}
			if len(v) == 0 {
				c.add(key+".ways", "%s.ways is empty: give at least one of %s", key, waysList())
			}
		default:
			c.add(key+".ways", "%s.ways must be a list like [\"phone\", \"in_person\"], not %s", key, tomlType(v))
		}
		m.Partners = append(m.Partners, pt)
	}

	seen := map[string]int{}
	for i, cp := range f.Campaign {
		key := fmt.Sprintf("campaign[%d]", i)
		camp := dialogue.Campaign{
			Name:   c.required(key+".name", cp.Name),
			Text:   c.required(key+".text", cp.Text),
			TextEN: c.str(key+".text_en", cp.TextEN),
		}
		if camp.Name != "" {
			if !dialogue.ValidCampaignName(camp.Name) {
				c.add(key+".name", "%s.name %q cannot be a Telegram deep-link parameter: use lowercase letters, digits, - and _ (at most 64, fewer than 6 digits)", key, camp.Name)
			}
			if j, dup := seen[strings.ToLower(camp.Name)]; dup {
				c.add(key+".name", "%s.name %q is also the name of campaign %d", key, camp.Name, j+1)
			}
			seen[strings.ToLower(camp.Name)] = i
		}
		d.Campaigns = append(d.Campaigns, camp)
	}

	if m.Formal {
		// The municipality's own texts must address residents as the
		// built-in ones do.
		formal := func(key, text string) {
			if w := dialogue.Informal(text); w != "" {
				c.add(key, "%s says %q, but form_of_address is \"u\": write it with \"u\"", key, w)
			}
		}
		for i, p := range m.Partners {
			formal(fmt.Sprintf("partner[%d].offers", i), p.Offers)
			formal(fmt.Sprintf("partner[%d].reach", i), p.Reach)
		}
		for i, cp := range d.Campaigns {
			formal(fmt.Sprintf("campaign[%d].text", i), cp.Text)
		}
		formal("municipality.hours", m.Hours)
		formal("municipality.walk_in", m.WalkIn)
	}
	if dir := c.str("content.dir", f.Content.Dir); dir != "" {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(filepath.Dir(path), dir)
		}
		files, err := readContentDir(dir)
		if err != nil {
			c.add("content.dir", "content.dir: %v", err)
		} else if cont, err := dialogue.LoadContentWith(files); err != nil {
			for _, e := range unjoin(err) {
				c.add("content.dir", "content.dir %s: %v", dir, e)
			}
		} else {
			d.Content = cont
		}
	}
	return d, c.problems
}

func waysList() string {
	s := make([]string, len(dialogue.Ways))
	for i, w := range dialogue.Ways {
		s[i] = strconv.Quote(string(w))
	}
	return strings.Join(s, ", ")
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// readContentDir reads the content files (*.txt) of a directory.
func readContentDir(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = data
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no content files (nl.txt, en.txt, nl-u.txt); \"proactief content export %s\" writes them", dir, dir)
	}
	return files, nil
}
