package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrHours is returned by ParseOfficeHours for a value it cannot read.
var ErrHours = errors.New("invalid office hours")

// OfficeHours says when municipal staff answer handovers. The zero value
// is always open.
type OfficeHours struct {
	always   bool
	days     [7]bool // by time.Weekday
	from, to int     // minutes after midnight, from < to
	loc      *time.Location
	text     string
}

var dayNames = map[string]time.Weekday{
	"zo": time.Sunday, "ma": time.Monday, "di": time.Tuesday, "wo": time.Wednesday, "do": time.Thursday, "vr": time.Friday, "za": time.Saturday,
	"su": time.Sunday, "mo": time.Monday, "tu": time.Tuesday, "we": time.Wednesday, "th": time.Thursday, "fr": time.Friday, "sa": time.Saturday,
}

var dutchDays = [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}
var englishDays = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// ParseOfficeHours reads office hours like "ma-vr 09:00-17:00" (days
// ma di wo do vr za zo, or mo tu we th fr sa su; a range or a comma list)
// in loc (nil: Europe/Amsterdam), or "altijd" / "always" (or "") for
// always open. It returns an error wrapping ErrHours for anything else.
func ParseOfficeHours(s string, loc *time.Location) (OfficeHours, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "altijd" || s == "always" {
		return OfficeHours{always: true}, nil
	}
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation("Europe/Amsterdam"); err != nil {
			return OfficeHours{}, fmt.Errorf("%w: %v", ErrHours, err)
		}
	}
	days, hours, ok := strings.Cut(s, " ")
	if !ok {
		return OfficeHours{}, fmt.Errorf("%w: %q: want days and times, like \"ma-vr 09:00-17:00\"", ErrHours, s)
	}
	h := OfficeHours{loc: loc}
	for _, part := range strings.Split(days, ",") {
		a, b, isRange := strings.Cut(part, "-")
		da, ok1 := dayNames[a]
		db, ok2 := dayNames[b]
		if !isRange {
			db, ok2 = da, ok1
		}
		if !ok1 || !ok2 {
			return OfficeHours{}, fmt.Errorf("%w: %q: unknown day in %q", ErrHours, s, part)
		}
		for d := da; ; d = (d + 1) % 7 {
			h.days[d] = true
			if d == db {
				break
			}
		}
	}
	from, to, ok := strings.Cut(strings.TrimSpace(hours), "-")
	if !ok {
		return OfficeHours{}, fmt.Errorf("%w: %q: want times like 09:00-17:00", ErrHours, s)
	}
	var err1, err2 error
	h.from, err1 = minutes(from)
	h.to, err2 = minutes(to)
	if err1 != nil || err2 != nil || h.from >= h.to {
		return OfficeHours{}, fmt.Errorf("%w: %q: want times like 09:00-17:00, the first before the second", ErrHours, s)
	}
	h.text = s
	return h, nil
}

func minutes(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Always reports whether h is always open.
func (h OfficeHours) Always() bool { return h.always || h.loc == nil }

// Open reports whether staff answer at t.
func (h OfficeHours) Open(t time.Time) bool {
	if h.Always() {
		return true
	}
	lt := t.In(h.loc)
	m := lt.Hour()*60 + lt.Minute()
	return h.days[lt.Weekday()] && m >= h.from && m < h.to
}

// Next returns the next time at or after t when staff answer.
func (h OfficeHours) Next(t time.Time) time.Time {
	if h.Open(t) {
		return t
	}
	lt := t.In(h.loc)
	for i := 0; i <= 7; i++ {
		d := lt.AddDate(0, 0, i)
		start := time.Date(d.Year(), d.Month(), d.Day(), h.from/60, h.from%60, 0, 0, h.loc)
		if h.days[start.Weekday()] && !start.Before(t) {
			return start
		}
	}
	return t // no open day at all cannot be parsed
}

// Describe says the office hours in words for a person, in lang ("nl",
// "en"): "van maandag t/m vrijdag, 09:00-17:00".
func (h OfficeHours) Describe(lang string) string {
	if h.Always() {
		if lang == "en" {
			return "at any time"
		}
		return "altijd"
	}
	names := dutchDays
	through, at := "t/m", "van"
	if lang == "en" {
		names, through, at = englishDays, "to", "from"
	}
	// Runs of open days, Monday first.
	var runs []string
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	for i := 0; i < len(order); {
		if !h.days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < len(order) && h.days[order[j+1]] {
			j++
		}
		if j == i {
			runs = append(runs, names[order[i]])
		} else {
			runs = append(runs, names[order[i]]+" "+through+" "+names[order[j]])
		}
		i = j + 1
	}
	return fmt.Sprintf("%s %s, %02d:%02d-%02d:%02d", at, strings.Join(runs, ", "), h.from/60, h.from%60, h.to/60, h.to%60)
}

// String returns the setting as parsed.
func (h OfficeHours) String() string {
	if h.Always() {
		return "altijd"
	}
	return h.text
}
