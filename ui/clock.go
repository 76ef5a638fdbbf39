package ui

import (
	"strings"
	"sync"
	"time"
)

// Screens show moments in the org's time zone (the time_zone policy), with
// the zone's abbreviation, not in the zone of the device they run on. The
// mails, the slips and the self-service screens all speak of the office's
// clock: an admin who reads "works until 05:20 CET" off the screen tells
// the user the same time the user's mail says, even on a laptop or phone
// set to UTC or carried to another zone.

// timeLayout is how screens show a moment.
const timeLayout = "2006-01-02 15:04 MST"

// zones caches loaded locations by name: a table cell formats a time at
// every redraw, and loading a zone reads the zone database.
var zones sync.Map // string → *time.Location

// orgZone is the org's time zone, UTC when it names none or an unknown one.
func orgZone(name string) *time.Location {
	if name == "" || strings.EqualFold(name, "local") {
		return time.UTC
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	zones.Store(name, loc)
	return loc
}

// formatTime shows t in zone, or never for the zero time.
func formatTime(t time.Time, zone *time.Location, never string) string {
	if t.IsZero() {
		return never
	}
	return t.In(zone).Format(timeLayout)
}

// shortTime is t in zone as a clock time with the zone's abbreviation when
// it falls on now's day there, with the date otherwise.
func shortTime(t, now time.Time, zone *time.Location) string {
	t, now = t.In(zone), now.In(zone)
	if y, m, d := t.Date(); now.Year() == y && now.Month() == m && now.Day() == d {
		return t.Format("15:04 MST")
	}
	return t.Format(timeLayout)
}

// zone is the org's time zone, the one the session's screens show times in.
func (s *signedIn) zone() *time.Location { return orgZone(s.org.TimeZone) }
