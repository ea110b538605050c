package site_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// rptWorld is the ordertest world (a cooperative in 洛浦县 with three member
// households in one village) behind a test server, with the accounts the
// reports care about: the 和田地区 prefecture office, the office of another
// county (莎车县, in 喀什地区), the cooperative's admin, a buyer and a
// platform admin.
type rptWorld struct {
	s       *webtest.Server
	w       *ordertest.World
	village string
	year    int
	hotan   *webtest.Client
	shache  *webtest.Client
	coop    *webtest.Client
	buyer   *webtest.Client
	admin   *webtest.Client
	anon    *webtest.Client
}

func newRptWorld(t *testing.T) *rptWorld {
	t.Helper()
	s := webtest.Start(t)
	// The fixture's orders are placed by its own order service: a canteen's
	// order of hundreds of boxes is allowed there.
	w := ordertest.Seed(t, s.DB, order.Config{MaxUnitsPerVariant: 1000})
	// ¥10.00 per kg to the three households in the ratio 1:1:2.
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	s.CreateUser("hotan@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653200"})
	s.CreateUser("shache@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653125"})
	s.CreateUser("coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
	r := &rptWorld{s: s, w: w, year: clock.Clock{}.Year(), anon: s.Client()}
	r.hotan, _ = s.Login("hotan@office.test", ordertest.Password)
	r.shache, _ = s.Login("shache@office.test", ordertest.Password)
	r.coop, _ = s.Login("coop@coop.test", ordertest.Password)
	r.buyer, _ = s.Login("buyer@example.com", ordertest.Password)
	r.admin, _ = s.Login("admin@example.com", ordertest.Password)
	if err := s.DB.Pool.QueryRow(context.Background(), `SELECT village_code FROM households WHERE id = $1`, w.Households[0]).Scan(&r.village); err != nil {
		t.Fatal(err)
	}
	return r
}

// paid places qty boxes (2.5 kg, ¥39.80 each) by bank transfer and confirms
// the payment: qty × 2.5 kg × ¥10.00 is attributed, 1:1:2.
func (r *rptWorld) paid(t *testing.T, qty int) order.Order {
	t.Helper()
	o, err := r.w.Place(t, qty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = r.w.Svc.ConfirmManual(context.Background(), r.w.Admin, int64(o.ID), "REF-"+o.Number); err != nil {
		t.Fatal(err)
	}
	if o, err = r.w.Svc.Get(context.Background(), r.w.Admin, int64(o.ID)); err != nil {
		t.Fatal(err)
	}
	return o
}

func rptHas(t *testing.T, what string, body []byte, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(string(body), w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func rptHasNot(t *testing.T, what string, body []byte, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(string(body), w) {
			t.Errorf("%s contains %q", what, w)
		}
	}
}

// rptUpload posts a file as the multipart field "file".
func rptUpload(t *testing.T, s *webtest.Server, c *webtest.Client, path string, content []byte, fields map[string]string) *webtest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "batch.csv")
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Send(req)
}

type rptSummary struct {
	Region            string `json:"region"`
	AttributedFen     int64  `json:"attributed_fen"`
	PaidOutFen        int64  `json:"paid_out_fen"`
	OwedFen           int64  `json:"owed_fen"`
	HouseholdsReached int    `json:"households_reached"`
	Children          []struct {
		Code          string `json:"code"`
		AttributedFen int64  `json:"attributed_fen"`
	} `json:"children"`
}

// TestReportJurisdictionMatrix: every report, export and page answers the
// offices governing the region, refuses the office of another county, the
// cooperative and buyers (403; a cooperative's payouts are not found by an
// office that does not govern it), and sends visitors to sign in.
func TestReportJurisdictionMatrix(t *testing.T) {
	r := newRptWorld(t)
	r.paid(t, 4) // 10 kg → ¥100.00 attributed: 25.00, 25.00, 50.00
	hh := fmt.Sprint(r.w.Households[0])
	coop := fmt.Sprint(r.w.CoopID)
	y := fmt.Sprint(r.year)
	type want struct{ hotan, shache, coop, buyer, admin, anon int }
	cases := []struct {
		path string
		want want
	}{
		{"/api/v1/attribution/summary?region=653224&year=" + y, want{200, 403, 403, 403, 200, 401}},
		{"/api/v1/attribution/summary?region=" + r.village, want{200, 403, 403, 403, 200, 401}},
		{"/api/v1/attribution/summary", want{200, 200, 403, 403, 200, 401}},
		{"/api/v1/attribution/summary?region=653125", want{403, 200, 403, 403, 200, 401}},
		{"/api/v1/attribution/export?region=653224&format=csv", want{200, 403, 403, 403, 200, 401}},
		{"/api/v1/attribution/export?region=653224&format=xlsx", want{200, 403, 403, 403, 200, 401}},
		{"/api/v1/attribution/export?region=" + r.village + "&format=csv", want{200, 403, 403, 403, 200, 401}},
		{"/api/v1/attribution/export?format=xlsx", want{200, 200, 403, 403, 200, 401}},
		// A household outside the jurisdiction is not found: its existence is not revealed.
		{"/api/v1/households/" + hh + "/income", want{200, 404, 403, 403, 200, 401}},
		{"/api/v1/cooperatives/owed", want{200, 200, 403, 403, 200, 401}},
		// A cooperative's books do not exist for an office that does not govern it.
		{"/api/v1/cooperatives/" + coop + "/payouts", want{200, 404, 200, 403, 200, 401}},
		{"/office", want{200, 200, 403, 403, 200, 303}},
		{"/office/regions/653224", want{200, 403, 403, 403, 200, 303}},
		{"/office/regions/" + r.village, want{200, 403, 403, 403, 200, 303}},
		{"/office/listed", want{200, 200, 403, 403, 200, 303}},
		{"/office/households/" + hh + "/income", want{200, 404, 403, 403, 200, 303}},
		{"/coop/payouts", want{403, 403, 200, 403, 403, 303}},
		{"/coop/sales", want{403, 403, 200, 403, 403, 303}},
	}
	for _, tc := range cases {
		for _, who := range []struct {
			name string
			c    *webtest.Client
			want int
		}{{"prefecture office", r.hotan, tc.want.hotan}, {"莎车县 office", r.shache, tc.want.shache}, {"coop admin", r.coop, tc.want.coop},
			{"buyer", r.buyer, tc.want.buyer}, {"platform admin", r.admin, tc.want.admin}, {"visitor", r.anon, tc.want.anon}} {
			if res := who.c.Do("GET", tc.path, nil); res.Status != who.want {
				t.Errorf("%s GET %s: %d, want %d: %.200s", who.name, tc.path, res.Status, who.want, res.Body)
			}
		}
	}
	t.Run("the summary holds the sale and names the children", func(t *testing.T) {
		var s rptSummary
		r.hotan.Do("GET", "/api/v1/attribution/summary?region=653224", nil).JSON(t, &s)
		if s.AttributedFen != 10000 || s.HouseholdsReached != 3 || s.OwedFen != 10000 || len(s.Children) == 0 || s.Children[0].AttributedFen != 10000 {
			t.Fatalf("%+v", s)
		}
		var own rptSummary
		r.shache.Do("GET", "/api/v1/attribution/summary", nil).JSON(t, &own)
		if own.Region != "653125" || own.AttributedFen != 0 {
			t.Fatalf("莎车县's own summary %+v", own)
		}
		var pref rptSummary
		r.hotan.Do("GET", "/api/v1/attribution/summary", nil).JSON(t, &pref)
		if pref.Region != "653200" || pref.AttributedFen != 10000 {
			t.Fatalf("和田地区's own summary %+v", pref)
		}
	})
	t.Run("bad queries are 400, not 500", func(t *testing.T) {
		for _, p := range []string{"/api/v1/attribution/summary?year=1900", "/api/v1/attribution/export?format=pdf", "/api/v1/attribution/summary?year=abc"} {
			if res := r.hotan.Do("GET", p, nil); res.Status != 400 {
				t.Errorf("%s: %d", p, res.Status)
			}
		}
		if res := r.hotan.Do("GET", "/api/v1/attribution/summary?region=999999", nil); res.Status != 404 {
			t.Errorf("unknown region: %d", res.Status)
		}
	})
	t.Run("the 莎车县 office sees no 洛浦 cooperative in what is owed", func(t *testing.T) {
		var owed struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		r.shache.Do("GET", "/api/v1/cooperatives/owed", nil).JSON(t, &owed)
		if len(owed.Items) != 0 {
			t.Fatalf("%+v", owed)
		}
	})
}

// addMoyuHousehold registers a household in a village of 墨玉县, another
// county of 和田地区, with no income.
func addMoyuHousehold(t *testing.T, r *rptWorld) {
	t.Helper()
	ctx := context.Background()
	var township string
	r.s.DB.Pool.QueryRow(ctx, `SELECT min(code) FROM regions WHERE parent_code = '653222'`).Scan(&township)
	if _, err := r.s.DB.Pool.Exec(ctx, `INSERT INTO regions (code, name, level, parent_code) VALUES ($1, '墨玉测试村', 'village', $2)`, township+"001", township); err != nil {
		t.Fatal(err)
	}
	ordertest.Exec(t, r.s.DB, `INSERT INTO households (registry_no, village_code, members, status, baseline_income_fen, baseline_year,
		head_name_enc, head_id_enc, head_id_hash, head_name_mask, head_id_mask, key_version)
		VALUES ('M001', $1, 2, 'monitored_edge', 300000, 2020, '\x01', '\x02', '\x0707', '买**', '6532**********0001', 1) RETURNING id`, township+"001")
}

func TestExportsOverHTTP(t *testing.T) {
	r := newRptWorld(t)
	r.paid(t, 4)
	addMoyuHousehold(t, r)
	t.Run("CSV: a BOM, Chinese headers, one row per household of the region", func(t *testing.T) {
		res := r.hotan.Do("GET", "/api/v1/attribution/export?region=653224&format=csv", nil)
		if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="income-653224-`) {
			t.Fatalf("%d %v", res.Status, res.Header)
		}
		if !bytes.HasPrefix(res.Body, []byte("\uFEFF")) {
			t.Fatal("no UTF-8 BOM")
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0][0] != "户编号" || rows[0][7] != "当年归属收入（元）" {
			t.Fatalf("rows %q", rows)
		}
		got := map[string]string{}
		for _, row := range rows[1:] {
			got[row[0]] = row[7]
		}
		if got["T000"] != "25.00" || got["T001"] != "25.00" || got["T002"] != "50.00" {
			t.Fatalf("attributed %v", got)
		}
		prefecture := r.hotan.Do("GET", "/api/v1/attribution/export?region=653200&format=csv", nil)
		if n := strings.Count(string(prefecture.Body), "\n"); n != 5 {
			t.Fatalf("the prefecture export has %d lines:\n%s", n, prefecture.Body)
		}
	})
	t.Run("XLSX read back with excelize: header and one row per household", func(t *testing.T) {
		res := r.hotan.Do("GET", "/api/v1/attribution/export?region=653200&format=xlsx", nil)
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("%d %v", res.Status, res.Header)
		}
		f, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("收入")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 5 {
			t.Fatalf("%d rows: %q", len(rows), rows)
		}
		if strings.Join(rows[0][:3], ",") != "户编号,村代码,村" {
			t.Fatalf("header %q", rows[0])
		}
		byNo := map[string][]string{}
		for _, row := range rows[1:] {
			byNo[row[0]] = row
		}
		if row := byNo["T002"]; row == nil || row[2] != "测试村" || row[5] != "4" || row[7] != "50.00" ||
			row[8] != "50.00" || row[9] != "0.00" || row[12] != "50.00" || row[3] != "阿**" {
			t.Fatalf("T002 row %q", byNo["T002"])
		}
		if row := byNo["M001"]; row == nil || row[7] != "0.00" || row[4] != "边缘易致贫户" {
			t.Fatalf("M001 row %q", byNo["M001"])
		}
	})
}

type rptStatement struct {
	OwedFen  int64 `json:"owed_fen"`
	Balances []struct {
		HouseholdID   string `json:"household_id"`
		AttributedFen int64  `json:"attributed_fen"`
		PaidFen       int64  `json:"paid_fen"`
		OwedFen       int64  `json:"owed_fen"`
	} `json:"balances"`
	Payouts []struct {
		AmountFen int64 `json:"amount_fen"`
	} `json:"payouts"`
}

func (st rptStatement) owed(id int64) int64 {
	for _, b := range st.Balances {
		if b.HouseholdID == fmt.Sprint(id) {
			return b.OwedFen
		}
	}
	return -1
}

func TestPayoutsOverHTTP(t *testing.T) {
	r := newRptWorld(t)
	r.paid(t, 4) // owed 25.00, 25.00, 50.00
	path := fmt.Sprintf("/api/v1/cooperatives/%d/payouts", r.w.CoopID)
	h0, h1, h2 := r.w.Households[0], r.w.Households[1], r.w.Households[2]
	count := func() int {
		var n int
		r.s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM payouts`).Scan(&n)
		return n
	}
	res := r.coop.Do("POST", path, map[string]any{"household_id": fmt.Sprint(h0), "amount_fen": 1000, "paid_on": "2026-11-01", "method": "cash", "reference": "现金 第1笔"})
	if res.Status != 201 {
		t.Fatalf("record: %d %s", res.Status, res.Body)
	}
	var st rptStatement
	res.JSON(t, &st)
	if st.owed(h0) != 1500 || st.OwedFen != 9000 || len(st.Payouts) != 1 {
		t.Fatalf("statement %+v", st)
	}
	t.Run("owed = attributed − paid, for the cooperative and the office", func(t *testing.T) {
		var st rptStatement
		r.hotan.Do("GET", path, nil).JSON(t, &st)
		for _, b := range st.Balances {
			if b.OwedFen != b.AttributedFen-b.PaidFen {
				t.Errorf("%+v", b)
			}
		}
		var owed struct {
			Items []struct {
				AttributedFen int64 `json:"attributed_fen"`
				PaidFen       int64 `json:"paid_fen"`
				OwedFen       int64 `json:"owed_fen"`
			} `json:"items"`
		}
		r.hotan.Do("GET", "/api/v1/cooperatives/owed", nil).JSON(t, &owed)
		if len(owed.Items) != 1 || owed.Items[0].AttributedFen != 10000 || owed.Items[0].PaidFen != 1000 || owed.Items[0].OwedFen != 9000 {
			t.Fatalf("owed %+v", owed)
		}
		var s rptSummary
		r.hotan.Do("GET", "/api/v1/attribution/summary?region=653224", nil).JSON(t, &s)
		if s.PaidOutFen != 1000 || s.OwedFen != 9000 {
			t.Fatalf("summary %+v", s)
		}
	})
	t.Run("invalid payouts are 422 with the field, and nothing is written", func(t *testing.T) {
		before := count()
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"negative", map[string]any{"household_id": fmt.Sprint(h0), "amount_fen": -100, "paid_on": "2026-11-01", "method": "cash"}, "amount_fen"},
			{"zero", map[string]any{"household_id": fmt.Sprint(h0), "amount_fen": 0, "paid_on": "2026-11-01", "method": "cash"}, "amount_fen"},
			{"more than owed", map[string]any{"household_id": fmt.Sprint(h0), "amount_fen": 1501, "paid_on": "2026-11-01", "method": "cash"}, "amount_fen"},
			{"unknown household", map[string]any{"household_id": "999999", "amount_fen": 100, "paid_on": "2026-11-01", "method": "cash"}, "household_id"},
			{"future date", map[string]any{"household_id": fmt.Sprint(h0), "amount_fen": 100, "paid_on": "2999-01-01", "method": "cash"}, "paid_on"},
			{"bad method", map[string]any{"household_id": fmt.Sprint(h0), "amount_fen": 100, "paid_on": "2026-11-01", "method": "cheque"}, "method"},
			{"a batch with one bad payout", map[string]any{"payouts": []map[string]any{
				{"household_id": fmt.Sprint(h1), "amount_fen": 100, "paid_on": "2026-11-01", "method": "cash"},
				{"household_id": fmt.Sprint(h2), "amount_fen": 5001, "paid_on": "2026-11-01", "method": "cash"}}}, "payouts[1].amount_fen"},
		} {
			res := r.coop.Do("POST", path, tc.body)
			var e struct {
				Error struct {
					Code   string            `json:"code"`
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			res.JSON(t, &e)
			if res.Status != 422 || e.Error.Code != "invalid" || e.Error.Fields[tc.field] == "" {
				t.Errorf("%s: %d %s", tc.name, res.Status, res.Body)
			}
		}
		if res := r.hotan.Do("POST", path, map[string]any{"household_id": fmt.Sprint(h0), "amount_fen": 100, "paid_on": "2026-11-01", "method": "cash"}); res.Status != 403 {
			t.Errorf("an office records a payout: %d", res.Status)
		}
		if n := count(); n != before {
			t.Fatalf("%d payouts written by refused requests", n-before)
		}
	})
	t.Run("a bank batch with bad rows is refused whole, naming the rows", func(t *testing.T) {
		before := count()
		file := "registry_no,amount_yuan,paid_on,method,reference\n" +
			"T001,5.00,2026-11-02,bank_transfer,B1\n" +
			"T002,abc,2026-11-02,,\n" +
			"T404,1.00,2026-11-02,,\n" +
			"T001,20.01,2026-11-02,,\n" // with row 1: 25.01 > 25.00 owed
		res := rptUpload(t, r.s, r.coop, path+"/import", []byte(file), nil)
		var e struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		res.JSON(t, &e)
		if res.Status != 422 || e.Error.Fields["row 2: amount_yuan"] == "" || e.Error.Fields["row 3: registry_no"] == "" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		// Once the file parses, the amounts are checked against what is owed.
		res = rptUpload(t, r.s, r.coop, path+"/import", []byte("registry_no,amount_yuan,paid_on\nT001,5.00,2026-11-02\nT001,20.01,2026-11-02\n"), nil)
		res.JSON(t, &e)
		if res.Status != 422 || e.Error.Fields["row 2: amount_yuan"] == "" {
			t.Fatalf("over the balance: %d %s", res.Status, res.Body)
		}
		if res := rptUpload(t, r.s, r.coop, path+"/import", []byte("户编号,兑付日期\nT001,2026-11-02\n"), nil); res.Status != 422 || !strings.Contains(string(res.Body), "missing columns: amount_yuan") {
			t.Fatalf("missing column: %d %s", res.Status, res.Body)
		}
		if n := count(); n != before {
			t.Fatalf("%d payouts written by a refused batch", n-before)
		}
	})
	t.Run("a GB18030 batch with Chinese headers is recorded exactly", func(t *testing.T) {
		text := "户编号,金额,兑付日期,方式,备注\nT001,12.3,2026/11/3,现金,第一批\nT002,\"1,000.05\",2026-11-03,银行转账,\n"
		gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		// 1,000.05 yuan is more than the 50.00 owed: refused.
		if res := rptUpload(t, r.s, r.coop, path+"/import", []byte(gb), nil); res.Status != 422 || !strings.Contains(string(res.Body), "row 2: amount_yuan") {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		gb, _ = simplifiedchinese.GB18030.NewEncoder().String(strings.Replace(text, `"1,000.05"`, "0.05", 1))
		res := rptUpload(t, r.s, r.coop, path+"/import", []byte(gb), nil)
		if res.Status != 201 || !strings.Contains(string(res.Body), `"recorded":2`) {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		var st rptStatement
		r.coop.Do("GET", path, nil).JSON(t, &st)
		if st.owed(h1) != 2500-1230 || st.owed(h2) != 5000-5 || st.OwedFen != 10000-1000-1230-5 {
			t.Fatalf("%+v", st)
		}
	})
	t.Run("an XLSX batch is read as a CSV one, its dates as days", func(t *testing.T) {
		book := excelize.NewFile()
		defer book.Close()
		book.SetSheetRow("Sheet1", "A1", &[]any{"户编号", "金额", "兑付日期"})
		book.SetSheetRow("Sheet1", "A2", &[]any{"T001", 0.3, 46329}) // 2026-11-03 as a serial day
		var buf bytes.Buffer
		if err := book.Write(&buf); err != nil {
			t.Fatal(err)
		}
		res := rptUpload(t, r.s, r.coop, path+"/import", buf.Bytes(), nil)
		if res.Status != 201 || !strings.Contains(string(res.Body), `"recorded":1`) {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		var paidOn string
		r.s.DB.Pool.QueryRow(t.Context(), `SELECT paid_on::text FROM payouts ORDER BY id DESC LIMIT 1`).Scan(&paidOn)
		var st rptStatement
		r.coop.Do("GET", path, nil).JSON(t, &st)
		if paidOn != "2026-11-03" || st.owed(h1) != 2500-1230-30 {
			t.Fatalf("paid on %s, owed %d", paidOn, st.owed(h1))
		}
	})
	t.Run("the payouts page: balances, form errors in Chinese, the batch error table", func(t *testing.T) {
		page := r.coop.Do("GET", "/coop/payouts", nil)
		rptHas(t, "payouts page", page.Body, "T000", "阿*", "15.00", `href="/coop/orders"`, `action="/coop/payouts/import"`, "金额")
		tok := webtest.CSRFField(page.Body)
		res := r.coop.Do("POST", "/coop/payouts", url.Values{"_csrf": {tok}, "household_id": {fmt.Sprint(h0)}, "amount_yuan": {"-3"},
			"paid_on": {"2026-11-04"}, "method": {"cash"}})
		if res.Status != 422 {
			t.Fatalf("negative from the form: %d", res.Status)
		}
		rptHas(t, "form error", res.Body, "必须大于零")
		res = r.coop.Do("POST", "/coop/payouts", url.Values{"_csrf": {tok}, "household_id": {fmt.Sprint(h0)}, "amount_yuan": {"15.01"},
			"paid_on": {"2026-11-04"}, "method": {"cash"}})
		if res.Status != 422 {
			t.Fatalf("more than owed from the form: %d", res.Status)
		}
		rptHas(t, "form error", res.Body, "超过了合作社欠该户的金额")
		res = r.coop.Do("POST", "/coop/payouts", url.Values{"_csrf": {tok}, "household_id": {fmt.Sprint(h0)}, "amount_yuan": {"15"},
			"paid_on": {"2026-11-04"}, "method": {"mobile"}})
		if res.Status != 303 {
			t.Fatalf("record from the form: %d %s", res.Status, res.Body)
		}
		// The notice names who was paid, from the statement, not from the
		// address: a crafted link shows no text of its own.
		rptHas(t, "saved notice", r.coop.Do("GET", res.Header.Get("Location"), nil).Body, `role="status"`, "T000 · ¥15.00")
		if b := r.coop.Do("GET", "/coop/payouts?saved=1&paid=%E5%81%87%E9%80%9A%E7%9F%A5", nil).Body; strings.Contains(string(b), "假通知") {
			t.Errorf("the payouts page shows text from its address")
		}
		// Nor an amount of its own: the notice says what was stored.
		crafted := fmt.Sprintf("/coop/payouts?saved=1&household=%d&fen=9999900", h0)
		if b := r.coop.Do("GET", crafted, nil).Body; strings.Contains(string(b), "99,999.00") || strings.Contains(string(b), "99999.00") ||
			!strings.Contains(string(b), "T000 · ¥15.00") {
			t.Errorf("a crafted link's amount: the notice shows an amount from the address, or not the one stored")
		}
		res = rptUpload(t, r.s, r.coop, "/coop/payouts/import", []byte("registry_no,amount_yuan,paid_on\nT002,1.00,2026-11-02\nT404,1.00,2026-11-02\n"), map[string]string{"_csrf": tok})
		if res.Status != 422 {
			t.Fatalf("batch page: %d", res.Status)
		}
		rptHas(t, "batch errors", res.Body, "本合作社没有归属给该户的收益", `<td class="num">2</td>`)
		sales := r.coop.Do("GET", "/coop/sales", nil)
		rptHas(t, "sales page", sales.Body, "洛浦红枣", "159.20", "100.00", "T002", `href="/coop/orders"`, "<svg")
	})
}

func TestBuyerOrgOverHTTP(t *testing.T) {
	r := newRptWorld(t)
	res := r.buyer.Do("POST", "/api/v1/buyer-orgs", map[string]any{"name": "和田地区教育局工会", "kind": "union", "public_ranking": true})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var org struct {
		ID string `json:"id"`
	}
	res.JSON(t, &org)
	base := "/api/v1/buyer-orgs/" + org.ID
	y := fmt.Sprint(r.year)
	if res := r.buyer.Do("PUT", base+"/targets/"+y, map[string]any{"target_fen": 1000000}); res.Status != 200 {
		t.Fatalf("target: %d %s", res.Status, res.Body)
	}
	if res := r.buyer.Do("PUT", base+"/targets/"+y, map[string]any{"target_fen": -1}); res.Status != 422 {
		t.Fatalf("negative target: %d", res.Status)
	}
	// The creator is a member: the order counts toward the organisation.
	o := r.paid(t, 10) // ¥398.00, free shipping
	res = r.admin.Do("POST", fmt.Sprintf("/api/v1/orders/%d/refunds", o.ID), map[string]any{"reason": "破损",
		"lines": []map[string]any{{"line_id": fmt.Sprint(o.Lines[0].ID), "quantity": 1, "amount_fen": 3980}}})
	if res.Status != 201 {
		t.Fatalf("refund: %d %s", res.Status, res.Body)
	}
	var p struct {
		TargetFen    int64 `json:"target_fen"`
		PurchasedFen int64 `json:"purchased_fen"`
		RefundedFen  int64 `json:"refunded_fen"`
		NetFen       int64 `json:"net_fen"`
		ByMonth      []struct {
			PurchasedFen int64 `json:"purchased_fen"`
		} `json:"by_month"`
	}
	r.buyer.Do("GET", base+"/progress?year="+y, nil).JSON(t, &p)
	var sum int64
	for _, m := range p.ByMonth {
		sum += m.PurchasedFen
	}
	if p.TargetFen != 1000000 || p.PurchasedFen != 39800 || p.RefundedFen != 3980 || p.NetFen != 35820 || sum != 35820 {
		t.Fatalf("progress after a refund %+v (months %d)", p, sum)
	}
	t.Run("other accounts may not read or change the organisation", func(t *testing.T) {
		for _, c := range []*webtest.Client{r.coop, r.hotan} {
			if res := c.Do("GET", base+"/progress", nil); res.Status != 403 {
				t.Errorf("progress: %d", res.Status)
			}
		}
		r.s.CreateUser("other-org@example.com", ordertest.Password, auth.Grant{Role: auth.RoleBuyer})
		other, _ := r.s.Login("other-org@example.com", ordertest.Password)
		if res := other.Do("POST", "/api/v1/buyer-orgs", map[string]any{"name": "喀什某企业", "kind": "enterprise"}); res.Status != 201 {
			t.Fatalf("second org: %d", res.Status)
		}
		if res := other.Do("GET", base+"/progress", nil); res.Status != 403 {
			t.Errorf("another org's admin: %d", res.Status)
		}
		if res := other.Do("PUT", base+"/targets/"+y, map[string]any{"target_fen": 1}); res.Status != 403 {
			t.Errorf("another org's admin sets the target: %d", res.Status)
		}
	})
	t.Run("members are invited: one answer whatever the email", func(t *testing.T) {
		r.s.CreateUser("member@example.com", ordertest.Password, auth.Grant{Role: auth.RoleBuyer})
		for _, email := range []string{"member@example.com", "nobody@example.com"} {
			if res := r.buyer.Do("POST", base+"/members", map[string]any{"email": email}); res.Status != 202 {
				t.Fatalf("invite %s: %d %s", email, res.Status, res.Body)
			}
		}
		if res := r.buyer.Do("POST", base+"/members", map[string]any{"email": "not an email"}); res.Status != 422 {
			t.Fatalf("a malformed email: %d", res.Status)
		}
	})
	t.Run("a delivered member order waits for acceptance, which completes it", func(t *testing.T) {
		o := r.paid(t, 1)
		if res := r.coop.Do("POST", fmt.Sprintf("/api/v1/orders/%d/shipments", o.ID), map[string]any{"carrier": "中国邮政", "tracking_no": "YZ123"}); res.Status != 201 {
			t.Fatalf("ship: %d %s", res.Status, res.Body)
		}
		accept := fmt.Sprintf("/api/v1/orders/%d/accept", o.ID)
		if res := r.buyer.Do("POST", accept, nil); res.Status != 409 {
			t.Fatalf("accept before delivery: %d", res.Status)
		}
		if res := r.buyer.Do("POST", fmt.Sprintf("/api/v1/orders/%d/delivered", o.ID), nil); res.Status != 200 {
			t.Fatalf("delivered: %d", res.Status)
		}
		var aw struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		r.buyer.Do("GET", base+"/awaiting", nil).JSON(t, &aw)
		if len(aw.Items) != 1 || aw.Items[0].ID != fmt.Sprint(o.ID) {
			t.Fatalf("awaiting %+v", aw)
		}
		page := r.buyer.Do("GET", "/org", nil)
		// Net purchases: ¥358.20 kept of the first order, ¥47.80 (with shipping) of this one.
		rptHas(t, "org page", page.Body, "和田地区教育局工会", o.Number, "验收", "10,000.00", "406.00", "<svg")
		if res := r.coop.Do("POST", accept, nil); res.Status != 403 {
			t.Fatalf("the cooperative accepts: %d", res.Status)
		}
		res := r.buyer.Do("POST", "/org/orders/"+fmt.Sprint(o.ID)+"/accept", url.Values{"_csrf": {webtest.CSRFField(page.Body)}})
		if res.Status != 303 {
			t.Fatalf("accept from the page: %d %s", res.Status, res.Body)
		}
		if res := r.buyer.Do("POST", accept, nil); res.Status != 409 {
			t.Fatalf("accepted twice: %d", res.Status)
		}
		var st string
		r.s.DB.Pool.QueryRow(context.Background(), `SELECT status FROM orders WHERE id = $1`, int64(o.ID)).Scan(&st)
		if st != "completed" {
			t.Fatalf("status %s", st)
		}
	})
	t.Run("the target form reports errors next to the field", func(t *testing.T) {
		page := r.buyer.Do("GET", "/org", nil)
		tok := webtest.CSRFField(page.Body)
		res := r.buyer.Do("POST", "/org/target", url.Values{"_csrf": {tok}, "year": {y}, "target_yuan": {"12.345"}})
		if res.Status != 422 {
			t.Fatalf("%d", res.Status)
		}
		rptHas(t, "target form", res.Body, "请输入金额（元），最多两位小数")
		if res := r.buyer.Do("POST", "/org/target", url.Values{"_csrf": {tok}, "year": {y}, "target_yuan": {"20000"}}); res.Status != 303 {
			t.Fatalf("save: %d", res.Status)
		}
		rptHas(t, "saved target", r.buyer.Do("GET", "/org", nil).Body, "20,000.00")
	})
	t.Run("the public ranking shows the organisation's net purchases", func(t *testing.T) {
		var im struct {
			Ranking []struct {
				Name         string `json:"name"`
				PurchasedFen int64  `json:"purchased_fen"`
			} `json:"ranking"`
		}
		r.anon.Do("GET", "/api/v1/impact/public", nil).JSON(t, &im)
		if len(im.Ranking) != 1 || im.Ranking[0].Name != "和田地区教育局工会" || im.Ranking[0].PurchasedFen != 35820+4780 {
			t.Fatalf("%+v", im)
		}
	})
}

func TestOfficeDashboardPages(t *testing.T) {
	r := newRptWorld(t)
	r.paid(t, 4)
	addMoyuHousehold(t, r)
	ctx := context.Background()
	// T002 is an edge household: still far below the monitoring line.
	r.s.DB.Pool.Exec(ctx, `UPDATE households SET status = 'monitored_edge' WHERE id = $1`, r.w.Households[2])
	office := r.s.LoginPage("hotan@office.test", ordertest.Password)
	y := fmt.Sprint(r.year)
	dash := office.Do("GET", "/office", nil)
	if dash.Status != 200 {
		t.Fatalf("%d %s", dash.Status, dash.Body)
	}
	rptHas(t, "dashboard", dash.Body, "和田地区", "100.00", `href="/office/regions/653224?year=`+y+`"`, "洛浦县",
		"<svg", "月度归属收益", "带来收益最多的商品", "洛浦红枣", "单位：元", `font-family="'PingFang SC'`,
		"format=xlsx", "format=csv", "测试合作社", // what the cooperative owes
		"T002", "M001", // the list to act on
		`href="/office/households"`, `href="/office/import"`, `href="/office/cooperatives"`, `href="/office/listed?year=`+y+`"`)
	rptHasNot(t, "dashboard", dash.Body, "6532**********")
	county := office.Do("GET", "/office/regions/653224?year="+y, nil)
	rptHas(t, "county", county.Body, "洛浦县", "各乡镇", "和田地区")
	var township string
	r.s.DB.Pool.QueryRow(ctx, `SELECT parent_code FROM regions WHERE code = $1`, r.village).Scan(&township)
	rptHas(t, "county", county.Body, `href="/office/regions/`+township+`?year=`+y+`"`)
	town := office.Do("GET", "/office/regions/"+township+"?year="+y, nil)
	rptHas(t, "township", town.Body, "测试村", `href="/office/regions/`+r.village+`?year=`+y+`"`, "各村覆盖率", "100.0%")
	village := office.Do("GET", "/office/regions/"+r.village+"?year="+y, nil)
	income := fmt.Sprintf("/office/households/%d/income?year=%s", r.w.Households[0], y)
	rptHas(t, "village", village.Body, "本村建档立卡户", "T000", "T001", "T002", `href="`+income+`"`, "25.00", "50.00")
	hh := office.Do("GET", income, nil)
	rptHas(t, "household income", hh.Body, "户 T000 的收益", "洛浦红枣", "25.00", "3,506.25", "4,000.00", "6,000.00",
		"人均还差 ¥493.75", "按订单", "按商品", "按月", "<svg")
	if res := office.Do("GET", "/office?year=2025", nil); !strings.Contains(string(res.Body), "¥0.00") {
		t.Errorf("an empty year shows no zero figures")
	}
	listed := office.Do("GET", "/office/listed", nil)
	rptHas(t, "listed board", listed.Body, "洛浦县", "墨玉县", "策勒县", "测试村", "墨玉测试村")
	rptHasNot(t, "listed board", listed.Body, "莎车县")
	t.Run("in English", func(t *testing.T) {
		office.Do("GET", "/lang/en?next=/office", nil)
		rptHas(t, "English dashboard", office.Do("GET", "/office", nil).Body, "Income dashboard", "Attributed income by month", "Unit: yuan")
	})
	t.Run("a platform admin sees the whole region", func(t *testing.T) {
		admin := r.s.LoginPage("admin@example.com", ordertest.Password)
		rptHas(t, "admin dashboard", admin.Do("GET", "/office", nil).Body, "新疆", "和田地区")
	})
}

func TestPublicImpactHasNoPersonalData(t *testing.T) {
	r := newRptWorld(t)
	r.paid(t, 4)
	for _, res := range []*webtest.Response{r.anon.Do("GET", "/impact", nil), r.anon.Do("GET", "/api/v1/impact/public", nil)} {
		if res.Status != 200 {
			t.Fatalf("%d", res.Status)
		}
		rptHas(t, "impact", res.Body, "洛浦县")
		rptHasNot(t, "impact", res.Body, "T000", "T001", "T002", "阿*", "6532**", "测试村", "household_id", "registry")
	}
	page := r.anon.Do("GET", "/impact", nil)
	rptHas(t, "impact page", page.Body, "100.00", "3 户", "爱心榜", "挂牌督战")
	if !strings.Contains(string(r.anon.Do("GET", "/", nil).Body), `href="/impact"`) {
		t.Error("the footer does not link the impact page")
	}
}
