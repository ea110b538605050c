package coop

import (
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

func TestMembers(t *testing.T) {
	f := newFixture(t)
	applicant := f.buyer("applicant@example.com")
	c := f.apply(applicant, lop, StatusApproved)
	admin := f.coopAdmin("coop@example.com", c.ID)
	other := f.apply(applicant, lop, StatusApproved)
	otherAdmin := f.coopAdmin("other@example.com", other.ID)
	lopOff := f.office("lop@example.com", lop)
	yarkOff := f.office("yark@example.com", yarkand)
	platform := f.admin("admin@example.com")
	h1, h2, h3 := f.household(lop), f.household(lop), f.household(lop)
	far := f.household(yarkand)
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }

	got, err := f.svc.SetMembers(f.ctx, admin, c.ID, []Membership{{HouseholdID: h1, JoinedOn: day("2021-03-01")}, {HouseholdID: h2}, {HouseholdID: h1}})
	if err != nil || len(got) != 2 || !got[0].JoinedOn.Equal(day("2021-03-01")) {
		t.Fatalf("SetMembers = %+v, %v", got, err)
	}
	h2Joined := got[1].JoinedOn

	_, err = f.svc.SetMembers(f.ctx, lopOff, c.ID, []Membership{{HouseholdID: h1}, {HouseholdID: far}, {HouseholdID: 999999}})
	var e *errs.Error
	if !errs.Is(err, errs.Invalid) || !strings.Contains(err.(*errs.Error).Fields["household_ids"], ids.ID(999999).String()) {
		t.Fatalf("outside households: %v", err)
	}
	e = err.(*errs.Error)
	if !strings.Contains(e.Fields["household_ids"], far.String()) || strings.Contains(e.Fields["household_ids"], h1.String()+",") {
		t.Fatalf("problem %q should name exactly the outside ids", e.Fields["household_ids"])
	}

	got, err = f.svc.SetMembers(f.ctx, lopOff, c.ID, []Membership{{HouseholdID: h3}, {HouseholdID: h2}, {HouseholdID: h1}})
	if err != nil || len(got) != 3 || !got[0].JoinedOn.Equal(day("2021-03-01")) || !got[1].JoinedOn.Equal(h2Joined) {
		t.Fatalf("join dates not kept: %+v, %v", got, err)
	}
	got, err = f.svc.SetMembers(f.ctx, admin, c.ID, []Membership{{HouseholdID: h2, JoinedOn: day("2020-01-15")}})
	if err != nil || len(got) != 1 || got[0].HouseholdID != h2 || !got[0].JoinedOn.Equal(day("2020-01-15")) {
		t.Fatalf("remove and redate: %+v, %v", got, err)
	}

	tests := []struct {
		name  string
		actor auth.Actor
		set   errs.Kind
		list  errs.Kind
	}{
		{"its coop admin", admin, "", ""},
		{"洛浦县 office", lopOff, "", ""},
		// The cooperative is approved, its existence public: those who may
		// not manage its members are refused, but its members are its
		// books, which do not exist for them.
		{"another coop's admin", otherAdmin, errs.Forbidden, errs.NotFound},
		{"莎车县 office", yarkOff, errs.Forbidden, errs.NotFound},
		{"platform admin", platform, errs.Forbidden, ""},
		{"buyer", applicant, errs.Forbidden, errs.NotFound},
		{"anonymous", auth.Actor{}, errs.Unauthenticated, errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.SetMembers(f.ctx, tt.actor, c.ID, []Membership{{HouseholdID: h2}}); !kindIs(err, tt.set) {
				t.Fatalf("SetMembers = %v, want %q", err, tt.set)
			}
			ms, err := f.svc.ListMembers(f.ctx, tt.actor, c.ID)
			if !kindIs(err, tt.list) || err == nil && len(ms) != 1 {
				t.Fatalf("ListMembers = %v, %v; want %q", ms, err, tt.list)
			}
		})
	}
	if _, err := f.svc.SetMembers(f.ctx, admin, c.ID, []Membership{{HouseholdID: h1, JoinedOn: time.Now().AddDate(0, 0, 2)}}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("future join date: %v", err)
	}
	if got, err := f.svc.SetMembers(f.ctx, admin, c.ID, nil); err != nil || len(got) != 0 {
		t.Fatalf("empty set = %+v, %v", got, err)
	}
	if _, err := f.svc.ListMembers(f.ctx, admin, 999999); !errs.Is(err, errs.NotFound) {
		t.Fatalf("missing cooperative: %v", err)
	}
}

func TestAttachAdmin(t *testing.T) {
	f := newFixture(t)
	c := f.apply(f.buyer("applicant@example.com"), lop, StatusApproved)
	uid := f.user("coop@example.com")
	for range 2 {
		if err := f.svc.AttachAdmin(f.ctx, uid, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(`SELECT count(*) FROM user_roles WHERE user_id = $1 AND role = 'coop_admin' AND cooperative_id = $2`, uid, c.ID); n != 1 {
		t.Fatalf("%d role rows, want 1", n)
	}
	if err := f.svc.AttachAdmin(f.ctx, 999999, c.ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("missing user: %v", err)
	}
	if err := f.svc.AttachAdmin(f.ctx, uid, 999999); !errs.Is(err, errs.NotFound) {
		t.Fatalf("missing cooperative: %v", err)
	}
}
