package research

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// WriteJSONL writes one JSON object per conversation, one per line.
func WriteJSONL(w io.Writer, cs []Conversation) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range cs {
		c := cs[i]
		if c.Answers == nil {
			c.Answers = []Answer{}
		}
		if c.Turns == nil {
			c.Turns = []Turn{}
		}
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("write conversation %s: %w", c.Pseudonym, err)
		}
	}
	return bw.Flush()
}

// CSVHeader returns the columns WriteCSV writes: the conversation's fields,
// one column per statement id (study order) with the answer (empty = not
// asked, 0 = skipped, 1..5), the final posterior per segment, the final
// tone, and the turns as a JSON array.
func CSVHeader() []string {
	h := []string{"pseudonym", "channel", "source", "consent_version", "test", "first_day", "last_day",
		"completed", "segment", "offer", "last_state", "asked", "answered"}
	for _, s := range statements {
		h = append(h, "q_"+s.ID)
	}
	return append(h, "posterior_1", "posterior_2", "posterior_3", "tone", "turns")
}

// WriteCSV writes a header and one row per conversation (see CSVHeader).
// Text cells that a spreadsheet would read as a formula are prefixed with
// an apostrophe.
func WriteCSV(w io.Writer, cs []Conversation) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader()); err != nil {
		return err
	}
	for i := range cs {
		c := &cs[i]
		values := map[string]int{}
		answered := 0
		for _, a := range c.Answers {
			values[a.Statement] = a.Value
			if a.Value != 0 {
				answered++
			}
		}
		row := []string{
			cell(c.Pseudonym), cell(c.Channel), cell(c.Source), cell(c.ConsentVersion), strconv.FormatBool(c.Test),
			c.FirstDay, c.LastDay, strconv.FormatBool(c.Completed), strconv.Itoa(c.Segment), cell(c.Offer),
			cell(c.LastState), strconv.Itoa(len(c.Answers)), strconv.Itoa(answered),
		}
		for _, s := range statements {
			v, ok := values[s.ID]
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, strconv.Itoa(v))
		}
		p := c.Posterior()
		for _, x := range p {
			row = append(row, strconv.FormatFloat(x, 'f', 4, 64))
		}
		turns := c.Turns
		if turns == nil {
			turns = []Turn{}
		}
		js, err := json.Marshal(turns)
		if err != nil {
			return fmt.Errorf("write conversation %s: %w", c.Pseudonym, err)
		}
		row = append(row, cell(c.Tone()), string(js))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cell neutralises text a spreadsheet would run as a formula.
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
