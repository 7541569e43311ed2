package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/proactief/proactief/research"
	"github.com/proactief/proactief/segment"
)

// cellText formats a count with small-cell suppression.
func cellText(n int) (string, bool) {
	if n < research.MinCell {
		return research.Suppressed, true
	}
	return fmt.Sprint(n), false
}

// pctText formats a share, or Suppressed when it rests on too few people.
func pctText(c research.Cell) string {
	if !c.Shown() || (c.Of > 0 && c.Of < research.MinCell) || (c.N-c.Of > 0 && c.N-c.Of < research.MinCell) {
		return research.Suppressed
	}
	return fmt.Sprintf("%.0f%%", c.Pct())
}

type overviewData struct {
	Report     *research.Report
	Started    string
	Research   string
	Completed  string
	Consent    []consentRow
	ConsentSVG template.HTML
	Segments   []segmentRow
	SegmentSVG template.HTML
	Days       []dayRow
	DaysSVG    template.HTML
	Drops      []dropRow
	DropSVG    template.HTML
	MinCell    int
}

type consentRow struct{ Label, Yes, No, Rate string }
type segmentRow struct {
	Name, N, Pct string
	Study        float64
}
type dayRow struct{ Day, N string }
type dropRow struct{ Statement, Text, N string }

func (s *Server) overview(w http.ResponseWriter, r *http.Request, ses session) {
	rep, err := research.Compute(r.Context(), s.store, research.Filter{})
	if err != nil {
		s.internal(w, r, ses, "overview", err)
		return
	}
	tallies, err := s.store.Tallies(r.Context())
	if err != nil {
		s.internal(w, r, ses, "overview tallies", err)
		return
	}
	d := overviewData{Report: rep, MinCell: research.MinCell}
	d.Started, _ = cellText(rep.Consent.Started)
	d.Research, _ = cellText(rep.Conversations)
	d.Completed, _ = cellText(rep.Completed)

	// Consent rates.
	c := rep.Consent
	var cbars []bar
	for _, x := range []struct {
		label   string
		yes, no int
		cell    research.Cell
	}{
		{"Antwoorden bewaren", c.KeepYes, c.KeepNo, c.Keep()},
		{"Gebruik voor onderzoek", c.ResearchYes, c.ResearchNo, c.Research()},
		{"Gesprek afgerond", c.Completed, c.Started - c.Completed, c.Completion()},
	} {
		yes, _ := cellText(x.yes)
		no, _ := cellText(x.no)
		rate := pctText(x.cell)
		d.Consent = append(d.Consent, consentRow{x.label, yes, no, rate})
		cbars = append(cbars, bar{Label: x.label, Value: x.cell.Pct(), Text: rate, Ref: -1, Hidden: rate == research.Suppressed})
	}
	d.ConsentSVG = hbars("toestemming", "Toestemming en afronding", "Percentage ja per vraag om toestemming, en het percentage gestarte gesprekken dat het aanbod bereikte. De tabel eronder geeft dezelfde cijfers.", cbars, 100, "")

	// Segment distribution against the study's 39/22/39.
	var sbars []bar
	for k, sr := range rep.Segments {
		n, hidden := cellText(sr.Size.Of)
		pct := research.Suppressed
		if !hidden && sr.Size.N >= research.MinCell && !rep.TotalHidden {
			pct = fmt.Sprintf("%.0f%%", sr.Size.Pct())
		}
		d.Segments = append(d.Segments, segmentRow{Name: fmt.Sprintf("%d %s", sr.Segment, sr.Name), N: n, Pct: pct, Study: sr.StudyPct})
		sbars = append(sbars, bar{Label: fmt.Sprintf("%d %s", sr.Segment, sr.Name), Value: sr.Size.Pct(), Text: pct, Ref: sr.StudyPct, Hidden: pct == research.Suppressed, Colour: segmentColours[k]})
	}
	d.SegmentSVG = hbars("segmenten", "Verdeling over de segmenten", "Aandeel van de afgeronde gesprekken per toegekend segment; de zwarte streep is het aandeel in de studie (39%, 22%, 39%). De tabel eronder geeft dezelfde cijfers.", sbars, 100, "Streep: aandeel in de studie")

	// Conversations over time, from the "started:DAY" counters.
	d.Days = daysOf(tallies, s.now())
	var dbars []bar
	max := 0.0
	for _, dr := range d.Days {
		n := tallies["started:"+dr.Day]
		if float64(n) > max {
			max = float64(n)
		}
		dbars = append(dbars, bar{Label: dr.Day, Value: float64(n), Text: dr.N, Hidden: dr.N == research.Suppressed})
	}
	if len(dbars) > 0 {
		d.DaysSVG = columns("perdag", "Gestarte gesprekken per dag", fmt.Sprintf("Staafdiagram van %d dagen, van %s tot en met %s. Dagen met minder dan %d gesprekken tonen geen staaf. De tabel eronder geeft dezelfde cijfers.", len(d.Days), d.Days[0].Day, d.Days[len(d.Days)-1].Day, research.MinCell), dbars, max)
	}

	// Drop-off per statement.
	var pbars []bar
	max = 0
	for _, dr := range rep.DropOff {
		if float64(dr.N) > max {
			max = float64(dr.N)
		}
	}
	for _, dr := range rep.DropOff {
		n, hidden := cellText(dr.N)
		label, text := dr.Statement, statementText(dr.Statement)
		if label == "" {
			label = "(voor de eerste stelling)"
		}
		d.Drops = append(d.Drops, dropRow{Statement: label, Text: text, N: n})
		pbars = append(pbars, bar{Label: label, Value: float64(dr.N), Text: n, Ref: -1, Hidden: hidden})
	}
	if len(pbars) > 0 {
		d.DropSVG = hbars("afhaken", "Afhaken per stelling", "Aantal gesprekken dat stopte voor het aanbod, naar de laatst gestelde stelling. De tabel eronder geeft dezelfde cijfers.", pbars, max, "")
	}
	s.render(w, r, http.StatusOK, "overview", s.page(ses, "Overzicht", "overzicht", d))
}

// daysOf returns the started-conversation counts per day from the first
// counted day (at most 90 days back) to today, with suppression.
func daysOf(tallies map[string]int, now time.Time) []dayRow {
	var days []string
	for k := range tallies {
		if d, ok := strings.CutPrefix(k, "started:"); ok {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		return nil
	}
	sort.Strings(days)
	first, err := time.Parse("2006-01-02", days[0])
	if err != nil {
		return nil
	}
	last, err := time.Parse("2006-01-02", days[len(days)-1])
	if err != nil {
		return nil
	}
	if today, _ := time.Parse("2006-01-02", now.UTC().Format("2006-01-02")); today.After(last) {
		last = today
	}
	if last.Sub(first) > 89*24*time.Hour {
		first = last.Add(-89 * 24 * time.Hour)
	}
	var out []dayRow
	for d := first; !d.After(last); d = d.Add(24 * time.Hour) {
		day := d.Format("2006-01-02")
		n := tallies["started:"+day]
		text := "0"
		if n > 0 {
			text, _ = cellText(n)
		}
		out = append(out, dayRow{Day: day, N: text})
	}
	return out
}

func statementText(id string) string {
	if st, ok := segment.Find(id); ok {
		return st.Text
	}
	return ""
}

// listData is the transcript list.
type listData struct {
	Q          query
	Channels   []string
	Sources    []string
	Tags       []string
	Rows       []listRow
	Total      int
	Page, Last int
	Prev, Next string
	JSONL, CSV string
}

type listRow struct {
	Pseudonym, Link, Day, Channel, Source string
	Answers                               int
	Completed, Test, Reviewed             bool
	Segment                               int
	Tone                                  string
	Tags                                  []string
}

func (s *Server) load(r *http.Request, q query) ([]research.Conversation, error) {
	cs, err := research.Load(r.Context(), s.store, q.filter())
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		if q.keep(s.reviews.Get(c.Pseudonym)) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, ses session) {
	q := parseQuery(r.URL.Query())
	cs, err := s.load(r, q)
	if err != nil {
		s.internal(w, r, ses, "list", err)
		return
	}
	all, err := research.Load(r.Context(), s.store, research.Filter{IncludeTest: q.Test})
	if err != nil {
		s.internal(w, r, ses, "list sources", err)
		return
	}
	d := listData{Q: q, Channels: channels, Tags: s.reviews.Tags(), Total: len(cs)}
	for _, f := range []struct {
		format string
		to     *string
	}{{"jsonl", &d.JSONL}, {"csv", &d.CSV}} {
		v := q.values()
		v.Set("formaat", f.format)
		*f.to = "/export?" + v.Encode()
	}
	seen := map[string]bool{}
	for _, c := range all {
		if c.Source != "" && !seen[c.Source] {
			seen[c.Source] = true
			d.Sources = append(d.Sources, c.Source)
		}
	}
	sort.Strings(d.Sources)
	sortNewestFirst(cs)
	d.Last = (len(cs) + perPage - 1) / perPage
	if d.Last == 0 {
		d.Last = 1
	}
	d.Page = min(q.Page, d.Last)
	lo, hi := (d.Page-1)*perPage, min(d.Page*perPage, len(cs))
	for _, c := range cs[lo:hi] {
		rv := s.reviews.Get(c.Pseudonym)
		link := "/gesprekken/" + c.Pseudonym
		if c.Test {
			link += "?test=1"
		}
		d.Rows = append(d.Rows, listRow{
			Pseudonym: c.Pseudonym, Link: link, Day: c.FirstDay, Channel: c.Channel, Source: c.Source,
			Answers: len(c.Answers), Completed: c.Completed, Test: c.Test, Segment: c.Segment,
			Tone: c.Tone(), Reviewed: rv.Reviewed, Tags: rv.Tags,
		})
	}
	if d.Page > 1 {
		d.Prev = "/gesprekken?" + q.withPage(d.Page-1)
	}
	if d.Page < d.Last {
		d.Next = "/gesprekken?" + q.withPage(d.Page+1)
	}
	s.render(w, r, http.StatusOK, "list", s.page(ses, "Gesprekken", "gesprekken", d))
}

// sortNewestFirst orders conversations by the day they started, newest
// first, then by their last day, then the ones with most answers first.
// Records keep days, not times, so within a day that is the most telling
// order; the pseudonym (which means nothing to a reader) only breaks ties.
func sortNewestFirst(cs []research.Conversation) {
	slices.SortStableFunc(cs, func(a, b research.Conversation) int {
		if c := strings.Compare(b.FirstDay, a.FirstDay); c != 0 {
			return c
		}
		if c := strings.Compare(b.LastDay, a.LastDay); c != 0 {
			return c
		}
		if c := len(b.Answers) - len(a.Answers); c != 0 {
			return c
		}
		return strings.Compare(a.Pseudonym, b.Pseudonym)
	})
}

// pseudonymPattern is the shape of a research pseudonym; anything else in
// a URL is refused before the store is read.
var pseudonymPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// find returns the conversation with the given pseudonym; staff tests only
// when asked for.
func (s *Server) find(r *http.Request, id string, test bool) (*research.Conversation, error) {
	if !pseudonymPattern.MatchString(id) {
		return nil, nil
	}
	cs, err := research.Load(r.Context(), s.store, research.Filter{IncludeTest: test})
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].Pseudonym == id {
			return &cs[i], nil
		}
	}
	return nil, nil
}

type transcriptData struct {
	C         *research.Conversation
	Review    Review
	Chart     template.HTML
	Answers   []answerRow
	Turns     []research.Turn
	Saved     bool
	Redacted  bool // a piece of text was just removed
	Action    string
	TagsValue string
	Back      string
}

type answerRow struct {
	N               int
	Statement, Text string
	Value           int
	Kind            string
	P1, P2, P3      string
	Tone            string
}

func (s *Server) transcript(w http.ResponseWriter, r *http.Request, ses session) {
	id := r.PathValue("id")
	test := r.URL.Query().Get("test") == "1"
	c, err := s.find(r, id, test)
	if err != nil {
		s.internal(w, r, ses, "transcript", err)
		return
	}
	if c == nil {
		s.fail(w, r, http.StatusNotFound, "Dit gesprek bestaat niet (meer), of het is een testgesprek.")
		return
	}
	if err := s.audit.Log(ses.name, "view", c.Pseudonym, 1); err != nil {
		s.internal(w, r, ses, "audit", err)
		return
	}
	d := transcriptData{C: c, Review: s.reviews.Get(c.Pseudonym), Turns: c.Turns, Saved: r.URL.Query().Get("opgeslagen") == "1"}
	d.Redacted = r.URL.Query().Get("geredigeerd") == "1"
	d.TagsValue = strings.Join(d.Review.Tags, ", ")
	d.Action = "/gesprekken/" + c.Pseudonym + "/beoordeling"
	if test {
		d.Action += "?test=1"
	}
	var after [][3]float64
	for i, a := range c.Answers {
		row := answerRow{N: i + 1, Statement: a.Statement, Text: statementText(a.Statement), Value: a.Value, Tone: a.Tone,
			P1: fmt.Sprintf("%.0f%%", 100*a.Posterior[0]), P2: fmt.Sprintf("%.0f%%", 100*a.Posterior[1]), P3: fmt.Sprintf("%.0f%%", 100*a.Posterior[2])}
		if st, ok := segment.Find(a.Statement); ok {
			row.Kind = st.Kind.String()
		}
		d.Answers = append(d.Answers, row)
		after = append(after, a.Posterior)
	}
	if len(after) > 0 {
		d.Chart = posteriorChart("kans", segment.Prior, after)
	}
	s.render(w, r, http.StatusOK, "transcript", s.page(ses, "Gesprek "+c.Pseudonym, "gesprekken", d))
}

func (s *Server) review(w http.ResponseWriter, r *http.Request, ses session) {
	id := r.PathValue("id")
	test := r.URL.Query().Get("test") == "1"
	c, err := s.find(r, id, test)
	if err != nil {
		s.internal(w, r, ses, "review", err)
		return
	}
	if c == nil {
		s.fail(w, r, http.StatusNotFound, "Dit gesprek bestaat niet (meer).")
		return
	}
	reviewed := r.PostForm.Get("beoordeeld") == "1"
	tags := parseTags(r.PostForm.Get("labels"))
	note := strings.TrimSpace(r.PostForm.Get("notitie"))
	if len(note) > MaxNote {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("De notitie is te lang (hoogstens %d tekens).", MaxNote))
		return
	}
	now := s.now().UTC().Truncate(time.Second)
	err = s.reviews.Update(c.Pseudonym, func(rv *Review) {
		if reviewed && !rv.Reviewed {
			rv.ReviewedBy, rv.ReviewedAt = ses.name, now
		}
		if !reviewed {
			rv.ReviewedBy, rv.ReviewedAt = "", time.Time{}
		}
		rv.Reviewed = reviewed
		rv.Tags = tags
		if note != "" {
			rv.Notes = append(rv.Notes, Note{By: ses.name, At: now, Text: note})
		}
	})
	if err != nil {
		s.internal(w, r, ses, "save review", err)
		return
	}
	if err := s.audit.Log(ses.name, "review", c.Pseudonym, 1); err != nil {
		s.log.Error("review: audit log", "err", err)
	}
	target := "/gesprekken/" + c.Pseudonym + "?opgeslagen=1"
	if test {
		target += "&test=1"
	}
	http.Redirect(w, r, target+"#beoordeling", http.StatusSeeOther)
}

type studyData struct {
	Q        query
	Channels []string
	Report   *research.Report
	Segments []segmentRow
	Rows     []studyRow
	Drops    []dropRow
	Total    string
	Text     string
}

type studyRow struct {
	ID, Dimension, Text string
	Cells               [3]studyCell
}

type studyCell struct {
	Ours  string
	N     string
	Study float64
}

func (s *Server) study(w http.ResponseWriter, r *http.Request, ses session) {
	q := parseQuery(r.URL.Query())
	q.Segment, q.Completed, q.Status, q.Tag = "", "", "", ""
	rep, err := research.Compute(r.Context(), s.store, q.filter())
	if err != nil {
		s.internal(w, r, ses, "study", err)
		return
	}
	d := studyData{Q: q, Channels: channels, Report: rep}
	for _, sr := range rep.Segments {
		n, hidden := cellText(sr.Size.Of)
		pct := research.Suppressed
		if !hidden && sr.Size.N >= research.MinCell && !rep.TotalHidden {
			pct = fmt.Sprintf("%.0f%%", sr.Size.Pct())
		}
		d.Segments = append(d.Segments, segmentRow{Name: fmt.Sprintf("%d %s", sr.Segment, sr.Name), N: n, Pct: pct, Study: sr.StudyPct})
	}
	d.Total, _ = cellText(rep.SegmentsTotal)
	if rep.TotalHidden {
		d.Total = research.Suppressed
	}
	for _, st := range rep.Statements {
		row := studyRow{ID: st.ID, Dimension: st.Dimension, Text: st.Text}
		for k := range 3 {
			cell := st.Agree[k]
			ours := research.Suppressed
			if cell.Shown() {
				ours = fmt.Sprintf("%.0f%%", cell.Pct())
			}
			n, _ := cellText(cell.N)
			row.Cells[k] = studyCell{Ours: ours, N: n, Study: st.Study[k]}
		}
		d.Rows = append(d.Rows, row)
	}
	for _, dr := range rep.DropOff {
		n, _ := cellText(dr.N)
		label := dr.Statement
		if label == "" {
			label = "(voor de eerste stelling)"
		}
		d.Drops = append(d.Drops, dropRow{Statement: label, Text: statementText(dr.Statement), N: n})
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		s.internal(w, r, ses, "study text", err)
		return
	}
	d.Text = buf.String()
	if err := s.audit.Log(ses.name, "report", q.filter().String(), rep.Conversations); err != nil {
		s.internal(w, r, ses, "audit", err)
		return
	}
	s.render(w, r, http.StatusOK, "study", s.page(ses, "Studietabel", "studie", d))
}

func (s *Server) export(w http.ResponseWriter, r *http.Request, ses session) {
	q := parseQuery(r.URL.Query())
	format := r.URL.Query().Get("formaat")
	if format != "jsonl" && format != "csv" {
		s.fail(w, r, http.StatusBadRequest, "Kies als formaat JSON lines (jsonl) of CSV (csv).")
		return
	}
	cs, err := s.load(r, q)
	if err != nil {
		s.internal(w, r, ses, "export", err)
		return
	}
	if err := s.audit.Log(ses.name, "export", "format="+format+" "+q.String(), len(cs)); err != nil {
		s.internal(w, r, ses, "audit", err)
		return
	}
	var buf bytes.Buffer
	write, ctype := research.WriteJSONL, "application/x-ndjson"
	if format == "csv" {
		write, ctype = research.WriteCSV, "text/csv; charset=utf-8"
	}
	if err := write(&buf, cs); err != nil {
		s.internal(w, r, ses, "export write", err)
		return
	}
	name := fmt.Sprintf("proactief-export-%s.%s", s.now().UTC().Format("20060102-150405"), format)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(buf.Bytes())
}

type auditData struct {
	Bad     *research.BadLines // lines skipped, nil when none
	Entries []research.AuditEntry
	Total   int
	Shown   int
}

// auditShown is how many of the newest entries the audit page shows.
const auditShown = 500

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, ses session) {
	if !ses.admin {
		s.render(w, r, http.StatusForbidden, "error", s.page(ses, "Geen toegang", "", "Alleen beheerders kunnen het logboek lezen."))
		return
	}
	var all []research.AuditEntry
	total := 0
	err := s.audit.Read(func(e research.AuditEntry) error {
		total++
		all = append(all, e)
		if len(all) > 4*auditShown {
			all = append(all[:0:0], all[len(all)-auditShown:]...)
		}
		return nil
	})
	var bad *research.BadLines
	if errors.As(err, &bad) {
		s.log.Warn("review: unreadable audit log lines skipped", "lines", len(bad.Lines))
		err = nil
	}
	if err != nil {
		s.internal(w, r, ses, "audit read", err)
		return
	}
	slices.Reverse(all)
	d := auditData{Total: total, Bad: bad}
	if len(all) > auditShown {
		all = all[:auditShown]
	}
	d.Entries, d.Shown = all, len(all)
	s.render(w, r, http.StatusOK, "audit", s.page(ses, "Logboek", "logboek", d))
}
