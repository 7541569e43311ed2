package segment

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
)

// Segment is one of the study's three segments. The zero value is not a
// segment.
type Segment int

// The study's segments, numbered as in the study.
const (
	Volgers      Segment = 1 // Vertrouwende Volgers
	Zelfredzamen Segment = 2 // Zorgvuldige Zelfredzamen
	Hulpzoekers  Segment = 3 // Voorzichtige Hulpzoekers
)

// String returns the study's name of the segment, or "onbekend" when s is
// not one of the three segments.
func (s Segment) String() string {
	switch s {
	case Volgers:
		return "Vertrouwende Volgers"
	case Zelfredzamen:
		return "Zorgvuldige Zelfredzamen"
	case Hulpzoekers:
		return "Voorzichtige Hulpzoekers"
	}
	return "onbekend"
}

// Valid reports whether s is one of the three segments.
func (s Segment) Valid() bool { return s >= Volgers && s <= Hulpzoekers }

// Kind says how a statement is put to a person.
type Kind int

// The two kinds of statement in the study.
const (
	Agreement  Kind = iota // "De overheid doet wat zij belooft.": do you agree?
	Importance             // "Dat ik ...": how important is this to you?
)

// String returns "agreement" or "importance".
func (k Kind) String() string {
	if k == Importance {
		return "importance"
	}
	return "agreement"
}

// MarshalText writes the kind as its String.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads "agreement" or "importance"; anything else is an error.
func (k *Kind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "agreement":
		*k = Agreement
	case "importance":
		*k = Importance
	default:
		return fmt.Errorf("kind %q: want agreement or importance", b)
	}
	return nil
}

// Statement is one statement of the study with its published figures and
// the chatbot's way of asking it.
//
// Its JSON form is the embedded data file's and what "proactief
// statements" prints.
type Statement struct {
	ID        string    `json:"id"`        // stable short id, e.g. "vertrouwen_belooft"
	Dimension string    `json:"dimension"` // the study's dimension, e.g. "Vertrouwen"
	Text      string    `json:"text"`      // verbatim from the study
	Kind      Kind      `json:"kind"`      // agreement or importance statement
	AgreePct  []float64 `json:"agree_pct"` // top-2-box percentage per segment (index 0 = segment 1), or nil when the study has no figures
	AskNL     string    `json:"ask_nl"`    // conversational Dutch question (B1, je-form)
	AskEN     string    `json:"ask_en"`    // conversational English question
	WhyNL     string    `json:"why_nl"`    // why we ask this, in Dutch
	WhyEN     string    `json:"why_en"`    // why we ask this, in English
}

// HasEvidence reports whether the study published figures for the
// statement, so that an answer to it says something about the segment.
func (s Statement) HasEvidence() bool { return len(s.AgreePct) == 3 }

//go:embed statements.json
var statementsJSON []byte

// table is the parsed embedded data, in study order. It is never handed out
// directly: Statements and Find return copies.
var table = mustLoad(statementsJSON)

// index maps a statement id to its position in table.
var index = func() map[string]int {
	m := make(map[string]int, len(table))
	for i, s := range table {
		m[s.ID] = i
	}
	return m
}()

// mustLoad parses and checks the embedded data. The data is part of the
// program, so a broken file is a programming error and panics at start-up.
func mustLoad(data []byte) []Statement {
	st, err := load(data)
	if err != nil {
		panic("segment: embedded statements.json: " + err.Error())
	}
	return st
}

// load parses and checks statement data.
func load(data []byte) ([]Statement, error) {
	var out []Statement
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	if len(out) > maxStatements {
		return nil, fmt.Errorf("%d statements, at most %d supported", len(out), maxStatements)
	}
	seen := make(map[string]bool, len(out))
	for i, r := range out {
		if r.ID == "" || seen[r.ID] {
			return nil, fmt.Errorf("statement %d: empty or duplicate id %q", i, r.ID)
		}
		seen[r.ID] = true
		if r.AgreePct != nil {
			if len(r.AgreePct) != 3 {
				return nil, fmt.Errorf("statement %s: %d percentages, want 3", r.ID, len(r.AgreePct))
			}
			for _, p := range r.AgreePct {
				if !(p > 0 && p < 100) || math.IsNaN(p) {
					return nil, fmt.Errorf("statement %s: percentage %v outside (0, 100)", r.ID, p)
				}
			}
		}
		if r.Text == "" || r.Dimension == "" || r.AskNL == "" || r.AskEN == "" || r.WhyNL == "" || r.WhyEN == "" {
			return nil, fmt.Errorf("statement %s: empty text, dimension, ask or why field", r.ID)
		}
	}
	return out, nil
}

// Statements returns all statements of the study in the order of the
// study's table. The result is a copy the caller may change.
func Statements() []Statement {
	out := make([]Statement, len(table))
	for i, s := range table {
		out[i] = s.clone()
	}
	return out
}

// Find returns the statement with the given id, and false when there is none.
func Find(id string) (Statement, bool) {
	i, ok := index[id]
	if !ok {
		return Statement{}, false
	}
	return table[i].clone(), true
}

func (s Statement) clone() Statement {
	if s.AgreePct != nil {
		s.AgreePct = append([]float64(nil), s.AgreePct...)
	}
	return s
}
