package bot

import (
	"fmt"
	"strings"
	"time"
)

// QuietHours are the times at which no message nobody asked for (a
// follow-up) is sent: every night from From to To local time, and all of
// Sunday. The zero value has no quiet hours.
type QuietHours struct {
	// Loc is the time zone of From, To and Sunday; nil means UTC.
	Loc *time.Location
	// From and To are minutes after local midnight; From > To spans
	// midnight (21:00-09:00). From == To means no nightly quiet hours.
	From, To int
	// Sunday makes all of Sunday quiet.
	Sunday bool
}

// DefaultQuietHours is the setting PROACTIEF_QUIET_HOURS defaults to: from
// 21:00 to 09:00 and all of Sunday, Europe/Amsterdam time.
const DefaultQuietHours = "21:00-09:00"

// ParseQuietHours reads a quiet-hours setting: "HH:MM-HH:MM" (nightly, in
// loc, plus all of Sunday) or "off" (none). It returns an error saying
// what is wrong otherwise.
func ParseQuietHours(s string, loc *time.Location) (QuietHours, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "off" || s == "none" || s == "uit" {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM (for example 21:00-09:00) or off", s)
	}
	f, err := clockMinutes(from)
	if err != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: %w", s, err)
	}
	t, err := clockMinutes(to)
	if err != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: %w", s, err)
	}
	if loc == nil {
		loc = time.UTC
	}
	return QuietHours{Loc: loc, From: f, To: t, Sunday: true}, nil
}

func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day like 09:00", strings.TrimSpace(s))
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Off reports whether q has no quiet hours at all.
func (q QuietHours) Off() bool { return q.From == q.To && !q.Sunday }

func (q QuietHours) loc() *time.Location {
	if q.Loc == nil {
		return time.UTC
	}
	return q.Loc
}

// Quiet reports whether t falls in the quiet hours.
func (q QuietHours) Quiet(t time.Time) bool { return !q.Next(t).Equal(t) }

// Next returns the first moment at or after t that is not in the quiet
// hours: t itself when it is not quiet.
func (q QuietHours) Next(t time.Time) time.Time {
	if q.Off() {
		return t
	}
	loc := q.loc()
	lt := t.In(loc)
	// Each step moves to the end of one quiet stretch; a few are enough
	// (a night that runs into a Sunday that runs into a night).
loop:
	for range 4 {
		y, m, d := lt.Date()
		if q.Sunday && lt.Weekday() == time.Sunday {
			lt = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
			continue
		}
		min := lt.Hour()*60 + lt.Minute()
		at := func(day, minutes int) time.Time {
			return time.Date(y, m, d+day, minutes/60, minutes%60, 0, 0, loc)
		}
		switch {
		case q.From == q.To:
		case q.From > q.To && min >= q.From: // evening part of a night
			lt = at(1, q.To)
			continue
		case q.From > q.To && min < q.To: // morning part
			lt = at(0, q.To)
			continue
		case q.From < q.To && min >= q.From && min < q.To:
			lt = at(0, q.To)
			continue
		}
		break loop
	}
	if lt.Equal(t) {
		return t
	}
	return lt.In(t.Location())
}

// String gives the setting back in the form ParseQuietHours reads.
func (q QuietHours) String() string {
	if q.Off() {
		return "off"
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.From/60, q.From%60, q.To/60, q.To%60)
}
