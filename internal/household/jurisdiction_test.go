package household

import (
	"bytes"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestJurisdiction runs every kind of actor through list, read, reveal and
// import of two 洛浦县 households.
func TestJurisdiction(t *testing.T) {
	f := newFixture(t)
	rows := genRows(t, 2, f.villages)
	file := encodeCSV(t, rows, nil)
	if _, err := f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(file), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.List(f.ctx, f.lopOff, Filter{})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("owner list: %v", err)
	}
	id := page.Items[0].ID

	type want struct {
		list   int       // households listed, when allowed
		listE  errs.Kind // error of List
		read   errs.Kind // error of Get
		reveal bool      // whether Get with reveal shows whole fields
		revE   errs.Kind // error of Get with reveal
		impE   errs.Kind // error of Import
	}
	tests := []struct {
		name  string
		actor auth.Actor
		want  want
	}{
		{"prefecture office 和田地区", f.office("hotan@example.com", hotan), want{list: 2, reveal: true}},
		{"county office 洛浦县", f.lopOff, want{list: 2, reveal: true}},
		{"county office 莎车县", f.office("yark@example.com", yarkand), want{list: 0, read: errs.NotFound, revE: errs.NotFound, impE: errs.Invalid}},
		{"prefecture office 喀什地区", f.office("kashgar@example.com", kashgar), want{list: 0, read: errs.NotFound, revE: errs.NotFound, impE: errs.Invalid}},
		{"platform admin", f.admin("admin@example.com"), want{list: 2, reveal: false, impE: errs.Forbidden}},
		{"coop admin", f.coopAdmin("coop@example.com"), want{listE: errs.Forbidden, read: errs.Forbidden, revE: errs.Forbidden, impE: errs.Forbidden}},
		{"buyer", f.buyer("buyer@example.com"), want{listE: errs.Forbidden, read: errs.Forbidden, revE: errs.Forbidden, impE: errs.Forbidden}},
		{"anonymous", auth.Actor{}, want{listE: errs.Unauthenticated, read: errs.Unauthenticated, revE: errs.Unauthenticated, impE: errs.Unauthenticated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logBefore := f.count(`SELECT count(*) FROM pii_access_log`)
			t.Run("list", func(t *testing.T) {
				page, err := f.svc.List(f.ctx, tt.actor, Filter{})
				if !kindIs(err, tt.want.listE) {
					t.Fatalf("List = %v, want %q", err, tt.want.listE)
				}
				if err == nil && len(page.Items) != tt.want.list {
					t.Fatalf("List = %d households, want %d", len(page.Items), tt.want.list)
				}
				if err == nil {
					page, err = f.svc.List(f.ctx, tt.actor, Filter{Region: lop})
					if err != nil || len(page.Items) != tt.want.list {
						t.Fatalf("List of 洛浦县 = %d, %v", len(page.Items), err)
					}
				}
			})
			t.Run("read", func(t *testing.T) {
				h, err := f.svc.Get(f.ctx, tt.actor, id, false, "")
				if !kindIs(err, tt.want.read) {
					t.Fatalf("Get = %v, want %q", err, tt.want.read)
				}
				if err == nil && h.Revealed {
					t.Fatal("revealed without asking")
				}
			})
			t.Run("reveal", func(t *testing.T) {
				h, err := f.svc.Get(f.ctx, tt.actor, id, true, "198.51.100.1")
				if !kindIs(err, tt.want.revE) {
					t.Fatalf("Get reveal = %v, want %q", err, tt.want.revE)
				}
				if err == nil && h.Revealed != tt.want.reveal {
					t.Fatalf("Revealed = %v, want %v", h.Revealed, tt.want.reveal)
				}
				if err == nil && !h.Revealed && h.HeadIDNumber == rows[0]["head_id_number"] {
					t.Fatal("whole ID number shown without Revealed")
				}
				logged := f.count(`SELECT count(*) FROM pii_access_log`) - logBefore
				if want := map[bool]int{true: 1, false: 0}[tt.want.reveal]; logged != want {
					t.Fatalf("%d audit rows, want %d", logged, want)
				}
			})
			t.Run("import", func(t *testing.T) {
				res, err := f.svc.Import(f.ctx, tt.actor, bytes.NewReader(file), ImportOptions{})
				if !kindIs(err, tt.want.impE) {
					t.Fatalf("Import = %v, want %q", err, tt.want.impE)
				}
				if err == nil && (res.Updated != 2 || res.Imported != 0) {
					t.Fatalf("Import = %+v", res)
				}
				if e, ok := err.(*errs.Error); ok && e.Kind == errs.Invalid {
					for _, k := range []string{"row 1: village_code", "row 2: village_code", "row 1: registry_no", "row 2: registry_no"} {
						if e.Fields[k] == "" {
							t.Errorf("import outside the jurisdiction does not report %q: %v", k, e.Fields)
						}
					}
				}
			})
		})
	}
	if n := f.count(`SELECT count(*) FROM households`); n != 2 {
		t.Fatalf("%d households after the matrix, want 2", n)
	}
}

func kindIs(err error, k errs.Kind) bool {
	if k == "" {
		return err == nil
	}
	return errs.Is(err, k)
}

func TestCreateVillage(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		actor    auth.Actor
		township string
		village  string
		wantCode string
		kind     errs.Kind
	}{
		{"next free code", f.lopOff, lopTown, "二村", lopTown + "002", ""},
		{"and the next", f.lopOff, lopTown, "三村", lopTown + "003", ""},
		{"prefecture office", f.office("hotan@example.com", hotan), lopTown2, "二村", lopTown2 + "002", ""},
		{"same name twice", f.lopOff, lopTown, "二村", "", errs.Invalid},
		{"outside jurisdiction", f.lopOff, yarkTown, "二村", "", errs.Forbidden},
		{"county is no township", f.lopOff, "653224000", "二村", "", errs.Invalid},
		{"malformed township", f.lopOff, lop, "二村", "", errs.Invalid},
		{"empty name", f.lopOff, lopTown, " ", "", errs.Invalid},
		{"platform admin", f.admin("admin@example.com"), lopTown, "四村", "", errs.Forbidden},
		{"buyer", f.buyer("buyer@example.com"), lopTown, "四村", "", errs.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := f.svc.CreateVillage(f.ctx, tt.actor, tt.township, tt.village)
			if !kindIs(err, tt.kind) {
				t.Fatalf("CreateVillage = %v, want %q", err, tt.kind)
			}
			if err == nil && (v.Code != tt.wantCode || v.ParentCode != tt.township || v.Level != "village") {
				t.Fatalf("CreateVillage = %+v, want code %s", v, tt.wantCode)
			}
		})
	}
}
