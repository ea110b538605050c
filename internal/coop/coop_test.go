package coop

import (
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

func kindIs(err error, k errs.Kind) bool {
	if k == "" {
		return err == nil
	}
	return errs.Is(err, k)
}

func TestApply(t *testing.T) {
	f := newFixture(t)
	buyer := f.buyer("buyer@example.com")
	taken := f.apply(buyer, lop, StatusApplied)
	good := func() Application {
		return Application{Name: "洛浦县玉龙喀什红枣合作社", CreditCode: strings.ToLower(creditCode(t, 500)), CountyCode: lop,
			ContactName: "吐尔逊", ContactPhone: "13800000000"}
	}
	tests := []struct {
		name   string
		actor  auth.Actor
		change func(*Application)
		kind   errs.Kind
		field  string
	}{
		{"valid, lower-case code", buyer, func(*Application) {}, "", ""},
		{"anonymous", auth.Actor{}, func(a *Application) { a.CreditCode = creditCode(t, 501) }, errs.Unauthenticated, ""},
		{"bad check character", buyer, func(a *Application) { a.CreditCode = "91350100M000100Y44" }, errs.Invalid, "credit_code"},
		{"letter O", buyer, func(a *Application) { a.CreditCode = "91350100M000100O43" }, errs.Invalid, "credit_code"},
		{"taken code", buyer, func(a *Application) { a.CreditCode = taken.CreditCode }, errs.Invalid, "credit_code"},
		{"prefecture", buyer, func(a *Application) { a.CreditCode, a.CountyCode = creditCode(t, 502), hotan }, errs.Invalid, "county_code"},
		{"township", buyer, func(a *Application) { a.CreditCode, a.CountyCode = creditCode(t, 502), "653224100" }, errs.Invalid, "county_code"},
		{"unknown county", buyer, func(a *Application) { a.CreditCode, a.CountyCode = creditCode(t, 502), "659999" }, errs.Invalid, "county_code"},
		{"no name", buyer, func(a *Application) { a.CreditCode, a.Name = creditCode(t, 502), " " }, errs.Invalid, "name"},
		{"bad phone", buyer, func(a *Application) { a.CreditCode, a.ContactPhone = creditCode(t, 502), "call me" }, errs.Invalid, "contact_phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := good()
			tt.change(&app)
			c, err := f.svc.Apply(f.ctx, tt.actor, app)
			if !kindIs(err, tt.kind) {
				t.Fatalf("Apply = %v, want %q", err, tt.kind)
			}
			if e, ok := err.(*errs.Error); ok && tt.field != "" && e.Fields[tt.field] == "" {
				t.Fatalf("Apply = %v (%v), want a problem with %s", err, e.Fields, tt.field)
			}
			if err == nil && (c.Status != StatusApplied || c.CreditCode != creditCode(t, 500) || *c.AppliedBy != ids.ID(buyer.UserID)) {
				t.Fatalf("Apply = %+v", c)
			}
		})
	}
	if n := f.count(`SELECT count(*) FROM cooperative_events WHERE from_status IS NULL AND to_status = 'applied'`); n != 2 {
		t.Fatalf("%d application events, want 2", n)
	}
}

func TestLifecycle(t *testing.T) {
	f := newFixture(t)
	buyer := f.buyer("buyer@example.com")
	lopOff := f.office("lop@example.com", lop)
	admin := f.admin("admin@example.com")
	c := f.apply(buyer, lop, StatusApplied)

	c, err := f.svc.Recommend(f.ctx, lopOff, c.ID)
	if err != nil || c.Status != StatusRecommended || *c.RecommendedBy != ids.ID(lopOff.UserID) || c.RecommendedAt == nil {
		t.Fatalf("Recommend = %+v, %v", c, err)
	}
	c, err = f.svc.Approve(f.ctx, admin, c.ID)
	if err != nil || c.Status != StatusApproved || *c.ApprovedBy != ids.ID(admin.UserID) || c.ApprovedAt == nil {
		t.Fatalf("Approve = %+v, %v", c, err)
	}
	c, err = f.svc.Suspend(f.ctx, admin, c.ID, "食品安全抽检不合格")
	if err != nil || c.Status != StatusSuspended {
		t.Fatalf("Suspend = %+v, %v", c, err)
	}
	events, err := f.svc.Events(f.ctx, lopOff, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		from, to Status
		by       int64
	}{{"", StatusApplied, buyer.UserID}, {StatusApplied, StatusRecommended, lopOff.UserID},
		{StatusRecommended, StatusApproved, admin.UserID}, {StatusApproved, StatusSuspended, admin.UserID}}
	if len(events) != len(want) {
		t.Fatalf("events %+v", events)
	}
	for i, w := range want {
		e := events[i]
		if e.FromStatus != w.from || e.ToStatus != w.to || e.ActorUserID == nil || int64(*e.ActorUserID) != w.by || e.At.IsZero() {
			t.Fatalf("event %d = %+v, want %+v", i, e, w)
		}
	}
	if events[3].Reason != "食品安全抽检不合格" {
		t.Fatalf("suspension reason %q", events[3].Reason)
	}
	if _, err := f.svc.Events(f.ctx, buyer, c.ID); err == nil {
		t.Fatal("a buyer read a cooperative's history")
	}

	r := f.apply(buyer, lop, StatusRecommended)
	if _, err := f.svc.Reject(f.ctx, admin, r.ID, " "); !errs.Is(err, errs.Invalid) {
		t.Fatalf("Reject without reason = %v", err)
	}
	r, err = f.svc.Reject(f.ctx, admin, r.ID, "信用代码与营业执照不符")
	if err != nil || r.Status != StatusRejected || r.RejectReason != "信用代码与营业执照不符" {
		t.Fatalf("Reject = %+v, %v", r, err)
	}
}

func TestLifecycleGuards(t *testing.T) {
	f := newFixture(t)
	buyer := f.buyer("buyer@example.com")
	lopOff := f.office("lop@example.com", lop)
	hotanOff := f.office("hotan@example.com", hotan)
	yarkOff := f.office("yark@example.com", yarkand)
	admin := f.admin("admin@example.com")
	type op func(auth.Actor, ids.ID) (Cooperative, error)
	ops := map[string]op{
		"recommend": func(a auth.Actor, id ids.ID) (Cooperative, error) { return f.svc.Recommend(f.ctx, a, id) },
		"approve":   func(a auth.Actor, id ids.ID) (Cooperative, error) { return f.svc.Approve(f.ctx, a, id) },
		"reject":    func(a auth.Actor, id ids.ID) (Cooperative, error) { return f.svc.Reject(f.ctx, a, id, "材料不全") },
		"suspend":   func(a auth.Actor, id ids.ID) (Cooperative, error) { return f.svc.Suspend(f.ctx, a, id, "") },
	}
	tests := []struct {
		op    string
		from  Status
		actor auth.Actor
		kind  errs.Kind
	}{
		{"recommend", StatusApplied, hotanOff, ""},
		// Those who may not see an applied cooperative meet one that does
		// not exist; the platform sees it, and is refused.
		{"recommend", StatusApplied, yarkOff, errs.NotFound},
		{"recommend", StatusApplied, admin, errs.Forbidden},
		{"recommend", StatusApplied, buyer, errs.NotFound},
		{"recommend", StatusApplied, auth.Actor{}, errs.Unauthenticated},
		{"recommend", StatusRecommended, lopOff, errs.Conflict},
		{"recommend", StatusApproved, lopOff, errs.Conflict},
		{"recommend", StatusRejected, lopOff, errs.Conflict},
		{"recommend", StatusSuspended, lopOff, errs.Conflict},
		{"approve", StatusApplied, admin, errs.Conflict},
		{"approve", StatusApproved, admin, errs.Conflict},
		{"approve", StatusRejected, admin, errs.Conflict},
		{"approve", StatusSuspended, admin, errs.Conflict},
		{"approve", StatusRecommended, lopOff, errs.Forbidden},
		{"reject", StatusApplied, admin, errs.Conflict},
		{"reject", StatusApproved, admin, errs.Conflict},
		{"reject", StatusRejected, admin, errs.Conflict},
		{"reject", StatusRecommended, lopOff, errs.Forbidden},
		{"suspend", StatusApplied, admin, errs.Conflict},
		{"suspend", StatusRecommended, admin, errs.Conflict},
		{"suspend", StatusRejected, admin, errs.Conflict},
		{"suspend", StatusSuspended, admin, errs.Conflict},
		{"suspend", StatusApproved, lopOff, errs.Forbidden},
		{"suspend", StatusApproved, yarkOff, errs.Forbidden}, // an approved cooperative is public
		{"approve", StatusRecommended, yarkOff, errs.NotFound},
		{"reject", StatusRecommended, buyer, errs.NotFound},
		{"suspend", StatusSuspended, yarkOff, errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.op+" from "+string(tt.from), func(t *testing.T) {
			c := f.apply(buyer, lop, tt.from)
			events := f.count(`SELECT count(*) FROM cooperative_events WHERE cooperative_id = $1`, c.ID)
			_, err := ops[tt.op](tt.actor, c.ID)
			if !kindIs(err, tt.kind) {
				t.Fatalf("%s = %v, want %q", tt.op, err, tt.kind)
			}
			after := f.count(`SELECT count(*) FROM cooperative_events WHERE cooperative_id = $1`, c.ID)
			status := f.count(`SELECT count(*) FROM cooperatives WHERE id = $1 AND status = $2`, c.ID, string(tt.from))
			if tt.kind != "" && (after != events || status != 1) {
				t.Fatal("a refused step changed the cooperative or recorded an event")
			}
			if tt.kind == "" && after != events+1 {
				t.Fatal("the step recorded no event")
			}
		})
	}
	if _, err := f.svc.Approve(f.ctx, admin, 999999); !errs.Is(err, errs.NotFound) {
		t.Fatalf("approve a missing cooperative: %v", err)
	}
}

func TestVisibility(t *testing.T) {
	f := newFixture(t)
	applicant := f.buyer("applicant@example.com")
	lopApplied := f.apply(applicant, lop, StatusApplied)
	lopApproved := f.apply(applicant, lop, StatusApproved)
	yarkApproved := f.apply(applicant, yarkand, StatusApproved)
	yarkRejected := f.apply(applicant, yarkand, StatusRejected)
	all := []ids.ID{lopApplied.ID, lopApproved.ID, yarkApproved.ID, yarkRejected.ID}
	tests := []struct {
		name     string
		actor    auth.Actor
		sees     []ids.ID
		contacts bool // sees lopApproved's contact details
	}{
		{"anonymous", auth.Actor{}, []ids.ID{lopApproved.ID, yarkApproved.ID}, false},
		{"buyer", f.buyer("buyer@example.com"), []ids.ID{lopApproved.ID, yarkApproved.ID}, false},
		{"洛浦县 office", f.office("lop@example.com", lop), []ids.ID{lopApplied.ID, lopApproved.ID, yarkApproved.ID}, true},
		{"和田地区 office", f.office("hotan@example.com", hotan), []ids.ID{lopApplied.ID, lopApproved.ID, yarkApproved.ID}, true},
		{"莎车县 office", f.office("yark@example.com", yarkand), []ids.ID{lopApproved.ID, yarkApproved.ID, yarkRejected.ID}, false},
		{"platform admin", f.admin("admin@example.com"), all, true},
		{"coop admin of the applied one", f.coopAdmin("coop@example.com", lopApplied.ID), []ids.ID{lopApplied.ID, lopApproved.ID, yarkApproved.ID}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := f.svc.List(f.ctx, tt.actor, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []ids.ID
			for _, c := range page.Items {
				got = append(got, c.ID)
			}
			if len(got) != len(tt.sees) {
				t.Fatalf("List = %v, want %v", got, tt.sees)
			}
			for i := range got {
				if got[i] != tt.sees[i] {
					t.Fatalf("List = %v, want %v", got, tt.sees)
				}
			}
			for _, id := range all {
				_, err := f.svc.Get(f.ctx, tt.actor, id)
				visible := false
				for _, s := range tt.sees {
					visible = visible || s == id
				}
				if visible != (err == nil) || !visible && !errs.Is(err, errs.NotFound) {
					t.Fatalf("Get %s = %v, visible %v", id, err, visible)
				}
			}
			c, _ := f.svc.Get(f.ctx, tt.actor, lopApproved.ID)
			if (c.ContactPhone != "") != tt.contacts {
				t.Fatalf("contact shown = %v, want %v", c.ContactPhone != "", tt.contacts)
			}
		})
	}
	admin := f.admin("admin2@example.com")
	filters := []struct {
		name string
		f    Filter
		want int
		kind errs.Kind
	}{
		{"county", Filter{Region: lop}, 2, ""},
		{"prefecture", Filter{Region: hotan}, 2, ""},
		{"status", Filter{Status: StatusApproved}, 2, ""},
		{"page of one", Filter{Limit: 1}, 1, ""},
		{"unknown region", Filter{Region: "659999"}, 0, errs.Invalid},
		{"bad status", Filter{Status: "open"}, 0, errs.Invalid},
	}
	for _, tt := range filters {
		t.Run("filter "+tt.name, func(t *testing.T) {
			page, err := f.svc.List(f.ctx, admin, tt.f)
			if !kindIs(err, tt.kind) || err == nil && len(page.Items) != tt.want {
				t.Fatalf("List = %d, %v", len(page.Items), err)
			}
		})
	}
	first, _ := f.svc.List(f.ctx, admin, Filter{Limit: 3})
	rest, err := f.svc.List(f.ctx, admin, Filter{Limit: 3, Cursor: first.NextCursor})
	if err != nil || len(rest.Items) != 1 || rest.NextCursor != "" || rest.Items[0].ID != yarkRejected.ID {
		t.Fatalf("second page = %+v, %v", rest, err)
	}
}
