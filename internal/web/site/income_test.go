package site_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/web/webtest"
)

type incomeSummary struct {
	AttributedFen      int64 `json:"attributed_fen"`
	PaidOutFen         int64 `json:"paid_out_fen"`
	OwedFen            int64 `json:"owed_fen"`
	CrossedPovertyLine int   `json:"crossed_poverty_line"`
	ByType             struct {
		Operating int64 `json:"operating"`
		Wage      int64 `json:"wage"`
		Asset     int64 `json:"asset"`
	} `json:"by_type"`
}

// todayBeijing is the day wages are paid in the tests.
func todayBeijing() string { return clock.Clock{}.Today() }

// members makes the world's households members of its cooperative.
func (r *rptWorld) members(t *testing.T) {
	t.Helper()
	for _, hh := range r.w.Households {
		ordertest.Exec(t, r.s.DB, `INSERT INTO cooperative_members (cooperative_id, household_id) VALUES ($1, $2)
			RETURNING household_id`, r.w.CoopID, hh)
	}
}

// TestWholeIncomeOverHTTP: the cooperative records a wage, sets shares,
// declares and confirms a dividend through the API; household T000
// (4 members, ¥3,500 a person) is below the ¥4,000 poverty line with its
// sales (¥1,000) and wages (¥600) and crosses it with the dividend (¥400).
// The summary's by_type, the household's entries and the office's pages
// show each step; every API answer matches the OpenAPI document.
func TestWholeIncomeOverHTTP(t *testing.T) {
	r := newRptWorld(t)
	r.members(t)
	r.paid(t, 160) // 400 kg × ¥10: ¥1,000 to T000 and T001, ¥2,000 to T002
	hh := fmt.Sprint(r.w.Households[0])
	coopPath := fmt.Sprintf("/api/v1/cooperatives/%d", r.w.CoopID)
	summary := func() incomeSummary {
		t.Helper()
		var s incomeSummary
		r.hotan.Do("GET", "/api/v1/attribution/summary?region="+r.village, nil).JSON(t, &s)
		return s
	}
	s := summary()
	if s.ByType.Operating != 400000 || s.ByType.Wage != 0 || s.CrossedPovertyLine != 1 { // T002 only
		t.Fatalf("after sales: %+v", s)
	}
	today := todayBeijing()
	res := r.coop.Do("POST", coopPath+"/wages", map[string]any{"household_id": hh, "work_from": today, "kind": "packing",
		"amount_fen": 60000, "paid_on": today})
	if res.Status != 201 {
		t.Fatalf("record a wage: %d %s", res.Status, res.Body)
	}
	if s = summary(); s.ByType.Wage != 60000 || s.CrossedPovertyLine != 1 || s.PaidOutFen != 60000 {
		t.Fatalf("after wages: %+v", s)
	}
	if res := r.coop.Do("PUT", coopPath+"/members/"+hh+"/shares", map[string]any{"shares": 10, "assets_fen": 0}); res.Status != 200 {
		t.Fatalf("set shares: %d %s", res.Status, res.Body)
	}
	var d struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Split  []struct {
			HouseholdID string `json:"household_id"`
			AmountFen   int64  `json:"amount_fen"`
		} `json:"split"`
	}
	res = r.coop.Do("POST", coopPath+"/dividends", map[string]any{"year": r.year, "total_fen": 40000, "basis": "shares"})
	res.JSON(t, &d)
	if res.Status != 201 || d.Status != "draft" || len(d.Split) != 1 || d.Split[0].AmountFen != 40000 || d.Split[0].HouseholdID != hh {
		t.Fatalf("declare: %d %s", res.Status, res.Body)
	}
	if s = summary(); s.ByType.Asset != 0 || s.CrossedPovertyLine != 1 {
		t.Fatalf("a draft pays nothing: %+v", s)
	}
	res = r.coop.Do("POST", coopPath+"/dividends/"+d.ID+"/confirm", nil)
	res.JSON(t, &d)
	if res.Status != 200 || d.Status != "paid" {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	s = summary()
	if s.ByType.Operating != 400000 || s.ByType.Wage != 60000 || s.ByType.Asset != 40000 || s.AttributedFen != 500000 ||
		s.CrossedPovertyLine != 2 || s.OwedFen != 400000 {
		t.Fatalf("after the dividend: %+v", s)
	}
	var inc struct {
		TotalFen int64 `json:"total_fen"`
		Entries  []struct {
			IncomeType string  `json:"income_type"`
			Kind       string  `json:"kind"`
			OrderID    *string `json:"order_id"`
		} `json:"entries"`
		Household struct {
			AbovePovertyLine bool `json:"above_poverty_line"`
		} `json:"household"`
	}
	r.hotan.Do("GET", "/api/v1/households/"+hh+"/income", nil).JSON(t, &inc)
	types := map[string]int{}
	for _, e := range inc.Entries {
		types[e.IncomeType]++
		if (e.IncomeType == "operating") != (e.OrderID != nil) {
			t.Fatalf("entry %+v", e)
		}
	}
	if inc.TotalFen != 200000 || !inc.Household.AbovePovertyLine || types["operating"] == 0 || types["wage"] != 1 || types["asset"] != 1 {
		t.Fatalf("household income: %+v", inc)
	}
	office := r.s.LoginPage("hotan@office.test", ordertest.Password)
	page := office.Do("GET", fmt.Sprintf("/office/households/%s/income?year=%d", hh, r.year), nil)
	rptHas(t, "household page", page.Body, "经营性收入（销售）", "1,000.00", "工资性收入", "600.00", "400.00", "包装",
		fmt.Sprintf("%d 年度分红", r.year), "已达到", "4,000.00")
	village := office.Do("GET", fmt.Sprintf("/office/regions/%s?year=%d", r.village, r.year), nil)
	rptHas(t, "village page", village.Body, "财产性收入（分红）", "工资性", "5,000.00")
	t.Run("lists and refusals", func(t *testing.T) {
		var wages struct{ Items []map[string]any }
		r.hotan.Do("GET", coopPath+"/wages", nil).JSON(t, &wages)
		if len(wages.Items) != 1 {
			t.Fatalf("the office reads the wages: %+v", wages)
		}
		if res := r.hotan.Do("POST", coopPath+"/wages", map[string]any{"household_id": hh}); res.Status != 403 {
			t.Fatalf("an office records wages: %d", res.Status)
		}
		if res := r.shache.Do("GET", coopPath+"/dividends", nil); res.Status != 404 { // its books do not exist for a stranger
			t.Fatalf("another county's office reads dividends: %d", res.Status)
		}
		if res := r.coop.Do("POST", coopPath+"/dividends/"+d.ID+"/confirm", nil); res.Status != 409 {
			t.Fatalf("confirm twice: %d", res.Status)
		}
		bad := r.coop.Do("POST", coopPath+"/wages", map[string]any{"wages": []map[string]any{{"household_id": hh, "work_from": today,
			"kind": "digging", "amount_fen": 1, "paid_on": today}}})
		if bad.Status != 422 || !strings.Contains(string(bad.Body), "wages[0].kind") {
			t.Fatalf("bad wage: %d %s", bad.Status, bad.Body)
		}
		var shares struct{ Items []map[string]any }
		r.coop.Do("GET", coopPath+"/shares", nil).JSON(t, &shares)
		if len(shares.Items) != 3 {
			t.Fatalf("shares %+v", shares)
		}
		r.coop.Do("GET", coopPath+"/members/"+hh+"/shares", nil)
		r.coop.Do("GET", coopPath+"/dividends/"+d.ID, nil)
	})
	ordertest.Audit(t, r.s.DB)
}

// TestWageBatchOverHTTP: a wage file is recorded whole, or not at all with
// its rows' problems named, through the API and the portal page.
func TestWageBatchOverHTTP(t *testing.T) {
	r := newRptWorld(t)
	r.members(t)
	today := todayBeijing()
	path := fmt.Sprintf("/api/v1/cooperatives/%d/wages/import", r.w.CoopID)
	good := []byte("户编号,开始日期,工种,金额,发放日期\nT000," + today + ",分拣,120.50," + today + "\nT001," + today + ",运输,80," + today + "\n")
	if res := rptUpload(t, r.s, r.coop, path, good, nil); res.Status != 201 || !strings.Contains(string(res.Body), `"recorded":2`) {
		t.Fatalf("good batch: %d %s", res.Status, res.Body)
	}
	bad := []byte("registry_no,work_from,kind,amount_yuan,paid_on\nT000," + today + ",sorting,1.5," + today + "\nNOPE," + today + ",digging,x," + today + "\n")
	res := rptUpload(t, r.s, r.coop, path, bad, nil)
	if res.Status != 422 || !strings.Contains(string(res.Body), "row 2: registry_no") || !strings.Contains(string(res.Body), "row 2: kind") ||
		!strings.Contains(string(res.Body), "row 2: amount_yuan") {
		t.Fatalf("bad batch: %d %s", res.Status, res.Body)
	}
	var n int
	r.s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM wages`).Scan(&n)
	if n != 2 {
		t.Fatalf("%d wages after a refused batch", n)
	}
	portal := r.s.LoginPage("coop@coop.test", ordertest.Password)
	page := portal.Do("GET", "/coop/wages", nil)
	rptHas(t, "wages page", page.Body, "务工工资", "120.50", "T001", "运输", "批量上传工资", "发放日期")
	tok := webtest.CSRFField(page.Body)
	form := url.Values{"_csrf": {tok}, "household_id": {fmt.Sprint(r.w.Households[2])}, "work_from": {today}, "kind": {"processing"},
		"amount_yuan": {"66.60"}, "paid_on": {today}}
	if res := portal.Do("POST", "/coop/wages", form); res.Status != 303 {
		t.Fatalf("the wage form: %d %s", res.Status, res.Body)
	}
	form.Set("amount_yuan", "0")
	if res := portal.Do("POST", "/coop/wages", form); res.Status != 422 || !strings.Contains(string(res.Body), "field-error") {
		t.Fatalf("a bad wage form: %d", res.Status)
	}
}

// TestDividendPagesOverHTTP: the portal sets shares, declares a dividend,
// shows its split for review and confirms it.
func TestDividendPagesOverHTTP(t *testing.T) {
	r := newRptWorld(t)
	r.members(t)
	portal := r.s.LoginPage("coop@coop.test", ordertest.Password)
	shares := portal.Do("GET", "/coop/shares", nil)
	rptHas(t, "shares page", shares.Body, "成员股份", "T000", "T002")
	tok := webtest.CSRFField(shares.Body)
	for i, n := range []string{"1", "2"} {
		res := portal.Do("POST", fmt.Sprintf("/coop/shares/%d", r.w.Households[i]), url.Values{"_csrf": {tok}, "shares": {n}, "assets_yuan": {"0"}})
		if res.Status != 303 {
			t.Fatalf("set shares: %d %s", res.Status, res.Body)
		}
	}
	rptHas(t, "one member", portal.Do("GET", fmt.Sprintf("/coop/shares/%d", r.w.Households[1]), nil).Body, "变更记录")
	res := portal.Do("POST", "/coop/dividends", url.Values{"_csrf": {tok}, "year": {fmt.Sprint(r.year)}, "total_yuan": {"100.01"}, "basis": {"shares"}})
	if res.Status != 303 {
		t.Fatalf("declare: %d %s", res.Status, res.Body)
	}
	review := portal.Do("GET", res.Header.Get("Location"), nil)
	rptHas(t, "review", review.Body, "分配方案", "33.34", "66.67", "确认发放 ¥100.01", "待确认")
	if res := portal.Do("POST", res.Header.Get("Location")+"/confirm", url.Values{"_csrf": {tok}}); res.Status != 303 {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	rptHas(t, "paid", portal.Do("GET", res.Header.Get("Location"), nil).Body, "已发放")
	again := portal.Do("POST", res.Header.Get("Location")+"/confirm", url.Values{"_csrf": {tok}})
	if again.Status != 409 || !strings.Contains(string(again.Body), "role=\"alert\"") {
		t.Fatalf("confirm twice: %d", again.Status)
	}
	rptHas(t, "dividends page", portal.Do("GET", "/coop/dividends", nil).Body, "100.01", "已发放")
}
