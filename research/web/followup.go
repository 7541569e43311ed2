package web

import (
	"github.com/proactief/proactief/research"
)

// Follow-up outcomes on the study page (issue 17): the cells of one row
// of research.OutcomeRow, small cells suppressed as in the text report.

func init() {
	funcs["outcomeHeads"] = func() []string {
		heads := []string{"Gesprekken", "Aanbod bereikt", "Vervolgberichten"}
		for _, o := range research.Outcomes {
			heads = append(heads, research.OutcomeLabels[o])
		}
		return append(heads, "Gelukt van wie antwoordde")
	}
	funcs["outcomeCells"] = func(r research.OutcomeRow) []string {
		cells := []string{research.Count(r.Conversations), research.Count(r.Completed), r.FollowupsShown()}
		for _, o := range research.Outcomes {
			cells = append(cells, research.Count(r.Outcome[o]))
		}
		return append(cells, r.GeluktShown())
	}
}
