package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/research"
)

// query is the transcript filter as the list page's form sends it. It is
// kept as strings so the form shows back what was asked.
type query struct {
	Segment   string // "", "1", "2", "3"
	Channel   string
	Source    string
	From, To  string // YYYY-MM-DD
	Completed string // "", "ja", "nee"
	Status    string // "", "beoordeeld", "open"
	Tag       string
	Test      bool
	Page      int
	Problems  []string
}

// Channels offered in the filter.
var channels = []string{bot.Telegram, bot.Mattermost, bot.Terminal}

const perPage = 25

func parseQuery(v url.Values) query {
	q := query{
		Segment: v.Get("segment"), Channel: v.Get("kanaal"), Source: strings.TrimSpace(v.Get("bron")),
		From: strings.TrimSpace(v.Get("van")), To: strings.TrimSpace(v.Get("tot")),
		Completed: v.Get("afgerond"), Status: v.Get("status"), Tag: strings.TrimSpace(v.Get("label")),
		Test: v.Get("test") == "1",
	}
	if !slices.Contains([]string{"", "1", "2", "3"}, q.Segment) {
		q.Problems = append(q.Problems, "Kies segment 1, 2 of 3.")
		q.Segment = ""
	}
	if q.Channel != "" && !slices.Contains(channels, q.Channel) {
		q.Problems = append(q.Problems, "Onbekend kanaal.")
		q.Channel = ""
	}
	if !slices.Contains([]string{"", "ja", "nee"}, q.Completed) {
		q.Completed = ""
	}
	if !slices.Contains([]string{"", "beoordeeld", "open"}, q.Status) {
		q.Status = ""
	}
	for _, d := range []*string{&q.From, &q.To} {
		if *d == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", *d); err != nil {
			q.Problems = append(q.Problems, "Schrijf een datum als JJJJ-MM-DD, bijvoorbeeld 2026-11-02.")
			*d = ""
		}
	}
	q.Page, _ = strconv.Atoi(v.Get("pagina"))
	if q.Page < 1 {
		q.Page = 1
	}
	return q
}

// filter is the part of q that research.Load applies.
func (q query) filter() research.Filter {
	f := research.Filter{IncludeTest: q.Test, Channel: q.Channel, Source: q.Source}
	f.Segment, _ = strconv.Atoi(q.Segment)
	f.Since, _ = time.Parse("2006-01-02", q.From)
	f.Until, _ = time.Parse("2006-01-02", q.To)
	if q.Completed != "" {
		done := q.Completed == "ja"
		f.Completed = &done
	}
	return f
}

// keep reports whether c passes the part of q kept in reviews.
func (q query) keep(rv Review) bool {
	switch {
	case q.Status == "beoordeeld" && !rv.Reviewed:
		return false
	case q.Status == "open" && rv.Reviewed:
		return false
	case q.Tag != "" && !slices.Contains(rv.Tags, strings.ToLower(q.Tag)):
		return false
	}
	return true
}

// values encodes q (without the page) for links.
func (q query) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("segment", q.Segment)
	set("kanaal", q.Channel)
	set("bron", q.Source)
	set("van", q.From)
	set("tot", q.To)
	set("afgerond", q.Completed)
	set("status", q.Status)
	set("label", q.Tag)
	if q.Test {
		v.Set("test", "1")
	}
	return v
}

// String describes q for the audit log.
func (q query) String() string {
	s := q.filter().String()
	if q.Status != "" {
		s += " status=" + q.Status
	}
	if q.Tag != "" {
		s += " tag=" + q.Tag
	}
	return s
}

// withPage returns the query string of q at page n.
func (q query) withPage(n int) string {
	v := q.values()
	if n > 1 {
		v.Set("pagina", strconv.Itoa(n))
	}
	return v.Encode()
}
