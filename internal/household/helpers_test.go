package household

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/region"
)

const (
	testKey1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	testKey2 = "f0e0d0c0b0a090807060504030201000ffeeddccbbaa99887766554433221100"

	hotan     = "653200"    // 和田地区
	lop       = "653224"    // 洛浦县
	lopTown   = "653224100" // 洛浦镇
	lopTown2  = "653224101" // 山普鲁镇
	yarkand   = "653125"    // 莎车县
	yarkTown  = "653125001" // 叶尔羌街道
	kashgar   = "653100"    // 喀什地区
	testToday = 2024
)

// fixture is a migrated database with the registry service and one village
// in each of two townships of 洛浦县 and one in 莎车县.
type fixture struct {
	t        testing.TB
	ctx      context.Context
	db       *dbtest.DB
	svc      *Service
	lopOff   auth.Actor // 洛浦县 office
	villages []string   // two 洛浦县 villages
	yarkVill string     // a 莎车县 village
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := &fixture{t: tb, ctx: context.Background(), db: dbtest.New(tb)}
	f.svc = NewService(f.db.Pool, mustRing(tb, testKey1))
	f.svc.SetClock(clock.Fixed(time.Date(testToday, 6, 1, 0, 0, 0, 0, time.UTC), nil))
	f.lopOff = f.office("lop@example.com", lop)
	for _, town := range []string{lopTown, lopTown2} {
		v, err := f.svc.CreateVillage(f.ctx, f.lopOff, town, "一村")
		if err != nil {
			tb.Fatalf("create village: %v", err)
		}
		f.villages = append(f.villages, v.Code)
	}
	v, err := f.svc.CreateVillage(f.ctx, f.office("yark-setup@example.com", yarkand), yarkTown, "一村")
	if err != nil {
		tb.Fatalf("create village: %v", err)
	}
	f.yarkVill = v.Code
	return f
}

func mustRing(tb testing.TB, spec string) *pii.Ring {
	tb.Helper()
	r, err := pii.ParseRing(spec)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func (f *fixture) user(email string) int64 {
	f.t.Helper()
	var id int64
	err := f.db.Pool.QueryRow(f.ctx, `INSERT INTO users (email, name, password_hash) VALUES ($1, $1, 'x') RETURNING id`, email).Scan(&id)
	if err != nil {
		f.t.Fatalf("insert user: %v", err)
	}
	return id
}

func (f *fixture) office(email, code string) auth.Actor {
	f.t.Helper()
	id := f.user(email)
	if _, err := f.db.Pool.Exec(f.ctx, `INSERT INTO user_roles (user_id, role, region_code) VALUES ($1, 'office', $2)`, id, code); err != nil {
		f.t.Fatalf("insert role: %v", err)
	}
	level, err := region.LevelOfCode(code)
	if err != nil {
		f.t.Fatal(err)
	}
	return auth.Actor{UserID: id, Email: email, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: code, OfficeLevel: level}
}

func (f *fixture) admin(email string) auth.Actor {
	f.t.Helper()
	id := f.user(email)
	if _, err := f.db.Pool.Exec(f.ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, 'platform_admin')`, id); err != nil {
		f.t.Fatalf("insert role: %v", err)
	}
	return auth.Actor{UserID: id, Email: email, Roles: []auth.Role{auth.RolePlatformAdmin}}
}

func (f *fixture) buyer(email string) auth.Actor {
	f.t.Helper()
	id := f.user(email)
	if _, err := f.db.Pool.Exec(f.ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, 'buyer')`, id); err != nil {
		f.t.Fatalf("insert role: %v", err)
	}
	return auth.Actor{UserID: id, Email: email, Roles: []auth.Role{auth.RoleBuyer}}
}

func (f *fixture) coopAdmin(email string) auth.Actor {
	f.t.Helper()
	id := f.user(email)
	code, _ := idcheck.CompleteCreditCode("93653224MA7ABCDE1")
	var coop int64
	err := f.db.Pool.QueryRow(f.ctx, `INSERT INTO cooperatives (name, credit_code, county_code, status)
		VALUES ('洛浦县红枣合作社', $1, $2, 'approved') RETURNING id`, code, lop).Scan(&coop)
	if err != nil {
		f.t.Fatalf("insert cooperative: %v", err)
	}
	if _, err := f.db.Pool.Exec(f.ctx, `INSERT INTO user_roles (user_id, role, cooperative_id) VALUES ($1, 'coop_admin', $2)`, id, coop); err != nil {
		f.t.Fatalf("insert role: %v", err)
	}
	return auth.Actor{UserID: id, Email: email, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: coop}
}

// idNumber makes the n-th distinct valid ID number of 洛浦县.
func idNumber(tb testing.TB, n int) string {
	tb.Helper()
	return makeID(n)
}

// makeID is idNumber for goroutines other than the test's.
func makeID(n int) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	s, err := idcheck.CompleteIDNumber(lop + birth.Format("20060102") + fmt.Sprintf("%03d", n%1000))
	if err != nil {
		panic(err)
	}
	return s
}

var names = []string{"阿依古丽", "买买提", "热依汗古丽", "阿卜杜热合曼", "吐尔逊", "帕提古丽", "艾克拜尔", "王芳"}

// csvRow is one household line of a generated import file.
type csvRow map[string]string

// genRows makes n valid rows spread over villages.
func genRows(tb testing.TB, n int, villages []string) []csvRow {
	tb.Helper()
	statuses := []string{"lifted", "poor", "monitored_unstable", "monitored_edge", "monitored_hardship"}
	out := make([]csvRow, n)
	for i := range out {
		out[i] = csvRow{
			"registry_no":          fmt.Sprintf("H%08d", i+1),
			"village_code":         villages[i%len(villages)],
			"head_name":            names[i%len(names)],
			"head_id_number":       idNumber(tb, i+1),
			"members":              strconv.Itoa(1 + i%8),
			"status":               statuses[i%len(statuses)],
			"baseline_income_yuan": fmt.Sprintf("%d.%02d", 2000+i, i%100),
			"baseline_year":        "2019",
		}
	}
	return out
}

// encodeCSV writes rows under the given headers (English Columns when nil).
func encodeCSV(tb testing.TB, rows []csvRow, headers []string) []byte {
	tb.Helper()
	if headers == nil {
		headers = Columns[:]
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(headers)
	for _, r := range rows {
		rec := make([]string, len(headers))
		for i, h := range headers {
			rec[i] = r[englishHeader(h)]
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func englishHeader(h string) string {
	for i, c := range ChineseColumns {
		if c == h {
			return Columns[i]
		}
	}
	return strings.ToLower(h)
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }
