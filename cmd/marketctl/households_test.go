package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/region"
)

const (
	cliKey1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	cliKey2 = "f0e0d0c0b0a090807060504030201000ffeeddccbbaa99887766554433221100"
)

// cliFixture is a database with a village in 洛浦县 (653224) and one in
// 莎车县 (653125).
type cliFixture struct {
	db       *dbtest.DB
	svc      *household.Service
	regions  *region.Store
	lopVill  string
	yarkVill string
}

func newCLIFixture(t *testing.T, spec string) *cliFixture {
	t.Helper()
	ring, err := pii.ParseRing(spec)
	if err != nil {
		t.Fatal(err)
	}
	f := &cliFixture{db: dbtest.New(t)}
	f.svc, f.regions = household.NewService(f.db.Pool, ring), region.NewStore(f.db.Pool)
	office := func(code string, level region.Level) auth.Actor {
		return auth.Actor{Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: code, OfficeLevel: level}
	}
	v, err := f.svc.CreateVillage(context.Background(), office("653224", region.County), "653224100", "团结村")
	if err != nil {
		t.Fatal(err)
	}
	f.lopVill = v.Code
	if v, err = f.svc.CreateVillage(context.Background(), office("653125", region.County), "653125001", "幸福村"); err != nil {
		t.Fatal(err)
	}
	f.yarkVill = v.Code
	return f
}

// writeCSV writes n household rows to a temp file; bad rows get a broken ID
// number.
func writeCSV(t *testing.T, n int, village string, bad ...int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("户编号,村代码,户主姓名,户主身份证号,人口数,状态,基线人均纯收入,基线年份\n")
	for i := 1; i <= n; i++ {
		birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		id, err := idcheck.CompleteIDNumber("653224" + birth.Format("20060102") + fmt.Sprintf("%03d", i%1000))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range bad {
			if r == i {
				id = id[:17] + map[bool]string{true: "1", false: "2"}[id[17] != '1']
			}
		}
		fmt.Fprintf(&b, "H%06d,%s,热依汗古丽,%s,%d,已脱贫,%d.25,2019\n", i, village, id, 1+i%5, 2500+i)
	}
	p := filepath.Join(t.TempDir(), "households.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *cliFixture) households(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM households`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHouseholdsImportCommand(t *testing.T) {
	f := newCLIFixture(t, cliKey1)
	ctx := context.Background()

	bad := writeCSV(t, 2500, f.lopVill, 3, 1700)
	var out, errw bytes.Buffer
	err := importHouseholds(ctx, f.svc, f.regions, []string{bad, "--region", "653224"}, &out, &errw)
	if err == nil || !strings.Contains(err.Error(), "2 problems") {
		t.Fatalf("bad file: err = %v", err)
	}
	for _, want := range []string{"row 3: head_id_number: not a valid citizen ID number", "row 1700: head_id_number", "\rhouseholds [", "rows/s"} {
		if !strings.Contains(errw.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errw.String())
		}
	}
	if strings.Index(errw.String(), "row 3:") > strings.Index(errw.String(), "row 1700:") {
		t.Error("problems not in row order")
	}
	if n := f.households(t); n != 0 {
		t.Fatalf("%d households written from a bad file", n)
	}

	good := writeCSV(t, 2500, f.lopVill)
	out.Reset()
	errw.Reset()
	if err := importHouseholds(ctx, f.svc, f.regions, []string{"--region", "653200", good}, &out, &errw); err != nil {
		t.Fatalf("good file (prefecture 和田地区): %v\n%s", err, errw.String())
	}
	if !strings.Contains(out.String(), "2500 households imported, 0 updated (2500 rows, UTF-8) into 和田地区 653200") {
		t.Errorf("stdout: %s", out.String())
	}
	if !strings.Contains(errw.String(), "100%") || !strings.Contains(errw.String(), "2,500 rows") || !strings.HasSuffix(errw.String(), "\n") {
		t.Errorf("progress bar: %q", errw.String())
	}
	out.Reset()
	if err := importHouseholds(ctx, f.svc, f.regions, []string{"--quiet", good, "--region", "653224"}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 households imported, 2500 updated") {
		t.Errorf("re-import: %s", out.String())
	}

	// Another county's jurisdiction: the villages are outside it.
	errw.Reset()
	if err := importHouseholds(ctx, f.svc, f.regions, []string{good, "--region", "653125", "--quiet"}, &out, &errw); err == nil ||
		!strings.Contains(errw.String(), "village outside your jurisdiction") {
		t.Fatalf("other county: %v\n%.300s", err, errw.String())
	}
	for _, args := range [][]string{{good}, {"--region", "653224"}, {good, "extra", "--region", "653224"}} {
		if err := importHouseholds(ctx, f.svc, f.regions, args, &out, &errw); err == nil {
			t.Errorf("%v: no usage error", args)
		}
	}
	if err := importHouseholds(ctx, f.svc, f.regions, []string{good, "--region", "659999"}, &out, &errw); err == nil {
		t.Error("unknown region accepted")
	}
	if n := f.households(t); n != 2500 {
		t.Fatalf("%d households, want 2500", n)
	}
}

func TestKeysCommands(t *testing.T) {
	f := newCLIFixture(t, cliKey1)
	ctx := context.Background()
	var out, errw bytes.Buffer
	if err := importHouseholds(ctx, f.svc, f.regions, []string{"--quiet", writeCSV(t, 30, f.lopVill), "--region", "653224"}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := generateKey(cliKey1, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if _, err := pii.ParseKey(strings.TrimSpace(out.String())); err != nil {
		t.Fatalf("generated key %q: %v", out.String(), err)
	}
	if !strings.Contains(errw.String(), `MARKET_DATA_KEY="2:<the key above>,1:<key version 1>"`) || strings.Contains(errw.String(), cliKey1) {
		t.Errorf("hint: %s", errw.String())
	}

	// Rotation needs the old key while households are sealed under it.
	only2, _ := pii.ParseRing("2:" + cliKey2)
	if err := rotateKeys(ctx, f.db.Pool, only2, 7, &out); err == nil || !strings.Contains(err.Error(), "key version 1") {
		t.Fatalf("rotate without the old key: %v", err)
	}
	both, _ := pii.ParseRing("2:" + cliKey2 + ",1:" + cliKey1)
	out.Reset()
	if err := rotateKeys(ctx, f.db.Pool, both, 7, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "re-sealed 30 households under key version 2") {
		t.Errorf("rotate: %s", out.String())
	}
	// The old key may go: everything opens with version 2 alone.
	h := household.NewService(f.db.Pool, only2)
	office := auth.Actor{UserID: 0, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: "653224", OfficeLevel: region.County}
	page, err := h.List(ctx, office, household.Filter{Limit: 1})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("list: %v", err)
	}
	if _, err := h.Update(ctx, office, page.Items[0].ID, household.Patch{}); err != nil {
		t.Fatalf("open under version 2 only: %v", err)
	}
	// A wrong key for a recorded version is refused before anything is written.
	wrong, _ := pii.ParseRing("2:" + cliKey1)
	if err := rotateKeys(ctx, f.db.Pool, wrong, 7, &out); err == nil {
		t.Fatal("a key differing from the recorded fingerprint was accepted")
	}
}
