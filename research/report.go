package research

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/segment"
)

// MinCell is the smallest number of people a shown figure may rest on:
// cells with fewer are shown as "<10".
const MinCell = 10

// Suppressed is how a suppressed cell is shown.
const Suppressed = "<10"

// Count formats n, or Suppressed when n < MinCell.
func Count(n int) string {
	if n < MinCell {
		return Suppressed
	}
	return strconv.Itoa(n)
}

// Cell is a share of people: Of out of N. It is shown only when N >= MinCell.
type Cell struct {
	Of int `json:"of"` // people counted (e.g. agreeing)
	N  int `json:"n"`  // people it is a share of
}

// Shown reports whether the cell may be shown.
func (c Cell) Shown() bool { return c.N >= MinCell }

// Pct returns the share in percent, 0 when N is 0.
func (c Cell) Pct() float64 {
	if c.N == 0 {
		return 0
	}
	return 100 * float64(c.Of) / float64(c.N)
}

// String formats the cell as "37% (n=25)", or Suppressed.
func (c Cell) String() string {
	if !c.Shown() {
		return Suppressed
	}
	return fmt.Sprintf("%.0f%% (n=%d)", c.Pct(), c.N)
}

// StatementRow is one line of the study's table: agreement with a
// statement per assigned segment, beside the published figure.
type StatementRow struct {
	ID        string     `json:"id"`
	Dimension string     `json:"dimension"`
	Text      string     `json:"text"`
	Study     [3]float64 `json:"study_pct"` // published % agreeing (top-2-box), per segment
	// Agree per assigned segment: Of = answered 4 or 5, N = answered
	// (skips excluded), among completed conversations.
	Agree [3]Cell `json:"agree"`
}

// SegmentRow is the size of one assigned segment.
type SegmentRow struct {
	Segment  int     `json:"segment"`
	Name     string  `json:"name"`
	Size     Cell    `json:"size"`      // Of = assigned this segment, N = completed with a segment
	StudyPct float64 `json:"study_pct"` // the study's share: 39, 22, 39
}

// DropRow counts conversations that ended before the offer at one
// statement.
type DropRow struct {
	Statement string `json:"statement"` // "" = before the first statement
	N         int    `json:"n"`
}

// Consent holds the aggregate counters behind the consent rates.
type Consent struct {
	Started     int `json:"started"`
	Completed   int `json:"completed"`
	KeepYes     int `json:"keep_yes"`
	KeepNo      int `json:"keep_no"`
	ResearchYes int `json:"research_yes"`
	ResearchNo  int `json:"research_no"`
}

// Keep is the share of those asked who agreed to keep their answers.
func (c Consent) Keep() Cell { return Cell{Of: c.KeepYes, N: c.KeepYes + c.KeepNo} }

// Research is the share of those asked who agreed to research use.
func (c Consent) Research() Cell { return Cell{Of: c.ResearchYes, N: c.ResearchYes + c.ResearchNo} }

// Completion is the share of started conversations that reached the offer.
func (c Consent) Completion() Cell { return Cell{Of: c.Completed, N: c.Started} }

// Report is the study's table recomputed from the research records.
type Report struct {
	Filter        Filter         `json:"-"`
	Conversations int            `json:"conversations"` // matching the filter
	Completed     int            `json:"completed"`     // of which reached the offer
	Statements    []StatementRow `json:"statements"`    // the statements with published figures, study order
	Segments      [3]SegmentRow  `json:"segments"`
	// SegmentsTotal is the number of completed conversations with a
	// segment; it is hidden (suppressed) when exactly one segment is,
	// so that the hidden one cannot be found by subtraction.
	SegmentsTotal int       `json:"segments_total"`
	TotalHidden   bool      `json:"segments_total_hidden"`
	DropOff       []DropRow `json:"drop_off"` // most first
	Consent       Consent   `json:"consent"`
	// Follow-up outcomes per assigned segment and per campaign (followup.go).
	OutcomesBySegment  [3]OutcomeRow `json:"outcomes_by_segment"`
	OutcomesByCampaign []OutcomeRow  `json:"outcomes_by_campaign"`
}

// Compute loads the conversations matching f and computes the report.
// Consent rates come from s.Tallies: all conversations, with staff tests
// only when f.IncludeTest.
func Compute(ctx context.Context, s bot.Store, f Filter) (*Report, error) {
	cs, err := Load(ctx, s, f)
	if err != nil {
		return nil, err
	}
	tallies, err := s.Tallies(ctx)
	if err != nil {
		return nil, fmt.Errorf("read tallies: %w", err)
	}
	r := Summarize(cs, tallies, f.IncludeTest)
	r.Filter = f
	return r, nil
}

// Summarize computes a report from loaded conversations and the store's
// tallies; test counters ("test:" prefix) are added only with includeTest.
func Summarize(cs []Conversation, tallies map[string]int, includeTest bool) *Report {
	r := &Report{Conversations: len(cs)}
	row := map[string]int{}
	for _, s := range statements {
		if !s.HasEvidence() {
			continue
		}
		sr := StatementRow{ID: s.ID, Dimension: s.Dimension, Text: s.Text}
		copy(sr.Study[:], s.AgreePct)
		row[s.ID] = len(r.Statements)
		r.Statements = append(r.Statements, sr)
	}
	for k := range 3 {
		seg := segment.Segment(k + 1)
		r.Segments[k] = SegmentRow{Segment: k + 1, Name: seg.String(), StudyPct: 100 * segment.Prior[k]}
	}
	drops := map[string]int{}
	for i := range cs {
		c := &cs[i]
		if !c.Completed {
			drops[c.LastAsked()]++
			continue
		}
		r.Completed++
		if c.Segment < 1 || c.Segment > 3 {
			continue
		}
		k := c.Segment - 1
		r.Segments[k].Size.Of++
		r.SegmentsTotal++
		for _, a := range c.Answers {
			j, ok := row[a.Statement]
			if !ok || a.Value < 1 || a.Value > 5 {
				continue
			}
			cell := &r.Statements[j].Agree[k]
			cell.N++
			if (segment.Answer{ID: a.Statement, Value: a.Value}).Agrees() {
				cell.Of++
			}
		}
	}
	hidden := 0
	for k := range r.Segments {
		r.Segments[k].Size.N = r.SegmentsTotal
		if r.Segments[k].Size.Of < MinCell {
			hidden++
		}
	}
	r.TotalHidden = hidden == 1
	for id, n := range drops {
		r.DropOff = append(r.DropOff, DropRow{Statement: id, N: n})
	}
	sort.Slice(r.DropOff, func(i, j int) bool {
		if r.DropOff[i].N != r.DropOff[j].N {
			return r.DropOff[i].N > r.DropOff[j].N
		}
		return r.DropOff[i].Statement < r.DropOff[j].Statement
	})
	get := func(k string) int {
		n := tallies[k]
		if includeTest {
			n += tallies["test:"+k]
		}
		return n
	}
	r.Consent = Consent{
		Started: get("started"), Completed: get("completed"),
		KeepYes: get("consent_keep_yes"), KeepNo: get("consent_keep_no"),
		ResearchYes: get("consent_research_yes"), ResearchNo: get("consent_research_no"),
	}
	r.OutcomesBySegment, r.OutcomesByCampaign = outcomes(cs)
	return r
}

// WriteText writes the report as plain-text tables, with every cell of
// fewer than MinCell people suppressed.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	p := func(format string, a ...any) { fmt.Fprintf(ew, format, a...) }

	p("proactief research report\n")
	p("Filter: %s\n", r.Filter)
	p("Conversations with research consent: %s; reached the offer: %s\n", Count(r.Conversations), Count(r.Completed))
	p("Cells based on fewer than %d people are shown as %q.\n", MinCell, Suppressed)

	p("\n1. Segment sizes (assigned segment, conversations that reached the offer)\n\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Segment\tn\tproactief\tstudy\n")
	for _, s := range r.Segments {
		pct := Suppressed
		if s.Size.Of >= MinCell && s.Size.N >= MinCell && !r.TotalHidden {
			pct = fmt.Sprintf("%.0f%%", s.Size.Pct())
		}
		fmt.Fprintf(tw, "%d %s\t%s\t%s\t%.0f%%\n", s.Segment, s.Name, Count(s.Size.Of), pct, s.StudyPct)
	}
	total := Count(r.SegmentsTotal)
	if r.TotalHidden {
		total = Suppressed
	}
	fmt.Fprintf(tw, "Total\t%s\t\t\n", total)
	tw.Flush()

	p("\n2. Agreement per statement (%% answering 4 or 5 of those who answered; skips excluded)\n")
	p("   proactief: %% (n) per assigned segment; study: the published %%\n\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Statement\tSeg 1\tstudy\tSeg 2\tstudy\tSeg 3\tstudy\n")
	for _, s := range r.Statements {
		fmt.Fprintf(tw, "%s", s.ID)
		for k := range 3 {
			fmt.Fprintf(tw, "\t%s\t%.0f%%", s.Agree[k], s.Study[k])
		}
		fmt.Fprintf(tw, "\n")
	}
	tw.Flush()

	p("\n3. Drop-off: where conversations ended before the offer (last statement asked)\n\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Statement\tn\n")
	if len(r.DropOff) == 0 {
		fmt.Fprintf(tw, "(none)\t0\n")
	}
	for _, d := range r.DropOff {
		name := d.Statement
		if name == "" {
			name = "(before the first statement)"
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, Count(d.N))
	}
	tw.Flush()

	c := r.Consent
	p("\n4. Consent and completion (aggregate counters, all conversations, not filtered by date, segment, channel or source)\n\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\tyes\tno\trate\n")
	fmt.Fprintf(tw, "Keep answers\t%s\t%s\t%s\n", Count(c.KeepYes), Count(c.KeepNo), pctOnly(c.Keep()))
	fmt.Fprintf(tw, "Research use\t%s\t%s\t%s\n", Count(c.ResearchYes), Count(c.ResearchNo), pctOnly(c.Research()))
	fmt.Fprintf(tw, "\tstarted\tcompleted\trate\n")
	fmt.Fprintf(tw, "Conversations\t%s\t%s\t%s\n", Count(c.Started), Count(c.Completed), pctOnly(c.Completion()))
	tw.Flush()
	r.writeOutcomes(ew)
	return ew.err
}

// pctOnly formats a rate of two shown counts (yes and no, or completed
// and not completed), or Suppressed when either count is: the rate beside
// a shown total would reveal the hidden count.
func pctOnly(c Cell) string {
	if !c.Shown() || c.Of < MinCell || c.N-c.Of < MinCell {
		return Suppressed
	}
	return fmt.Sprintf("%.0f%%", c.Pct())
}

// errWriter keeps the first write error so that WriteText can report it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
