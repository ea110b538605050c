package povertyline

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

func newUser(tb testing.TB, db *dbtest.DB, email string) int64 {
	tb.Helper()
	var id int64
	err := db.Pool.QueryRow(context.Background(),
		`INSERT INTO users (email, name, password_hash) VALUES ($1, $1, 'x') RETURNING id`, email).Scan(&id)
	if err != nil {
		tb.Fatalf("insert user: %v", err)
	}
	return id
}

func TestPovertyLines(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := NewStore(db.Pool)
	admin := auth.Actor{UserID: newUser(t, db, "admin@example.com"), Roles: []auth.Role{auth.RolePlatformAdmin}}
	office := auth.Actor{UserID: newUser(t, db, "office@example.com"), Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: "650000", OfficeLevel: "province"}

	seeded, err := s.Get(ctx, "650000", 2020)
	if err != nil || seeded.PovertyLineFen != 400000 || seeded.MonitoringLineFen != 600000 {
		t.Fatalf("seeded 2020 line = %+v, %v", seeded, err)
	}
	if _, err := s.Get(ctx, "650000", 2021); !errs.Is(err, errs.NotFound) {
		t.Fatalf("Get 2021 = %v, want not_found", err)
	}
	if l, err := s.Effective(ctx, "650000", 2024); err != nil || l.Year != 2020 {
		t.Fatalf("Effective 2024 = %+v, %v; want the 2020 line", l, err)
	}
	if _, err := s.Effective(ctx, "650000", 2019); !errs.Is(err, errs.NotFound) {
		t.Fatalf("Effective 2019 = %v, want not_found", err)
	}

	tests := []struct {
		name  string
		actor auth.Actor
		line  Line
		want  errs.Kind
	}{
		{"office may not", office, Line{ProvinceCode: "650000", Year: 2023, PovertyLineFen: 450000, MonitoringLineFen: 700000}, errs.Forbidden},
		{"anonymous may not", auth.Actor{}, Line{ProvinceCode: "650000", Year: 2023, PovertyLineFen: 450000, MonitoringLineFen: 700000}, errs.Forbidden},
		{"monitoring below poverty", admin, Line{ProvinceCode: "650000", Year: 2023, PovertyLineFen: 450000, MonitoringLineFen: 400000}, errs.Invalid},
		{"bad province", admin, Line{ProvinceCode: "653200", Year: 2023, PovertyLineFen: 450000, MonitoringLineFen: 700000}, errs.Invalid},
		{"zero line", admin, Line{ProvinceCode: "650000", Year: 2023, MonitoringLineFen: 700000}, errs.Invalid},
		{"admin sets", admin, Line{ProvinceCode: "650000", Year: 2023, PovertyLineFen: 450000, MonitoringLineFen: 700000}, ""},
		{"admin replaces", admin, Line{ProvinceCode: "650000", Year: 2023, PovertyLineFen: 460000, MonitoringLineFen: 710000}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Set(ctx, tt.actor, tt.line)
			if tt.want == "" && err != nil || tt.want != "" && !errs.Is(err, tt.want) {
				t.Fatalf("Set = %v, want %q", err, tt.want)
			}
		})
	}
	if l, err := s.Effective(ctx, "650000", 2024); err != nil || l.Year != 2023 || l.PovertyLineFen != 460000 {
		t.Fatalf("Effective 2024 after set = %+v, %v", l, err)
	}
	all, err := s.List(ctx, "650000")
	if err != nil || len(all) != 2 || all[0].Year != 2020 {
		t.Fatalf("List = %+v, %v", all, err)
	}
}
