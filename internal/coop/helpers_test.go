package coop

import (
	"context"
	"fmt"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
)

const (
	hotan   = "653200" // 和田地区
	lop     = "653224" // 洛浦县
	yarkand = "653125" // 莎车县
)

type fixture struct {
	t   testing.TB
	ctx context.Context
	db  *dbtest.DB
	svc *Service
	n   int
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := &fixture{t: tb, ctx: context.Background(), db: dbtest.New(tb)}
	f.svc = NewService(f.db.Pool)
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Pool.Exec(f.ctx, q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) user(email string) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Pool.QueryRow(f.ctx, `INSERT INTO users (email, name, password_hash) VALUES ($1, $1, 'x') RETURNING id`, email).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) office(email, code string) auth.Actor {
	f.t.Helper()
	id := f.user(email)
	f.exec(`INSERT INTO user_roles (user_id, role, region_code) VALUES ($1, 'office', $2)`, id, code)
	level, _ := region.LevelOfCode(code)
	return auth.Actor{UserID: id, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: code, OfficeLevel: level}
}

func (f *fixture) admin(email string) auth.Actor {
	f.t.Helper()
	id := f.user(email)
	f.exec(`INSERT INTO user_roles (user_id, role) VALUES ($1, 'platform_admin')`, id)
	return auth.Actor{UserID: id, Roles: []auth.Role{auth.RolePlatformAdmin}}
}

func (f *fixture) buyer(email string) auth.Actor {
	f.t.Helper()
	id := f.user(email)
	f.exec(`INSERT INTO user_roles (user_id, role) VALUES ($1, 'buyer')`, id)
	return auth.Actor{UserID: id, Roles: []auth.Role{auth.RoleBuyer}}
}

// coopAdmin makes a user administering cooperative id.
func (f *fixture) coopAdmin(email string, id ids.ID) auth.Actor {
	f.t.Helper()
	uid := f.user(email)
	if err := f.svc.AttachAdmin(f.ctx, uid, id); err != nil {
		f.t.Fatal(err)
	}
	return auth.Actor{UserID: uid, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: int64(id)}
}

// creditCode makes the n-th valid credit code.
func creditCode(tb testing.TB, n int) string {
	tb.Helper()
	s, err := idcheck.CompleteCreditCode(fmt.Sprintf("93653224MA%07d", n))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// apply registers a cooperative in county and moves it to status with plain
// SQL (the lifecycle itself is tested through the service).
func (f *fixture) apply(applicant auth.Actor, county string, status Status) Cooperative {
	f.t.Helper()
	f.n++
	c, err := f.svc.Apply(f.ctx, applicant, Application{Name: fmt.Sprintf("红枣合作社%d", f.n),
		CreditCode: creditCode(f.t, f.n), CountyCode: county, ContactName: "吐尔逊", ContactPhone: "0903-1234567"})
	if err != nil {
		f.t.Fatalf("apply: %v", err)
	}
	if status != StatusApplied {
		f.exec(`UPDATE cooperatives SET status = $2 WHERE id = $1`, c.ID, string(status))
		c.Status = status
	}
	return c
}

// household registers a household in a new village of county with dummy
// sealed fields and returns its id.
func (f *fixture) household(county string) ids.ID {
	f.t.Helper()
	f.n++
	var town string
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT min(code) FROM regions WHERE parent_code = $1 AND level = 'township'`, county).Scan(&town); err != nil {
		f.t.Fatal(err)
	}
	village := fmt.Sprintf("%s%03d", town, f.n)
	f.exec(`INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $1, 'village', $2) ON CONFLICT DO NOTHING`, village, town)
	var id ids.ID
	err := f.db.Pool.QueryRow(f.ctx, `INSERT INTO households (registry_no, village_code, members, status,
			baseline_income_fen, baseline_year, head_name_enc, head_id_enc, head_id_hash, head_name_mask, head_id_mask, key_version)
		VALUES ($1, $2, 3, 'lifted', 300000, 2019, '\x00', '\x00', $3, '阿**', '6532**********0000', 1) RETURNING id`,
		fmt.Sprintf("H%d", f.n), village, []byte(fmt.Sprint(f.n))).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}
