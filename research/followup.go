package research

import (
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/proactief/proactief/bot"
)

// Outcomes of follow-ups as the report counts them: the answers a person
// can give (dialogue.Result*) and OutcomeNoReply for a follow-up planned
// and not answered (not answered yet, not sent yet, or cancelled before
// it was due: the records cannot tell these apart).
const OutcomeNoReply = "no_reply"

// Outcomes lists the outcome columns in report order.
var Outcomes = []string{"gelukt", "nog_niet", "hulp", "verder", "stop", OutcomeNoReply}

// OutcomeLabels are the column headings of Outcomes.
var OutcomeLabels = map[string]string{
	"gelukt": "gelukt", "nog_niet": "nog niet", "hulp": "hulp gevraagd",
	"verder": "verder gegaan", "stop": "gestopt", OutcomeNoReply: "geen antwoord",
}

// followup takes a research turn's follow-up mark into c.
func (c *Conversation) followup(t bot.ResearchTurn) {
	switch {
	case t.Followup == "":
	case t.Followup == bot.FollowupPlanned:
		c.Followups++
		c.Outcome = OutcomeNoReply
	default:
		c.Outcome = t.Followup
	}
}

// OutcomeRow counts the follow-up outcomes of one group of conversations
// (a segment or a campaign).
type OutcomeRow struct {
	Group string `json:"group"`
	// Conversations and Completed count the group's conversations and
	// those that reached the offer (completion per campaign).
	Conversations int `json:"conversations"`
	Completed     int `json:"completed"`
	// Followups counts conversations with a follow-up planned; Outcome
	// how many of them ended in each outcome.
	Followups int            `json:"followups"`
	Outcome   map[string]int `json:"outcome"`
	// Study is the study's expectation for the group, "" when it gives none.
	Study string `json:"study,omitempty"`
}

// FollowupsShown formats Followups, suppressed also when exactly one
// outcome cell is: the hidden one would follow by subtraction.
func (r OutcomeRow) FollowupsShown() string {
	hidden := 0
	for _, k := range Outcomes {
		if r.Outcome[k] < MinCell {
			hidden++
		}
	}
	if hidden == 1 {
		return Suppressed
	}
	return Count(r.Followups)
}

// Answered counts follow-ups that got an answer.
func (r OutcomeRow) Answered() int { return r.Followups - r.Outcome[OutcomeNoReply] }

// Gelukt is the share of answered follow-ups that said it worked out.
func (r OutcomeRow) Gelukt() Cell { return Cell{Of: r.Outcome["gelukt"], N: r.Answered()} }

// GeluktShown formats Gelukt as a percentage, or Suppressed when either
// count behind it is small.
func (r OutcomeRow) GeluktShown() string { return pctOnly(r.Gelukt()) }

// Completion is the share of the group's conversations that reached the offer.
func (r OutcomeRow) Completion() Cell { return Cell{Of: r.Completed, N: r.Conversations} }

// studyOutcome is what the study says about taking up proactive help, per
// segment (section 3, "Proactief hulpaanbod" and "naar verwachting
// gelopen"): the share (very) positive about an offer of help they did not
// ask for, among those never approached; and, among those who were, that
// a large majority used it and it went as expected (91% in segment 3; no
// figure for segments 1 and 2).
var studyOutcome = [3]string{
	"46% positive about an offer; most who used one: went as expected (no figure)",
	"29% positive about an offer; most who used one: went as expected (no figure)",
	"52% positive about an offer; 91% of those who used one: went as expected",
}

// noSource is the campaign group of conversations that did not come
// through a deep link.
const noSource = "(no campaign)"

// outcomes computes the outcome tables per segment and per campaign.
func outcomes(cs []Conversation) (bySegment [3]OutcomeRow, byCampaign []OutcomeRow) {
	for k := range bySegment {
		bySegment[k] = OutcomeRow{Group: fmt.Sprintf("segment %d", k+1), Outcome: map[string]int{}, Study: studyOutcome[k]}
	}
	camp := map[string]*OutcomeRow{}
	add := func(r *OutcomeRow, c *Conversation) {
		r.Conversations++
		if c.Completed {
			r.Completed++
		}
		if c.Followups > 0 {
			r.Followups++
			r.Outcome[c.Outcome]++
		}
	}
	for i := range cs {
		c := &cs[i]
		if c.Segment >= 1 && c.Segment <= 3 {
			add(&bySegment[c.Segment-1], c)
		}
		src := c.Source
		if src == "" {
			src = noSource
		}
		if camp[src] == nil {
			camp[src] = &OutcomeRow{Group: src, Outcome: map[string]int{}}
		}
		add(camp[src], c)
	}
	for _, r := range camp {
		byCampaign = append(byCampaign, *r)
	}
	sort.Slice(byCampaign, func(i, j int) bool { return byCampaign[i].Group < byCampaign[j].Group })
	return bySegment, byCampaign
}

// writeOutcomes writes the follow-up tables of the text report.
func (r *Report) writeOutcomes(ew *errWriter) {
	p := func(format string, a ...any) { fmt.Fprintf(ew, format, a...) }
	header := func(tw *tabwriter.Writer, first string) {
		fmt.Fprintf(tw, "%s\tconversations\tcompleted\tfollow-ups", first)
		for _, o := range Outcomes {
			fmt.Fprintf(tw, "\t%s", OutcomeLabels[o])
		}
		fmt.Fprintf(tw, "\tgelukt of answered\n")
	}
	row := func(tw *tabwriter.Writer, o OutcomeRow) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s", o.Group, Count(o.Conversations), Count(o.Completed), o.FollowupsShown())
		for _, k := range Outcomes {
			fmt.Fprintf(tw, "\t%s", Count(o.Outcome[k]))
		}
		fmt.Fprintf(tw, "\t%s", o.GeluktShown())
	}
	p("\n5. Follow-ups per segment (the outcome of the last follow-up of each conversation)\n")
	p("   study: what the study says about taking up proactive help in that segment\n\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	header(tw, "Segment")
	for _, o := range r.OutcomesBySegment {
		row(tw, o)
		fmt.Fprintf(tw, "\n")
	}
	tw.Flush()
	for _, o := range r.OutcomesBySegment {
		p("   %s, study: %s\n", o.Group, o.Study)
	}

	p("\n6. Completion and follow-ups per campaign (deep-link source; the study gives no figures per campaign)\n\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	header(tw, "Campaign")
	if len(r.OutcomesByCampaign) == 0 {
		fmt.Fprintf(tw, "(none)\n")
	}
	for _, o := range r.OutcomesByCampaign {
		row(tw, o)
		fmt.Fprintf(tw, "\tcompletion %s\n", pctOnly(o.Completion()))
	}
	tw.Flush()
}
