package demo_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
)

const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func testRing(t *testing.T) *pii.Ring {
	t.Helper()
	r, err := pii.ParseRing(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func count(t *testing.T, db *dbtest.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// snapshot fingerprints everything LoadRegistry writes, sealed bytes and
// timestamps included, so that equal snapshots mean nothing changed.
func snapshot(t *testing.T, db *dbtest.DB) string {
	t.Helper()
	const q = `SELECT
		(SELECT count(*) || ':' || coalesce(md5(string_agg(concat_ws('|', id, registry_no, village_code, members, status,
			lifted_year, baseline_income_fen, baseline_year, encode(head_name_enc, 'hex'), encode(head_id_enc, 'hex'),
			encode(head_id_hash, 'hex'), head_name_mask, head_id_mask, key_version, created_at, updated_at), ',' ORDER BY id)), '')
			FROM households),
		(SELECT count(*) || ':' || md5(string_agg(code || name || parent_code, ',' ORDER BY code)) FROM regions WHERE level = 'village'),
		(SELECT count(*) || ':' || md5(string_agg(concat_ws('|', id, name, credit_code, status, updated_at), ',' ORDER BY id)) FROM cooperatives),
		(SELECT count(*) || ':' || coalesce(md5(string_agg(concat_ws('|', cooperative_id, household_id, joined_on), ',' ORDER BY cooperative_id, household_id)), '') FROM cooperative_members),
		(SELECT count(*) FROM cooperative_events)`
	var h, v, c, m string
	var e int
	if err := db.Pool.QueryRow(context.Background(), q).Scan(&h, &v, &c, &m, &e); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("households %s villages %s coops %s members %s events %d", h, v, c, m, e)
}

func TestLoadRegistryDefault(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	if err := demo.LoadAccounts(ctx, db.Pool, auth.NewUsers(db.Pool)); err != nil {
		t.Fatal(err)
	}
	ring := testRing(t)
	var last [2]int
	calls := 0
	progress := func(done, total int) {
		if done < last[0] || done > total {
			t.Errorf("progress %d/%d after %d", done, total, last[0])
		}
		last = [2]int{done, total}
		calls++
	}
	if err := demo.LoadRegistry(ctx, db.Pool, ring, demo.RegistryOptions{Progress: progress}); err != nil {
		t.Fatal(err)
	}
	if last != [2]int{demo.DefaultHouseholds, demo.DefaultHouseholds} || calls == 0 {
		t.Errorf("last progress %v after %d calls", last, calls)
	}
	first := snapshot(t, db)
	if err := demo.LoadRegistry(ctx, db.Pool, ring, demo.RegistryOptions{}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if again := snapshot(t, db); again != first {
		t.Fatalf("the second run changed the registry:\n%s\n%s", first, again)
	}
	t.Log(first)

	t.Run("households", func(t *testing.T) {
		n := count(t, db, `SELECT count(*) FROM households`)
		if n != demo.DefaultHouseholds {
			t.Fatalf("%d households, want %d", n, demo.DefaultHouseholds)
		}
		byStatus := map[string]int{}
		rows, _ := db.Pool.Query(ctx, `SELECT status, count(*) FROM households GROUP BY status`)
		for rows.Next() {
			var s string
			var c int
			rows.Scan(&s, &c)
			byStatus[s] = c
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		t.Logf("statuses %v", byStatus)
		for _, s := range []household.Status{household.StatusPoor, household.StatusLifted,
			household.StatusMonitoredUnstable, household.StatusMonitoredEdge, household.StatusMonitoredHardship} {
			if byStatus[string(s)] == 0 {
				t.Errorf("no %s household", s)
			}
		}
		monitored := byStatus["monitored_unstable"] + byStatus["monitored_edge"] + byStatus["monitored_hardship"]
		if monitored < n*6/100 || monitored > n*14/100 {
			t.Errorf("%d monitored of %d, want about a tenth", monitored, n)
		}
		if byStatus["lifted"] < n*80/100 || byStatus["poor"] > n*5/100 {
			t.Errorf("statuses %v: want mostly lifted and a few poor", byStatus)
		}
		checks := []struct {
			name string
			q    string
			ok   func(int) bool
		}{
			{"lifted in 2019 or 2020", `SELECT count(*) * 100 / (SELECT count(*) FROM households WHERE status = 'lifted')
				FROM households WHERE status = 'lifted' AND lifted_year IN (2019, 2020)`, func(p int) bool { return p >= 55 }},
			{"lifted households without a year", `SELECT count(*) FROM households
				WHERE (status IN ('lifted', 'monitored_unstable')) <> (lifted_year IS NOT NULL)`, func(c int) bool { return c == 0 }},
			{"members outside 1–9", `SELECT count(*) FROM households WHERE members NOT BETWEEN 1 AND 9`, func(c int) bool { return c == 0 }},
			{"percent with 3–6 members", `SELECT count(*) FILTER (WHERE members BETWEEN 3 AND 6) * 100 / count(*) FROM households`,
				func(p int) bool { return p >= 60 }},
			{"incomes outside 2,600–9,000 yuan", `SELECT count(*) FROM households WHERE baseline_income_fen NOT BETWEEN 260000 AND 900000`,
				func(c int) bool { return c == 0 }},
			{"monitored below the 6,000 yuan monitoring line", `SELECT count(*) FROM households
				WHERE status LIKE 'monitored%' AND baseline_income_fen < 600000`, func(c int) bool { return c > 0 }},
			{"monitored above lifted on average", `SELECT (avg(baseline_income_fen) FILTER (WHERE status LIKE 'monitored%')
				>= avg(baseline_income_fen) FILTER (WHERE status = 'lifted'))::int FROM households`, func(c int) bool { return c == 0 }},
			{"registry numbers not <county>-NNNNNN of their village's county", `SELECT count(*) FROM households
				WHERE registry_no !~ '^65[0-9]{4}-[0-9]{6}$' OR left(registry_no, 6) <> left(village_code, 6)`, func(c int) bool { return c == 0 }},
			{"households outside listed counties", `SELECT count(*) FROM households h JOIN regions c ON c.code = left(h.village_code, 6)
				WHERE NOT c.listed_supervision`, func(c int) bool { return c == 0 }},
			{"listed counties without households", `SELECT count(*) FROM regions c WHERE c.level = 'county' AND c.listed_supervision
				AND NOT EXISTS (SELECT 1 FROM households h WHERE h.village_code LIKE c.code || '%')`, func(c int) bool { return c == 0 }},
		}
		for _, c := range checks {
			if got := count(t, db, c.q); !c.ok(got) {
				t.Errorf("%s: %d", c.name, got)
			}
		}
	})

	t.Run("villages", func(t *testing.T) {
		if bad := count(t, db, `SELECT count(*) FROM regions v JOIN regions t ON t.code = v.parent_code
			WHERE v.level = 'village' AND (t.level <> 'township' OR v.code NOT LIKE t.code || '___' OR v.name NOT LIKE '%村')`); bad != 0 {
			t.Errorf("%d villages not coded under their township", bad)
		}
		rows, err := db.Pool.Query(ctx, `SELECT parent_code, count(*), count(DISTINCT name) FROM regions
			WHERE level = 'village' GROUP BY parent_code`)
		if err != nil {
			t.Fatal(err)
		}
		towns := 0
		for rows.Next() {
			var town string
			var n, names int
			rows.Scan(&town, &n, &names)
			towns++
			if n < 2 || n > 4 || names != n {
				t.Errorf("township %s: %d villages, %d names", town, n, names)
			}
		}
		if towns < 25 {
			t.Errorf("villages in %d townships", towns)
		}
		if n := count(t, db, `SELECT count(*) FROM regions v WHERE level = 'village'
			AND NOT EXISTS (SELECT 1 FROM households h WHERE h.village_code = v.code)`); n != 0 {
			t.Errorf("%d villages without households", n)
		}
	})

	t.Run("cooperatives", func(t *testing.T) {
		if n := count(t, db, `SELECT count(*) FROM cooperatives WHERE status = 'approved'`); n < 21 {
			t.Errorf("%d approved cooperatives, want 20+", n)
		}
		if n := count(t, db, `SELECT count(*) FROM cooperatives WHERE status <> 'approved'`); n != 0 {
			t.Errorf("%d cooperatives not approved", n)
		}
		if n := count(t, db, `SELECT count(*) FROM cooperatives c
			WHERE NOT EXISTS (SELECT 1 FROM cooperative_members m WHERE m.cooperative_id = c.id)`); n != 0 {
			t.Errorf("%d cooperatives without members", n)
		}
		if n := count(t, db, `SELECT count(*) FROM cooperative_members m JOIN cooperatives c ON c.id = m.cooperative_id
			JOIN households h ON h.id = m.household_id WHERE h.village_code NOT LIKE c.county_code || '%'`); n != 0 {
			t.Errorf("%d members outside their cooperative's county", n)
		}
		if n := count(t, db, `SELECT count(*) FROM cooperative_members
			WHERE joined_on NOT BETWEEN '2019-01-01' AND '2020-12-31'`); n != 0 {
			t.Errorf("%d join dates outside 2019–2020", n)
		}
		if n := count(t, db, `SELECT count(*) FROM cooperative_members m JOIN cooperatives c ON c.id = m.cooperative_id
			WHERE c.credit_code = $1`, demo.CoopCreditCode); n == 0 {
			t.Error("the demo cooperative has no members")
		}
		if n := count(t, db, `SELECT count(*) FROM cooperatives c WHERE c.name NOT LIKE (SELECT name FROM regions WHERE code = c.county_code) || '%'`); n != 0 {
			t.Errorf("%d cooperatives not named after their county", n)
		}
		rows, err := db.Pool.Query(ctx, `SELECT c.credit_code, c.county_code,
				string_agg(coalesce(e.from_status, '') || '>' || e.to_status, ' ' ORDER BY e.at, e.id),
				bool_and(e.at <= now()), count(e.actor_user_id)
			FROM cooperatives c LEFT JOIN cooperative_events e ON e.cooperative_id = c.id GROUP BY c.id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var code, county, trail string
			var past bool
			var actors int
			if err := rows.Scan(&code, &county, &trail, &past, &actors); err != nil {
				t.Fatal(err)
			}
			if trail != ">applied applied>recommended recommended>approved" || !past {
				t.Errorf("cooperative %s: trail %q", code, trail)
			}
			if err := idcheck.ValidCreditCode(code); err != nil || code[2:8] != county {
				t.Errorf("credit code %s of county %s: %v", code, county, err)
			}
			// Hotan's cooperatives are recommended by office@demo.local; all
			// are approved by admin@demo.local.
			if want := map[bool]int{true: 2, false: 1}[county[:4] == "6532"]; actors != want {
				t.Errorf("cooperative %s: %d events with an actor, want %d", code, actors, want)
			}
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
	})
}

// officeActor makes an office user of code.
func officeActor(t *testing.T, db *dbtest.DB, email, code string) auth.Actor {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash) VALUES ($1, $1, 'x') RETURNING id`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO user_roles (user_id, role, region_code) VALUES ($1, 'office', $2)`, id, code); err != nil {
		t.Fatal(err)
	}
	level, err := region.LevelOfCode(code)
	if err != nil {
		t.Fatal(err)
	}
	return auth.Actor{UserID: id, Email: email, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: code, OfficeLevel: level}
}

func TestRevealedHouseholdIsTheGeneratedOne(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	ring := testRing(t)
	opts := demo.RegistryOptions{Households: 300, Seed: 7}
	if err := demo.LoadRegistry(ctx, db.Pool, ring, opts); err != nil {
		t.Fatal(err)
	}
	svc := household.NewService(db.Pool, ring)
	hotan := officeActor(t, db, "hotan@example.com", demo.OfficeRegion)
	gen, err := demo.GenerateHouseholds(ctx, db.Pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	revealed, outside := 0, 0
	for want := range gen {
		var id int64
		if err := db.Pool.QueryRow(ctx, `SELECT id FROM households WHERE registry_no = $1`, want.RegistryNo).Scan(&id); err != nil {
			t.Fatalf("%s: %v", want.RegistryNo, err)
		}
		got, err := svc.Get(ctx, hotan, ids.ID(id), true, "127.0.0.1")
		if want.VillageCode[:4] != demo.OfficeRegion[:4] {
			if err == nil {
				t.Errorf("%s outside 和田地区 was readable", want.RegistryNo)
			}
			outside++
			continue
		}
		if err != nil {
			t.Fatalf("Get %s: %v", want.RegistryNo, err)
		}
		if !got.Revealed || got.HeadName != want.HeadName || got.HeadIDNumber != want.HeadIDNumber {
			t.Fatalf("%s revealed %q %q (%v), generated %q %q", want.RegistryNo, got.HeadName, got.HeadIDNumber,
				got.Revealed, want.HeadName, want.HeadIDNumber)
		}
		if err := idcheck.ValidIDNumber(got.HeadIDNumber); err != nil || got.HeadIDNumber[:6] != want.VillageCode[:6] {
			t.Fatalf("%s: ID number of another county or invalid: %v", want.RegistryNo, err)
		}
		if got.Members != want.Members || string(got.Status) != want.Status || got.BaselineIncomeFen != want.BaselineIncomeFen {
			t.Fatalf("%s: stored %+v, generated %+v", want.RegistryNo, got, want)
		}
		revealed++
	}
	if revealed == 0 || outside == 0 {
		t.Fatalf("%d revealed, %d outside", revealed, outside)
	}
	if n := count(t, db, `SELECT count(*) FROM pii_access_log WHERE actor_user_id = $1`, hotan.UserID); n != revealed {
		t.Errorf("%d reveals logged, want %d", n, revealed)
	}
	// The list serves masks and finds a head by ID number through the hash.
	page, err := svc.List(ctx, hotan, household.Filter{Region: "653224", Limit: 5})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("List = %d items, %v", len(page.Items), err)
	}
	for _, h := range page.Items {
		if h.Revealed || h.HeadIDNumber[4:14] != "**********" {
			t.Errorf("listed unmasked: %+v", h)
		}
	}
	for want := range gen {
		if want.VillageCode[:6] != "653224" {
			continue
		}
		page, err := svc.List(ctx, hotan, household.Filter{HeadIDNumber: want.HeadIDNumber})
		if err != nil || len(page.Items) != 1 || page.Items[0].RegistryNo != want.RegistryNo {
			t.Fatalf("List by ID number of %s = %+v, %v", want.RegistryNo, page.Items, err)
		}
		break
	}
}

func TestLoadRegistryScalesDeterministically(t *testing.T) {
	ctx := context.Background()
	ring := testRing(t)
	// Grown in two steps.
	grown := dbtest.New(t)
	if err := demo.LoadRegistry(ctx, grown.Pool, ring, demo.RegistryOptions{}); err != nil {
		t.Fatal(err)
	}
	before := count(t, grown, `SELECT count(*) FROM households`)
	const firstRows = `SELECT md5(string_agg(concat_ws('|', id, registry_no, encode(head_name_enc, 'hex'), updated_at), ',' ORDER BY id))
		FROM (SELECT * FROM households ORDER BY id LIMIT 2000) h`
	var firstBefore, firstAfter string
	grown.Pool.QueryRow(ctx, firstRows).Scan(&firstBefore)
	var last int
	err := demo.LoadRegistry(ctx, grown.Pool, ring, demo.RegistryOptions{Households: 5000,
		Progress: func(done, total int) {
			if total != 5000 || done < last {
				t.Errorf("progress %d/%d after %d", done, total, last)
			}
			last = done
		}})
	if err != nil {
		t.Fatal(err)
	}
	if last != 5000 {
		t.Errorf("last progress %d", last)
	}
	if n := count(t, grown, `SELECT count(*) FROM households`); n != 5000 || before != demo.DefaultHouseholds {
		t.Fatalf("%d then %d households", before, n)
	}
	grown.Pool.QueryRow(ctx, firstRows).Scan(&firstAfter)
	if firstBefore == "" || firstAfter != firstBefore {
		t.Errorf("the households of the first run were rewritten")
	}
	snap := snapshot(t, grown)
	if err := demo.LoadRegistry(ctx, grown.Pool, ring, demo.RegistryOptions{Households: 5000}); err != nil {
		t.Fatal(err)
	}
	if again := snapshot(t, grown); again != snap {
		t.Fatalf("a second run of 5000 changed the registry")
	}
	// A smaller run afterwards adds and removes nothing.
	if err := demo.LoadRegistry(ctx, grown.Pool, ring, demo.RegistryOptions{Households: 100}); err != nil {
		t.Fatal(err)
	}
	if again := snapshot(t, grown); again != snap {
		t.Fatalf("a smaller run changed the registry")
	}

	// Loaded at once: the same households, villages and memberships.
	direct := dbtest.New(t)
	if err := demo.LoadRegistry(ctx, direct.Pool, ring, demo.RegistryOptions{Households: 5000}); err != nil {
		t.Fatal(err)
	}
	const plain = `SELECT
		(SELECT md5(string_agg(concat_ws('|', registry_no, village_code, members, status, lifted_year, baseline_income_fen,
			baseline_year, head_name_mask, head_id_mask, encode(head_id_hash, 'hex')), ',' ORDER BY registry_no)) FROM households),
		(SELECT md5(string_agg(code || name, ',' ORDER BY code)) FROM regions WHERE level = 'village'),
		(SELECT md5(string_agg(concat_ws('|', c.credit_code, h.registry_no, m.joined_on), ',' ORDER BY c.credit_code, h.registry_no))
			FROM cooperative_members m JOIN cooperatives c ON c.id = m.cooperative_id JOIN households h ON h.id = m.household_id)`
	fingerprint := func(db *dbtest.DB) [3]string {
		var f [3]string
		if err := db.Pool.QueryRow(ctx, plain).Scan(&f[0], &f[1], &f[2]); err != nil {
			t.Fatal(err)
		}
		return f
	}
	if a, b := fingerprint(grown), fingerprint(direct); a != b {
		t.Fatalf("2,000 then 5,000 differs from 5,000 at once: %v vs %v", a, b)
	}
}

func TestLoadRegistryRefusesAnotherSeed(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	ring := testRing(t)
	if err := demo.LoadRegistry(ctx, db.Pool, ring, demo.RegistryOptions{Households: 200, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadRegistry(ctx, db.Pool, ring, demo.RegistryOptions{Households: 400, Seed: 2}); err == nil {
		t.Fatal("a registry of seed 1 was extended from seed 2")
	}
	if n := count(t, db, `SELECT count(*) FROM households`); n != 200 {
		t.Fatalf("%d households after the refused run", n)
	}
}
