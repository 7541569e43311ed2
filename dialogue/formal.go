package dialogue

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/proactief/proactief/segment"
)

// formalWhy is why each of the study's statements is asked, in the "u"
// form (content/statements-u.txt), by statement id. The statements
// themselves are content keys (ask_<id>) and have their "u" form in
// nl-u.txt.
var formalWhy = mustFormalWhy()

func mustFormalWhy() map[string]string {
	data, err := contentFS.ReadFile("content/statements-u.txt")
	if err != nil {
		panic("dialogue: " + err.Error())
	}
	m, err := parseFormalWhy(string(data))
	if err != nil {
		panic("dialogue: " + err.Error())
	}
	return m
}

// parseFormalWhy reads "[id]" lines each followed by a "why:" line, and
// checks that every statement of the study has one, in the "u" form.
func parseFormalWhy(data string) (map[string]string, error) {
	out := map[string]string{}
	id := ""
	sc := bufio.NewScanner(strings.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
		case strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]"):
			id = t[1 : len(t)-1]
			if _, ok := segment.Find(id); !ok {
				return nil, fmt.Errorf("content/statements-u.txt: line %d: unknown statement %q", line, id)
			}
		case strings.HasPrefix(t, "why:") && id != "":
			out[id] = strings.TrimSpace(t[len("why:"):])
		default:
			return nil, fmt.Errorf("content/statements-u.txt: line %d: want [id] or why:", line)
		}
	}
	for _, s := range segment.Statements() {
		why := out[s.ID]
		if why == "" {
			return nil, fmt.Errorf("content/statements-u.txt: statement %q needs why:", s.ID)
		}
		if m := informalRE.FindStringSubmatch(why); m != nil {
			return nil, fmt.Errorf("content/statements-u.txt: statement %q says %q", s.ID, m[2])
		}
	}
	return out, nil
}
