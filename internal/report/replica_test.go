package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/report"
)

// An office imports households, then reads its reports (the import page's
// links, a POST-redirect-GET, perhaps through another node). The replica
// is well within its lag bound but has not replayed the import yet: the
// reports must still show the households.
func TestReportsShowWhatTheOfficeJustImported(t *testing.T) {
	rp := dbtest.NewReplicated(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	primary := rp.DB.AppPool(t)
	replica, err := postgres.Open(ctx, rp.StandbyAppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	control, err := postgres.Open(ctx, rp.StandbyURL) // a superuser: pauses replay
	if err != nil {
		t.Fatal(err)
	}
	defer control.Close()

	reads := postgres.NewReads(primary, replica, time.Minute, nil)
	mctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); reads.Run(mctx) }()
	defer func() { stop(); <-done }()

	const county, town = "653224", "653224100" // 洛浦县, 洛浦镇
	var uid int64
	if err := rp.DB.Pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash) VALUES ('lop@example.com', 'lop', 'x') RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	if _, err := rp.DB.Pool.Exec(ctx, `INSERT INTO user_roles (user_id, role, region_code) VALUES ($1, 'office', $2)`, uid, county); err != nil {
		t.Fatal(err)
	}
	office := auth.Actor{UserID: uid, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: county, OfficeLevel: "county"}
	ring, err := pii.ParseRing("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	registry := household.NewService(primary, ring)
	village, err := registry.CreateVillage(ctx, office, town, "一村")
	if err != nil {
		t.Fatal(err)
	}
	reports := report.NewService(primary, clock.Clock{})
	reports.UseReplica(reads)
	year := time.Now().Year()

	// The replica caught up, then stopped replaying: a moment behind.
	deadline := time.Now().Add(20 * time.Second)
	for reads.Pool() != replica || reads.Fresh(ctx) != replica {
		if time.Now().After(deadline) {
			t.Fatal("the replica never caught up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := control.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	defer control.Exec(context.Background(), `SELECT pg_wal_replay_resume()`)
	for {
		var st string
		if err := control.QueryRow(ctx, `SELECT pg_get_wal_replay_pause_state()`).Scan(&st); err != nil {
			t.Fatal(err)
		}
		if st == "paused" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}

	res, err := registry.Import(ctx, office, bytes.NewReader(importFile(t, village.Code, 3)), household.ImportOptions{})
	if err != nil || res.Imported != 3 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if reads.Pool() != replica {
		t.Fatal("the replica left the lag-tolerant reads within a minute's bound; the case is not set up")
	}

	cov, err := reports.Coverage(ctx, office, county, year)
	if err != nil {
		t.Fatal(err)
	}
	if len(cov) != 1 || cov[0].Code != village.Code || cov[0].Households != 3 {
		t.Errorf("coverage right after the import: %+v, want the village with 3 households", cov)
	}
	d, err := reports.Dashboard(ctx, office, report.DashboardQuery{Code: village.Code, Year: year, PageSize: 50, ActionRows: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Households) != 3 {
		t.Errorf("the village's dashboard right after the import lists %d households, want 3", len(d.Households))
	}
	var id int64
	if err := primary.QueryRow(ctx, `SELECT id FROM households WHERE registry_no = 'H00000001'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if inc, err := reports.HouseholdIncome(ctx, office, id, year); err != nil || inc.HouseholdID != ids.ID(id) {
		t.Errorf("an imported household's income page: %+v, %v", inc.HouseholdID, err)
	}
}

// importFile is an import file of n households of village.
func importFile(t *testing.T, village string, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(household.Columns[:])
	for i := 1; i <= n; i++ {
		idNo, err := idcheck.CompleteIDNumber(fmt.Sprintf("65322419700101%03d", i))
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]string{fmt.Sprintf("H%08d", i), village, "阿依古丽", idNo, "4", "poor", "2000.00", "2019"})
	}
	w.Flush()
	return b.Bytes()
}
