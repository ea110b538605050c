// Package clock is the one home of "now" and of the zone people read: the
// Beijing day (Asia/Shanghai) for dates shown, typed, parsed from files and
// used as report and order-number day boundaries. Services take a Clock so
// that tests can pin the time (at 01:00 Beijing, say, which is still the
// day before in UTC).
package clock

import (
	"fmt"
	"time"
	_ "time/tzdata" // the zone database travels with the binary: minimal images lack /usr/share/zoneinfo
)

// DefaultZone is the zone of the people who use the platform.
const DefaultZone = "Asia/Shanghai"

// DateLayout is how dates are written and typed: 2026-12-04.
const DateLayout = "2006-01-02"

var beijing = mustLoad(DefaultZone)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Clock tells the time in the platform's zone. The zero value is the
// system clock in Beijing time.
type Clock struct {
	now func() time.Time
	loc *time.Location
}

// Load is the system clock in the named zone ("" is Asia/Shanghai).
func Load(zone string) (Clock, error) {
	if zone == "" {
		return Clock{}, nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return Clock{}, fmt.Errorf("time zone %q: %w", zone, err)
	}
	return Clock{loc: loc}, nil
}

// Fixed is a clock stopped at t, for tests.
func Fixed(t time.Time, loc *time.Location) Clock {
	return Clock{now: func() time.Time { return t }, loc: loc}
}

// WithNow is c telling the time by now (tests pin or move it).
func (c Clock) WithNow(now func() time.Time) Clock {
	c.now = now
	return c
}

// Location is the clock's zone.
func (c Clock) Location() *time.Location {
	if c.loc == nil {
		return beijing
	}
	return c.loc
}

// Now is the current time in the clock's zone.
func (c Clock) Now() time.Time {
	if c.now == nil {
		return time.Now().In(c.Location())
	}
	return c.now().In(c.Location())
}

// In is t in the clock's zone, for showing it.
func (c Clock) In(t time.Time) time.Time { return t.In(c.Location()) }

// Today is the current date in the clock's zone, as typed: 2026-12-04.
func (c Clock) Today() string { return c.Now().Format(DateLayout) }

// Year is the current year in the clock's zone.
func (c Clock) Year() int { return c.Now().Year() }

// StartOfDay is midnight of t's day in the clock's zone.
func (c Clock) StartOfDay(t time.Time) time.Time {
	y, m, d := c.In(t).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.Location())
}

// ParseDate reads a date typed as 2026-12-04 as midnight of that day in the
// clock's zone (not UTC midnight, which is 08:00 in Beijing).
func (c Clock) ParseDate(s string) (time.Time, error) {
	return time.ParseInLocation(DateLayout, s, c.Location())
}
