package coop

import (
	"errors"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestMembersJoinedTodayInBeijing: a join date is a day in Beijing. At
// 07:00 there (23:00 UTC the day before), a member who joined that Beijing
// day is accepted, and one who joins the next day is refused; a member
// given no date joins that Beijing day, not the UTC one. Dates are read as
// the API reads them, at midnight UTC.
func TestMembersJoinedTodayInBeijing(t *testing.T) {
	f := newFixture(t)
	applicant := f.buyer("applicant@example.com")
	c := f.apply(applicant, lop, StatusApproved)
	admin := f.coopAdmin("coop@example.com", c.ID)
	h := f.household(lop)
	day := func(s string) time.Time { d, _ := time.Parse(clock.DateLayout, s); return d }
	sevenAM := time.Date(2026, 3, 9, 23, 0, 0, 0, time.UTC)       // 2026-03-10 07:00 in Beijing
	lateEvening := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC) // 2026-03-10 23:30 in Beijing
	for _, tc := range []struct {
		name   string
		now    time.Time
		joined string // "" for none given
		want   string // the stored join date; "" for a refusal
	}{
		{name: "07:00, joined that Beijing day", now: sevenAM, joined: "2026-03-10", want: "2026-03-10"},
		{name: "07:00, joined the day before (the UTC date)", now: sevenAM, joined: "2026-03-09", want: "2026-03-09"},
		{name: "07:00, joined the next day", now: sevenAM, joined: "2026-03-11"},
		{name: "07:00, no date given", now: sevenAM, want: "2026-03-10"},
		{name: "23:30, joined that Beijing day", now: lateEvening, joined: "2026-03-10", want: "2026-03-10"},
		{name: "23:30, joined the next day", now: lateEvening, joined: "2026-03-11"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.svc.SetClock(clock.Fixed(tc.now, nil))
			// Out and in again: a new member, who takes today when given no date.
			if _, err := f.svc.SetMembers(f.ctx, admin, c.ID, []Membership{}); err != nil {
				t.Fatal(err)
			}
			m := Membership{HouseholdID: h}
			if tc.joined != "" {
				m.JoinedOn = day(tc.joined)
			}
			got, err := f.svc.SetMembers(f.ctx, admin, c.ID, []Membership{m})
			if tc.want == "" {
				var e *errs.Error
				if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Fields["joined_on"] == "" {
					t.Fatalf("joined %s at %v: %+v, %v; want a refusal of joined_on", tc.joined, tc.now, got, err)
				}
				return
			}
			if err != nil || len(got) != 1 || got[0].JoinedOn.Format(clock.DateLayout) != tc.want {
				t.Fatalf("joined %q at %v: %+v, %v; want joined on %s", tc.joined, tc.now, got, err, tc.want)
			}
		})
	}
}
