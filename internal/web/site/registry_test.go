package site_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/web/webtest"
)

const (
	regPassword  = "registry-pass-1"
	regHotanCode = "653200"    // 和田地区
	regLopCode   = "653224"    // 洛浦县
	regLopTown   = "653224100" // 洛浦镇
	regYarkCode  = "653125"    // 莎车县
	regYarkTown  = "653125001" // 叶尔羌街道
)

// regFixture is a test server with one user of every kind and a village in
// 洛浦县 and one in 莎车县.
type regFixture struct {
	t        *testing.T
	s        *webtest.Server
	lop      *webtest.Client // 洛浦县 office
	hotan    *webtest.Client // 和田地区 office
	yark     *webtest.Client // 莎车县 office
	admin    *webtest.Client
	buyer    *webtest.Client
	lopVill  string
	yarkVill string
	ids      map[string]int64 // user ids by email
}

func newRegFixture(t *testing.T) *regFixture {
	t.Helper()
	r := &regFixture{t: t, s: webtest.Start(t), ids: map[string]int64{}}
	login := func(email string, g auth.Grant) *webtest.Client {
		r.ids[email] = r.s.CreateUser(email, regPassword, g)
		c, _ := r.s.Login(email, regPassword)
		return c
	}
	r.lop = login("lop@office.example", auth.Grant{Role: auth.RoleOffice, RegionCode: regLopCode})
	r.hotan = login("hotan@office.example", auth.Grant{Role: auth.RoleOffice, RegionCode: regHotanCode})
	r.yark = login("yark@office.example", auth.Grant{Role: auth.RoleOffice, RegionCode: regYarkCode})
	r.admin = login("admin@platform.example", auth.Grant{Role: auth.RolePlatformAdmin})
	r.buyer = login("buyer@example.com", auth.Grant{Role: auth.RoleBuyer})
	r.lopVill = r.village(r.lop, regLopTown, "团结村")
	r.yarkVill = r.village(r.yark, regYarkTown, "幸福村")
	return r
}

func (r *regFixture) village(c *webtest.Client, township, name string) string {
	r.t.Helper()
	res := c.Do("POST", "/api/v1/regions/"+township+"/villages", map[string]string{"name": name})
	if res.Status != 201 {
		r.t.Fatalf("create village: %d %s", res.Status, res.Body)
	}
	var v struct{ Code, Name, Level, ParentCode string }
	res.JSON(r.t, &v)
	if len(v.Code) != 12 || !strings.HasPrefix(v.Code, township) || v.Level != "village" {
		r.t.Fatalf("village = %+v", v)
	}
	return v.Code
}

func (r *regFixture) count(q string, args ...any) int {
	r.t.Helper()
	var n int
	if err := r.s.DB.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// idNumber makes the n-th distinct valid ID number of a 洛浦县 resident.
func regIDNumber(t *testing.T, n int) string {
	t.Helper()
	birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	s, err := idcheck.CompleteIDNumber(regLopCode + birth.Format("20060102") + fmt.Sprintf("%03d", n%1000))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// householdCSV writes n valid rows for village; edit changes row i (from 1)
// before it is written.
func regCSV(t *testing.T, n int, village string, edit func(row int, rec map[string]string)) []byte {
	t.Helper()
	cols := []string{"registry_no", "village_code", "head_name", "head_id_number", "members", "status", "baseline_income_yuan", "baseline_year"}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(cols)
	for i := 1; i <= n; i++ {
		rec := map[string]string{"registry_no": fmt.Sprintf("LP%05d", i), "village_code": village, "head_name": "阿依古丽",
			"head_id_number": regIDNumber(t, i), "members": fmt.Sprint(1 + i%6), "status": "lifted",
			"baseline_income_yuan": fmt.Sprintf("%d.50", 3000+i), "baseline_year": "2019"}
		if edit != nil {
			edit(i, rec)
		}
		line := make([]string, len(cols))
		for j, c := range cols {
			line[j] = rec[c]
		}
		w.Write(line)
	}
	w.Flush()
	return buf.Bytes()
}

// upload posts file as the multipart field "file", with extra form fields.
func regUpload(t *testing.T, s *webtest.Server, c *webtest.Client, path string, file []byte, fields map[string]string) *webtest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "households.csv")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Send(req)
}

type regHousehold struct {
	ID           string `json:"id"`
	RegistryNo   string `json:"registry_no"`
	HeadName     string `json:"head_name"`
	HeadIDNumber string `json:"head_id_number"`
	Revealed     bool   `json:"revealed"`
}

type regHouseholdPage struct {
	Items      []regHousehold `json:"items"`
	NextCursor string         `json:"next_cursor"`
}

// TestRegistryJurisdictionMatrix runs every kind of caller through list,
// read, reveal and import of 洛浦县 households over HTTP. (Export is not
// built yet.)
func TestRegistryJurisdictionMatrix(t *testing.T) {
	r := newRegFixture(t)
	file := regCSV(t, 2, r.lopVill, nil)
	if res := regUpload(t, r.s, r.lop, "/api/v1/households/import", file, nil); res.Status != 200 {
		t.Fatalf("owner import: %d %s", res.Status, res.Body)
	}
	var page regHouseholdPage
	r.lop.Do("GET", "/api/v1/households", nil).JSON(t, &page)
	if len(page.Items) != 2 {
		t.Fatalf("owner lists %d households", len(page.Items))
	}
	id := page.Items[0].ID
	wholeID := regIDNumber(t, 1)

	// A coop admin of a 洛浦县 cooperative.
	code, _ := idcheck.CompleteCreditCode("93653224MA7ABCDE1")
	var co struct{ ID string }
	res := r.buyer.Do("POST", "/api/v1/cooperatives", map[string]string{"name": "洛浦县红枣合作社", "credit_code": code, "county_code": regLopCode})
	if res.Status != 201 {
		t.Fatalf("apply: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &co)
	var coopID int64
	fmt.Sscan(co.ID, &coopID)
	r.s.CreateUser("coop@example.com", regPassword, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: coopID})
	coopAdmin, _ := r.s.Login("coop@example.com", regPassword)

	type want struct {
		list, listN, read, reveal int
		revealed                  bool
		imp                       int
	}
	tests := []struct {
		name string
		c    *webtest.Client
		want want
	}{
		{"prefecture office 和田地区", r.hotan, want{list: 200, listN: 2, read: 200, reveal: 200, revealed: true, imp: 200}},
		{"county office 洛浦县", r.lop, want{list: 200, listN: 2, read: 200, reveal: 200, revealed: true, imp: 200}},
		{"county office 莎车县", r.yark, want{list: 200, listN: 0, read: 404, reveal: 404, imp: 422}},
		{"coop admin", coopAdmin, want{list: 403, read: 403, reveal: 403, imp: 403}},
		{"buyer", r.buyer, want{list: 403, read: 403, reveal: 403, imp: 403}},
		{"platform admin", r.admin, want{list: 200, listN: 2, read: 200, reveal: 200, revealed: false, imp: 403}},
		{"anonymous", r.s.Client(), want{list: 401, read: 401, reveal: 401, imp: 401}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.c.Do("GET", "/api/v1/households", nil)
			if res.Status != tt.want.list {
				t.Fatalf("list: %d, want %d: %s", res.Status, tt.want.list, res.Body)
			}
			if res.Status == 200 {
				var p regHouseholdPage
				res.JSON(t, &p)
				if len(p.Items) != tt.want.listN {
					t.Errorf("list: %d households, want %d", len(p.Items), tt.want.listN)
				}
				for _, h := range p.Items {
					if h.Revealed || strings.Contains(h.HeadIDNumber, wholeID[4:14]) || h.HeadName == "阿依古丽" {
						t.Errorf("list shows personal data: %+v", h)
					}
				}
				// A region filter outside the jurisdiction is an empty page, not an error.
				res = tt.c.Do("GET", "/api/v1/households?region="+regLopCode, nil)
				res.JSON(t, &p)
				if res.Status != 200 || len(p.Items) != tt.want.listN {
					t.Errorf("list of 洛浦县: %d, %d households", res.Status, len(p.Items))
				}
			}
			res = tt.c.Do("GET", "/api/v1/households/"+id, nil)
			if res.Status != tt.want.read {
				t.Fatalf("read: %d, want %d: %s", res.Status, tt.want.read, res.Body)
			}
			if res.Status == 200 && res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("read: Cache-Control %q", res.Header.Get("Cache-Control"))
			}
			logged := r.count(`SELECT count(*) FROM pii_access_log`)
			res = tt.c.Do("GET", "/api/v1/households/"+id+"?reveal=1", nil)
			if res.Status != tt.want.reveal {
				t.Fatalf("reveal: %d, want %d: %s", res.Status, tt.want.reveal, res.Body)
			}
			wantLogged := logged
			if res.Status == 200 {
				var h regHousehold
				res.JSON(t, &h)
				if h.Revealed != tt.want.revealed {
					t.Fatalf("reveal: revealed = %v, want %v", h.Revealed, tt.want.revealed)
				}
				if h.Revealed {
					wantLogged++
					if h.HeadIDNumber != wholeID || h.HeadName != "阿依古丽" {
						t.Errorf("revealed fields %q %q", h.HeadName, h.HeadIDNumber)
					}
				} else if h.HeadIDNumber == wholeID {
					t.Error("whole ID number without reveal rights")
				}
			}
			if got := r.count(`SELECT count(*) FROM pii_access_log`); got != wantLogged {
				t.Errorf("audit rows %d, want %d", got, wantLogged)
			}
			res = regUpload(t, r.s, tt.c, "/api/v1/households/import", file, nil)
			if res.Status != tt.want.imp {
				t.Fatalf("import: %d, want %d: %s", res.Status, tt.want.imp, res.Body)
			}
		})
	}
	t.Run("reveal writes who, which and from where", func(t *testing.T) {
		var n int
		err := r.s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pii_access_log
			WHERE actor_user_id = $1 AND household_id = $2 AND client_addr = '127.0.0.1'
				AND fields = ARRAY['head_name', 'head_id_number']`, r.ids["lop@office.example"], id).Scan(&n)
		if err != nil || n != 1 {
			t.Fatalf("audit rows of the 洛浦县 office: %d, %v", n, err)
		}
	})
	if n := r.count(`SELECT count(*) FROM households`); n != 2 {
		t.Errorf("%d households after the matrix, want 2", n)
	}
}

func TestHouseholdCRUDOverHTTP(t *testing.T) {
	r := newRegFixture(t)
	in := map[string]any{"registry_no": "LP-001", "village_code": r.lopVill, "members": 4, "status": "已脱贫",
		"lifted_year": 2019, "baseline_income_fen": 352050, "baseline_year": 2019, "head_name": "买买提", "head_id_number": regIDNumber(t, 7)}
	res := r.lop.Do("POST", "/api/v1/households", in)
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var h regHousehold
	res.JSON(t, &h)
	if h.HeadName != "买**" || h.HeadIDNumber != regIDNumber(t, 7)[:4]+"**********"+regIDNumber(t, 7)[14:] {
		t.Fatalf("created household not masked: %+v", h)
	}
	if res := r.lop.Do("POST", "/api/v1/households", in); res.Status != 422 || !strings.Contains(string(res.Body), `"registry_no"`) {
		t.Fatalf("duplicate: %d %s", res.Status, res.Body)
	}
	bad := map[string]any{"registry_no": "LP 002", "village_code": r.yarkVill, "members": 0, "status": "rich",
		"baseline_income_fen": -1, "baseline_year": 1999, "head_name": "", "head_id_number": "653224199001011230"}
	res = r.lop.Do("POST", "/api/v1/households", bad)
	if res.Status != 422 {
		t.Fatalf("invalid create: %d %s", res.Status, res.Body)
	}
	for _, f := range []string{"registry_no", "members", "status", "baseline_income_fen", "baseline_year", "head_name", "head_id_number"} {
		if !strings.Contains(string(res.Body), `"`+f+`"`) {
			t.Errorf("invalid create: no reason for %s: %s", f, res.Body)
		}
	}
	if res := r.yark.Do("POST", "/api/v1/households", map[string]any{"registry_no": "LP-003", "village_code": r.lopVill, "members": 1,
		"status": "poor", "baseline_income_fen": 1, "baseline_year": 2019, "head_name": "王芳", "head_id_number": regIDNumber(t, 8)}); res.Status != 403 {
		t.Fatalf("create outside jurisdiction: %d %s", res.Status, res.Body)
	}
	res = r.lop.Do("PATCH", "/api/v1/households/"+h.ID, map[string]any{"members": 5, "status": "monitored_edge"})
	if res.Status != 200 || !strings.Contains(string(res.Body), `"members":5`) || strings.Contains(string(res.Body), "lifted_year") {
		t.Fatalf("patch: %d %s", res.Status, res.Body)
	}
	if res := r.yark.Do("PATCH", "/api/v1/households/"+h.ID, map[string]any{"members": 2}); res.Status != 404 {
		t.Fatalf("patch outside jurisdiction: %d", res.Status)
	}
	var page regHouseholdPage
	for q, n := range map[string]int{"status=monitored_edge": 1, "status=poor": 0, "registry_no=LP-001": 1, "region=" + r.yarkVill: 0} {
		res := r.lop.Do("GET", "/api/v1/households?"+q, nil)
		res.JSON(t, &page)
		if res.Status != 200 || len(page.Items) != n {
			t.Errorf("list ?%s: %d, %d items, want %d", q, res.Status, len(page.Items), n)
		}
	}
	for _, q := range []string{"status=rich", "limit=x", "limit=1000", "cursor=%21", "region=999999"} {
		if res := r.lop.Do("GET", "/api/v1/households?"+q, nil); res.Status != 400 && res.Status != 422 {
			t.Errorf("list ?%s: %d", q, res.Status)
		}
	}
	res = r.lop.Do("POST", "/api/v1/households/search", map[string]any{"head_id_number": regIDNumber(t, 7)})
	res.JSON(t, &page)
	if res.Status != 200 || len(page.Items) != 1 || page.Items[0].ID != h.ID {
		t.Fatalf("search by ID number: %d %s", res.Status, res.Body)
	}
	res = r.yark.Do("POST", "/api/v1/households/search", map[string]any{"head_id_number": regIDNumber(t, 7)})
	res.JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatal("search by ID number crosses jurisdictions")
	}
	if res := r.lop.Do("GET", "/api/v1/households/abc", nil); res.Status != 404 {
		t.Errorf("bad id: %d", res.Status)
	}
	// Paging: three households, two a page.
	for i := 20; i < 22; i++ {
		in["registry_no"], in["head_id_number"] = fmt.Sprintf("LP-%03d", i), regIDNumber(t, i)
		if res := r.lop.Do("POST", "/api/v1/households", in); res.Status != 201 {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
	}
	r.lop.Do("GET", "/api/v1/households?limit=2", nil).JSON(t, &page)
	if len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	r.lop.Do("GET", "/api/v1/households?limit=2&cursor="+url.QueryEscape(page.NextCursor), nil).JSON(t, &page)
	if len(page.Items) != 1 || page.NextCursor != "" {
		t.Fatalf("second page: %+v", page)
	}
}

func TestVillagesOverHTTP(t *testing.T) {
	r := newRegFixture(t)
	for _, tc := range []struct {
		c      *webtest.Client
		path   string
		body   any
		status int
	}{
		{r.lop, "/api/v1/regions/" + regLopTown + "/villages", map[string]string{"name": "团结村"}, 422}, // same name twice
		{r.lop, "/api/v1/regions/" + regYarkTown + "/villages", map[string]string{"name": "新村"}, 403},
		{r.lop, "/api/v1/regions/" + regLopCode + "/villages", map[string]string{"name": "新村"}, 422},
		{r.hotan, "/api/v1/regions/" + regLopTown + "/villages", map[string]string{"name": "新村"}, 201},
		{r.admin, "/api/v1/regions/" + regLopTown + "/villages", map[string]string{"name": "另一村"}, 403},
		{r.buyer, "/api/v1/regions/" + regLopTown + "/villages", map[string]string{"name": "另一村"}, 403},
		{r.lop, "/api/v1/regions/" + regLopTown + "/villages", []byte(`{"name":`), 400},
	} {
		if res := tc.c.Do("POST", tc.path, tc.body); res.Status != tc.status {
			t.Errorf("POST %s %v: %d, want %d: %s", tc.path, tc.body, res.Status, tc.status, res.Body)
		}
	}
}

func TestCooperativeLifecycleOverHTTP(t *testing.T) {
	r := newRegFixture(t)
	code, _ := idcheck.CompleteCreditCode("93653224MA7XYKW01")
	var co struct {
		ID, Status, RejectReason string
		ContactName              string `json:"contact_name"`
	}
	res := r.buyer.Do("POST", "/api/v1/cooperatives", map[string]string{"name": "洛浦县核桃合作社", "credit_code": code,
		"county_code": regLopCode, "contact_name": "艾力", "contact_phone": "0903-1234567"})
	if res.Status != 201 {
		t.Fatalf("apply: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &co)
	if co.Status != "applied" {
		t.Fatalf("applied: %+v", co)
	}
	base := "/api/v1/cooperatives/" + co.ID
	bad, _ := idcheck.CompleteCreditCode("93653224MA7XYKW02")
	bad = bad[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", bad[17])+1)%31])
	steps := []struct {
		name   string
		c      *webtest.Client
		method string
		path   string
		body   any
		status int
		state  string
	}{
		{"duplicate application", r.buyer, "POST", "/api/v1/cooperatives", map[string]string{"name": "x", "credit_code": code, "county_code": regLopCode}, 422, ""},
		{"bad check character", r.buyer, "POST", "/api/v1/cooperatives", map[string]string{"name": "x", "credit_code": bad, "county_code": regLopCode}, 422, ""},
		{"anonymous application", r.s.Client(), "POST", "/api/v1/cooperatives", map[string]string{"name": "x", "credit_code": code, "county_code": regLopCode}, 401, ""},
		{"approve before recommendation", r.admin, "POST", base + "/approve", nil, 409, ""},
		{"recommend by another county", r.yark, "POST", base + "/recommend", nil, 404, ""}, // it cannot see the application
		{"recommend by a buyer", r.buyer, "POST", base + "/recommend", nil, 403, ""},
		{"recommend by the platform", r.admin, "POST", base + "/recommend", nil, 403, ""},
		{"recommend by its county", r.lop, "POST", base + "/recommend", nil, 200, "recommended"},
		{"recommend twice", r.hotan, "POST", base + "/recommend", nil, 409, ""},
		{"approve by an office", r.lop, "POST", base + "/approve", nil, 403, ""},
		{"reject without a body", r.admin, "POST", base + "/reject", nil, 400, ""},
		{"reject without a reason", r.admin, "POST", base + "/reject", map[string]string{}, 422, ""},
		{"approve", r.admin, "POST", base + "/approve", nil, 200, "approved"},
		{"reject once approved", r.admin, "POST", base + "/reject", map[string]string{"reason": "资料不全"}, 409, ""},
		{"approve twice", r.admin, "POST", base + "/approve", nil, 409, ""},
		{"public read of an approved cooperative", r.s.Client(), "GET", base, nil, 200, "approved"},
		{"suspend", r.admin, "POST", base + "/suspend", map[string]string{"reason": "质量抽检不合格"}, 200, "suspended"},
		{"suspend twice", r.admin, "POST", base + "/suspend", nil, 409, ""},
		{"public read of a suspended cooperative", r.s.Client(), "GET", base, nil, 404, ""},
		{"office read", r.hotan, "GET", base, nil, 200, "suspended"},
		{"unknown cooperative", r.admin, "POST", "/api/v1/cooperatives/999999/approve", nil, 404, ""},
	}
	for _, st := range steps {
		res := st.c.Do(st.method, st.path, st.body)
		if res.Status != st.status {
			t.Fatalf("%s: %d, want %d: %s", st.name, res.Status, st.status, res.Body)
		}
		if st.state != "" {
			res.JSON(t, &co)
			if co.Status != st.state {
				t.Fatalf("%s: state %s, want %s", st.name, co.Status, st.state)
			}
		}
	}
	var evs struct {
		Items []struct {
			FromStatus string `json:"from_status"`
			ToStatus   string `json:"to_status"`
			Reason     string `json:"reason"`
		} `json:"items"`
	}
	res = r.lop.Do("GET", base+"/events", nil)
	res.JSON(t, &evs)
	var trail []string
	for _, e := range evs.Items {
		trail = append(trail, e.FromStatus+"→"+e.ToStatus)
	}
	if want := []string{"→applied", "applied→recommended", "recommended→approved", "approved→suspended"}; !slices.Equal(trail, want) {
		t.Fatalf("events %v, want %v", trail, want)
	}
	if evs.Items[3].Reason != "质量抽检不合格" {
		t.Errorf("suspend reason %q", evs.Items[3].Reason)
	}
	if res := r.yark.Do("GET", base+"/events", nil); res.Status != 404 {
		t.Errorf("events for another county: %d", res.Status)
	}

	t.Run("rejection", func(t *testing.T) {
		code, _ := idcheck.CompleteCreditCode("93653224MA7XYKW03")
		var c2 struct{ ID, Status string }
		r.buyer.Do("POST", "/api/v1/cooperatives", map[string]string{"name": "洛浦县羊肉合作社", "credit_code": code, "county_code": regLopCode}).JSON(t, &c2)
		r.lop.Do("POST", "/api/v1/cooperatives/"+c2.ID+"/recommend", nil)
		res := r.admin.Do("POST", "/api/v1/cooperatives/"+c2.ID+"/reject", map[string]string{"reason": "营业执照已过期"})
		if res.Status != 200 || !strings.Contains(string(res.Body), "营业执照已过期") {
			t.Fatalf("reject: %d %s", res.Status, res.Body)
		}
		if res := r.lop.Do("PUT", "/api/v1/cooperatives/"+c2.ID+"/members", map[string]any{"household_ids": []string{}}); res.Status != 409 {
			t.Fatalf("members of a rejected cooperative: %d %s", res.Status, res.Body)
		}
	})

	t.Run("lists", func(t *testing.T) {
		var page struct {
			Items []struct{ ID, Status string } `json:"items"`
		}
		for _, tc := range []struct {
			c    *webtest.Client
			q    string
			want int
		}{
			{r.s.Client(), "", 0}, // nothing approved any more
			{r.lop, "", 2},
			{r.yark, "", 0},
			{r.admin, "?status=rejected", 1},
			{r.admin, "?region=" + regYarkCode, 0},
		} {
			res := tc.c.Do("GET", "/api/v1/cooperatives"+tc.q, nil)
			res.JSON(t, &page)
			if res.Status != 200 || len(page.Items) != tc.want {
				t.Errorf("list %s: %d, %d items, want %d", tc.q, res.Status, len(page.Items), tc.want)
			}
		}
		if res := r.admin.Do("GET", "/api/v1/cooperatives?status=bogus", nil); res.Status != 422 {
			t.Errorf("bad status filter: %d", res.Status)
		}
	})

	t.Run("members", func(t *testing.T) {
		if res := regUpload(t, r.s, r.lop, "/api/v1/households/import", regCSV(t, 3, r.lopVill, nil), nil); res.Status != 200 {
			t.Fatalf("import: %d %s", res.Status, res.Body)
		}
		var hh regHouseholdPage
		r.lop.Do("GET", "/api/v1/households", nil).JSON(t, &hh)
		ids := []string{hh.Items[0].ID, hh.Items[1].ID}
		body := map[string]any{"household_ids": ids, "members": []map[string]string{{"household_id": ids[1], "joined_on": "2024-03-01"}}}
		res := r.lop.Do("PUT", base+"/members", body)
		if res.Status != 200 {
			t.Fatalf("set members: %d %s", res.Status, res.Body)
		}
		var ms struct {
			HouseholdIDs []string `json:"household_ids"`
			Members      []struct {
				HouseholdID string `json:"household_id"`
				JoinedOn    string `json:"joined_on"`
			} `json:"members"`
		}
		r.admin.Do("GET", base+"/members", nil).JSON(t, &ms)
		if !slices.Equal(ms.HouseholdIDs, ids) || ms.Members[1].JoinedOn != "2024-03-01" || ms.Members[0].JoinedOn == "" {
			t.Fatalf("members %+v", ms)
		}
		// A household of another county cannot join.
		var yh struct{ ID string }
		res = r.yark.Do("POST", "/api/v1/households", map[string]any{"registry_no": "YK-1", "village_code": r.yarkVill, "members": 2,
			"status": "poor", "baseline_income_fen": 100, "baseline_year": 2020, "head_name": "吐尔逊", "head_id_number": regIDNumber(t, 900)})
		res.JSON(t, &yh)
		if res := r.lop.Do("PUT", base+"/members", map[string]any{"household_ids": append(ids, yh.ID)}); res.Status != 422 {
			t.Fatalf("member of another county: %d %s", res.Status, res.Body)
		}
		for _, tc := range []struct {
			c      *webtest.Client
			method string
			body   any
			status int
		}{
			{r.yark, "PUT", map[string]any{"household_ids": ids}, 404}, // a suspended cooperative is not another county's to see
			{r.buyer, "GET", nil, 403},
			{r.lop, "PUT", map[string]any{}, 400},
			{r.lop, "PUT", map[string]any{"members": []map[string]string{{"household_id": ids[0], "joined_on": "01/03/2024"}}}, 422},
			{r.lop, "PUT", map[string]any{"household_ids": []string{}}, 200},
		} {
			if res := tc.c.Do(tc.method, base+"/members", tc.body); res.Status != tc.status {
				t.Errorf("%s members %v: %d, want %d: %s", tc.method, tc.body, res.Status, tc.status, res.Body)
			}
		}
	})
}

func TestHouseholdImportOverHTTP(t *testing.T) {
	r := newRegFixture(t)
	const n = 40
	broken := regCSV(t, n, r.lopVill, func(row int, rec map[string]string) {
		switch row {
		case 2:
			id := rec["head_id_number"]
			rec["head_id_number"] = id[:17] + map[bool]string{true: "0", false: "1"}[id[17] != '0']
		case 5:
			rec["members"] = "0"
		case 9:
			rec["village_code"] = r.yarkVill
		}
	})
	res := regUpload(t, r.s, r.lop, "/api/v1/households/import", broken, nil)
	if res.Status != 422 {
		t.Fatalf("broken file: %d %s", res.Status, res.Body)
	}
	var e struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	res.JSON(t, &e)
	var keys []string
	for k := range e.Error.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"row 2: head_id_number", "row 5: members", "row 9: village_code"}; !slices.Equal(keys, want) {
		t.Fatalf("problems %v, want %v", keys, want)
	}
	if strings.Contains(string(res.Body), "阿依古丽") || strings.Contains(string(res.Body), regIDNumber(t, 2)[:14]) {
		t.Error("the error report repeats personal data")
	}
	if got := r.count(`SELECT count(*) FROM households`); got != 0 {
		t.Fatalf("%d households written by a rejected file", got)
	}
	fixed := regCSV(t, n, r.lopVill, nil)
	var out struct{ Imported, Updated, Rows int }
	res = regUpload(t, r.s, r.lop, "/api/v1/households/import", fixed, nil)
	res.JSON(t, &out)
	if res.Status != 200 || out.Imported != n || out.Updated != 0 || out.Rows != n {
		t.Fatalf("fixed file: %d %s", res.Status, res.Body)
	}
	res = regUpload(t, r.s, r.lop, "/api/v1/households/import", fixed, nil)
	res.JSON(t, &out)
	if res.Status != 200 || out.Imported != 0 || out.Updated != n {
		t.Fatalf("re-import: %d %s", res.Status, res.Body)
	}
	if got := r.count(`SELECT count(*) FROM households`); got != n {
		t.Fatalf("%d households, want %d", got, n)
	}

	t.Run("malformed uploads", func(t *testing.T) {
		send := func(ctype string, body []byte) *webtest.Response {
			req, _ := http.NewRequest("POST", r.s.URL+"/api/v1/households/import", bytes.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			return r.lop.Send(req)
		}
		part := "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n" + string(fixed)
		for _, tc := range []struct {
			name, ctype, body string
		}{
			{"not multipart", "application/json", `{"file": "x"}`},
			{"no boundary", "multipart/form-data", part},
			{"garbage", "multipart/form-data; boundary=XYZ", "this is not a multipart body"},
			{"cut short inside the file", "multipart/form-data; boundary=XYZ", part[:len(part)-200]},
			{"no closing boundary", "multipart/form-data; boundary=XYZ", part},
			{"no file part", "multipart/form-data; boundary=XYZ", "--XYZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XYZ--\r\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := send(tc.ctype, []byte(tc.body))
				if res.Status != 400 || !strings.Contains(string(res.Body), `"invalid"`) {
					t.Fatalf("%d %s", res.Status, res.Body)
				}
			})
		}
		if got := r.count(`SELECT count(*) FROM households`); got != n {
			t.Fatalf("%d households after malformed uploads", got)
		}
	})
	t.Run("GB18030 with Chinese headers", func(t *testing.T) {
		utf := regCSV(t, 3, r.lopVill, func(row int, rec map[string]string) {
			rec["registry_no"] = fmt.Sprintf("GB%03d", row)
			rec["head_id_number"] = regIDNumber(t, 500+row)
			rec["status"] = "脱贫不稳定户"
		})
		utf = bytes.Replace(utf, []byte("registry_no,village_code,head_name,head_id_number,members,status,baseline_income_yuan,baseline_year"),
			[]byte("户编号,村代码,户主姓名,户主身份证号,人口数,状态,基线人均纯收入,基线年份"), 1)
		gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf)
		if err != nil {
			t.Fatal(err)
		}
		res := regUpload(t, r.s, r.lop, "/api/v1/households/import", gb, nil)
		if res.Status != 200 || !strings.Contains(string(res.Body), `"encoding":"GB18030"`) || !strings.Contains(string(res.Body), `"imported":3`) {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		var h regHousehold
		var page regHouseholdPage
		r.lop.Do("GET", "/api/v1/households?registry_no=GB002&status=monitored_unstable", nil).JSON(t, &page)
		if len(page.Items) != 1 {
			t.Fatalf("GB002: %+v", page)
		}
		r.lop.Do("GET", "/api/v1/households/"+page.Items[0].ID+"?reveal=1", nil).JSON(t, &h)
		if h.HeadName != "阿依古丽" || h.HeadIDNumber != regIDNumber(t, 502) {
			t.Fatalf("decoded %q %q", h.HeadName, h.HeadIDNumber)
		}
	})
	t.Run("bad header", func(t *testing.T) {
		res := regUpload(t, r.s, r.lop, "/api/v1/households/import", []byte("registry_no,village_code\nX,Y\n"), nil)
		if res.Status != 422 || !strings.Contains(string(res.Body), `"header"`) {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
}

func TestPovertyLinesOverHTTP(t *testing.T) {
	r := newRegFixture(t)
	var l struct {
		ProvinceCode      string `json:"province_code"`
		Year              int    `json:"year"`
		PovertyLineFen    int64  `json:"poverty_line_fen"`
		MonitoringLineFen int64  `json:"monitoring_line_fen"`
	}
	res := r.s.Client().Do("GET", "/api/v1/poverty-lines/650000/2020", nil)
	res.JSON(t, &l)
	if res.Status != 200 || l.PovertyLineFen != 400000 || l.MonitoringLineFen != 600000 {
		t.Fatalf("2020 line: %d %s", res.Status, res.Body)
	}
	if res := r.s.Client().Do("GET", "/api/v1/poverty-lines/650000/2023", nil); res.Status != 404 {
		t.Fatalf("unset year: %d", res.Status)
	}
	res = r.s.Client().Do("GET", "/api/v1/poverty-lines/650000/2023?effective=1", nil)
	res.JSON(t, &l)
	if res.Status != 200 || l.Year != 2020 {
		t.Fatalf("effective 2023: %d %s", res.Status, res.Body)
	}
	set := map[string]int64{"poverty_line_fen": 450000, "monitoring_line_fen": 650000}
	for _, tc := range []struct {
		c      *webtest.Client
		path   string
		body   any
		status int
	}{
		{r.lop, "/api/v1/poverty-lines/650000/2023", set, 403},
		{r.s.Client(), "/api/v1/poverty-lines/650000/2023", set, 401},
		{r.admin, "/api/v1/poverty-lines/650000/2023", map[string]int64{"poverty_line_fen": 450000, "monitoring_line_fen": 1}, 422},
		{r.admin, "/api/v1/poverty-lines/650000/twenty", set, 400},
		{r.admin, "/api/v1/poverty-lines/650000/2023", set, 200},
	} {
		if res := tc.c.Do("PUT", tc.path, tc.body); res.Status != tc.status {
			t.Errorf("PUT %s: %d, want %d: %s", tc.path, res.Status, tc.status, res.Body)
		}
	}
	r.s.Client().Do("GET", "/api/v1/poverty-lines/650000/2024?effective=1", nil).JSON(t, &l)
	if l.Year != 2023 || l.PovertyLineFen != 450000 {
		t.Fatalf("effective 2024 after setting 2023: %+v", l)
	}
}
