package bot_test

import (
	"testing"
	"time"

	"github.com/proactief/proactief/bot"
)

func TestQuietHours(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	q, err := bot.ParseQuietHours(bot.DefaultQuietHours, ams)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tt, err := time.ParseInLocation("2006-01-02 15:04", s, ams)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	for _, tc := range []struct{ in, want string }{
		{"2026-12-02 10:00", "2026-12-02 10:00"}, // Wednesday morning: send
		{"2026-12-02 20:59", "2026-12-02 20:59"},
		{"2026-12-02 21:00", "2026-12-03 09:00"}, // evening: next morning
		{"2026-12-03 03:30", "2026-12-03 09:00"}, // night: this morning
		{"2026-12-05 22:00", "2026-12-07 09:00"}, // Saturday night runs into Sunday, then Monday's morning
		{"2026-12-06 12:00", "2026-12-07 09:00"}, // Sunday
		{"2026-12-07 08:59", "2026-12-07 09:00"},
		{"2026-03-29 02:30", "2026-03-30 09:00"}, // the night the clocks go forward is a Sunday
		{"2026-10-24 23:00", "2026-10-26 09:00"}, // and the night they go back
	} {
		got := q.Next(at(tc.in))
		if !got.Equal(at(tc.want)) {
			t.Errorf("Next(%s) = %s, want %s", tc.in, got.In(ams).Format("2006-01-02 15:04 Mon"), tc.want)
		}
		if q.Quiet(at(tc.in)) != (tc.in != tc.want) {
			t.Errorf("Quiet(%s) = %v", tc.in, q.Quiet(at(tc.in)))
		}
	}
	// The time comes back in the caller's location.
	utc := at("2026-12-02 22:00").UTC()
	if got := q.Next(utc); got.Location() != time.UTC || !got.Equal(at("2026-12-03 09:00")) {
		t.Errorf("Next(UTC) = %v", got)
	}

	day, _ := bot.ParseQuietHours("09:00-17:00", time.UTC)
	if got := day.Next(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("daytime quiet hours: %v", got)
	}
	off, err := bot.ParseQuietHours("off", ams)
	if err != nil || !off.Off() || off.Quiet(at("2026-12-06 12:00")) || off.String() != "off" {
		t.Errorf("off: %+v %v", off, err)
	}
	if q.String() != "21:00-09:00" {
		t.Errorf("String() = %q", q.String())
	}
	for _, bad := range []string{"", "21:00", "25:00-09:00", "21-9", "avond"} {
		if _, err := bot.ParseQuietHours(bad, ams); err == nil {
			t.Errorf("ParseQuietHours(%q) accepted", bad)
		}
	}
}
