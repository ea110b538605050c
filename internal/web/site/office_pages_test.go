package site_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// pageClient signs in through the login form and returns the client and
// the CSRF token its forms carry.
func (r *regFixture) pageClient(email string) (*webtest.Client, string) {
	r.t.Helper()
	c := r.s.LoginPage(email, regPassword)
	tok := webtest.CSRFField(c.Do("GET", "/office", nil).Body)
	if tok == "" {
		// Accounts without /office still have the logout form's token.
		tok = webtest.CSRFField(c.Do("GET", "/", nil).Body)
	}
	if tok == "" {
		r.t.Fatalf("no CSRF token for %s", email)
	}
	return c, tok
}

func mustContain(t *testing.T, what string, body []byte, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(string(body), w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what string, body []byte, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(string(body), w) {
			t.Errorf("%s contains %q", what, w)
		}
	}
}

func TestOfficeImportPage(t *testing.T) {
	r := newRegFixture(t)
	pc, tok := r.pageClient("lop@office.example")
	res := pc.Do("GET", "/office/import", nil)
	if res.Status != 200 {
		t.Fatalf("import page: %d", res.Status)
	}
	mustContain(t, "import page", res.Body, `enctype="multipart/form-data"`, `name="_csrf"`, `<label for="file">`, "户主身份证号")

	broken := regCSV(t, 12, r.lopVill, func(row int, rec map[string]string) {
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
	res = regUpload(t, r.s, pc, "/office/import", broken, map[string]string{"_csrf": tok})
	if res.Status != 422 {
		t.Fatalf("broken file: %d %s", res.Status, res.Body)
	}
	mustContain(t, "error report", res.Body, `class="dense problems"`, "没有写入任何数据", "文件中有 3 个问题",
		"校验码不符", "须在 1 到 30 之间", "村不在您的管辖范围内", "户主身份证号", "人口数", "村代码")
	rows := regexp.MustCompile(`<tr><td class="num">([0-9]+)</td>`).FindAllStringSubmatch(string(res.Body), -1)
	var got []string
	for _, m := range rows {
		got = append(got, m[1])
	}
	if strings.Join(got, ",") != "2,5,9" {
		t.Errorf("report rows %v, want 2,5,9", got)
	}
	if n := r.count(`SELECT count(*) FROM households`); n != 0 {
		t.Fatalf("%d households written", n)
	}

	res = regUpload(t, r.s, pc, "/office/import", regCSV(t, 12, r.lopVill, nil), map[string]string{"_csrf": tok})
	if res.Status != 200 {
		t.Fatalf("fixed file: %d %s", res.Status, res.Body)
	}
	mustContain(t, "result", res.Body, "导入完成", "新增户数", `<td class="num">12</td>`, "UTF-8")
	if n := r.count(`SELECT count(*) FROM households`); n != 12 {
		t.Fatalf("%d households, want 12", n)
	}

	t.Run("no file", func(t *testing.T) {
		res := pc.Do("POST", "/office/import", url.Values{"_csrf": {tok}})
		if res.Status != 400 {
			t.Fatalf("%d", res.Status)
		}
		mustContain(t, "no file", res.Body, `<p class="field-error">必填</p>`)
	})
	t.Run("without CSRF token", func(t *testing.T) {
		if res := regUpload(t, r.s, pc, "/office/import", broken, nil); res.Status != 403 {
			t.Fatalf("%d", res.Status)
		}
	})
	t.Run("in English", func(t *testing.T) {
		pc.Do("GET", "/lang/en?next=/office/import", nil)
		res := regUpload(t, r.s, pc, "/office/import", broken, map[string]string{"_csrf": tok})
		mustContain(t, "English report", res.Body, `lang="en"`, "check character does not match", "must be between 1 and 30", "Nothing was written")
		pc.Do("GET", "/lang/zh-CN?next=/", nil)
	})
	t.Run("who may import", func(t *testing.T) {
		admin, _ := r.pageClient("admin@platform.example")
		if res := admin.Do("GET", "/office/import", nil); res.Status != 403 {
			t.Errorf("platform admin: %d", res.Status)
		}
		buyer, _ := r.pageClient("buyer@example.com")
		if res := buyer.Do("GET", "/office/import", nil); res.Status != 403 {
			t.Errorf("buyer: %d", res.Status)
		}
		if res := r.s.Client().Do("GET", "/office/import", nil); res.Status != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Errorf("visitor: %d %s", res.Status, res.Header.Get("Location"))
		}
	})
}

func TestOfficeHouseholdPages(t *testing.T) {
	r := newRegFixture(t)
	if res := regUpload(t, r.s, r.lop, "/api/v1/households/import", regCSV(t, 60, r.lopVill, nil), nil); res.Status != 200 {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	whole := regIDNumber(t, 1)
	masked := whole[:4] + "**********" + whole[14:]
	pc, tok := r.pageClient("lop@office.example")

	res := pc.Do("GET", "/office/households", nil)
	if res.Status != 200 {
		t.Fatalf("list: %d", res.Status)
	}
	mustContain(t, "list", res.Body, masked, "阿**", "团结村", "3,001.50", `<td class="num">`, "LP00001", `rel="next"`, "洛浦镇")
	mustNotContain(t, "list", res.Body, whole, "阿依古丽")
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("list Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	next := regexp.MustCompile(`href="(/office/households\?[^"]*cursor=[^"]*)" rel="next"`).FindSubmatch(res.Body)
	if next == nil {
		t.Fatal("no next-page link")
	}
	res = pc.Do("GET", strings.ReplaceAll(string(next[1]), "&amp;", "&"), nil)
	mustContain(t, "second page", res.Body, "LP00060", "第一页")
	mustNotContain(t, "second page", res.Body, "LP00001<")

	res = pc.Do("GET", "/office/households?registry_no=LP00002&status=lifted&region="+regLopTown, nil)
	mustContain(t, "search", res.Body, "LP00002")
	mustNotContain(t, "search", res.Body, "LP00003")
	res = pc.Do("GET", "/office/households?status=poor", nil)
	mustContain(t, "empty search", res.Body, "没有符合条件的建档立卡户")
	res = pc.Do("GET", "/office/households?status=rich", nil)
	if res.Status != 422 {
		t.Errorf("bad status filter: %d", res.Status)
	}
	mustContain(t, "bad filter", res.Body, "状态不存在")

	res = pc.Do("POST", "/office/households/find", url.Values{"_csrf": {tok}, "head_id_number": {regIDNumber(t, 7)}})
	mustContain(t, "find by ID number", res.Body, "LP00007")
	mustNotContain(t, "find by ID number", res.Body, "LP00008", regIDNumber(t, 7))

	var list regHouseholdPage
	r.lop.Do("GET", "/api/v1/households?registry_no=LP00001", nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatal("no household LP00001")
	}
	id := list.Items[0].ID
	var hid int64
	fmt.Sscan(id, &hid)
	res = pc.Do("GET", "/office/households/"+id, nil)
	mustContain(t, "household page", res.Body, masked, "洛浦县", "团结村", `action="/office/households/`+id+`/reveal"`)
	mustNotContain(t, "household page", res.Body, whole)

	logged := r.count(`SELECT count(*) FROM pii_access_log`)
	res = pc.Do("POST", "/office/households/"+id+"/reveal", url.Values{"_csrf": {tok}})
	if res.Status != 200 {
		t.Fatalf("reveal: %d", res.Status)
	}
	mustContain(t, "revealed page", res.Body, whole, "阿依古丽", "已记入审计日志")
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("reveal Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	if got := r.count(`SELECT count(*) FROM pii_access_log WHERE household_id = $1`, hid); got != logged+1 {
		t.Fatalf("audit rows %d, want %d", got, logged+1)
	}
	if res := pc.Do("GET", "/office/households/"+id, nil); strings.Contains(string(res.Body), whole) {
		t.Error("whole ID number shown again without asking")
	}
	if res := pc.Do("POST", "/office/households/"+id+"/reveal", url.Values{}); res.Status != 403 {
		t.Errorf("reveal without CSRF token: %d", res.Status)
	}

	yark, ytok := r.pageClient("yark@office.example")
	if res := yark.Do("GET", "/office/households/"+id, nil); res.Status != 404 {
		t.Errorf("another county's office: %d", res.Status)
	}
	if res := yark.Do("POST", "/office/households/"+id+"/reveal", url.Values{"_csrf": {ytok}}); res.Status != 404 {
		t.Errorf("another county's office reveals: %d", res.Status)
	}
	admin, atok := r.pageClient("admin@platform.example")
	res = admin.Do("GET", "/office/households/"+id, nil)
	mustContain(t, "admin household page", res.Body, masked)
	mustNotContain(t, "admin household page", res.Body, "/reveal")
	res = admin.Do("POST", "/office/households/"+id+"/reveal", url.Values{"_csrf": {atok}})
	mustNotContain(t, "admin reveal", res.Body, whole)
	if got := r.count(`SELECT count(*) FROM pii_access_log WHERE household_id = $1`, hid); got != logged+1 {
		t.Errorf("audit rows %d after refused reveals, want %d", got, logged+1)
	}
	buyer, _ := r.pageClient("buyer@example.com")
	if res := buyer.Do("GET", "/office/households", nil); res.Status != 403 {
		t.Errorf("buyer: %d", res.Status)
	}
}

func TestOfficeCooperativeReviewPages(t *testing.T) {
	r := newRegFixture(t)
	apply := func(name, first17 string) string {
		code, err := idcheck.CompleteCreditCode(first17)
		if err != nil {
			t.Fatal(err)
		}
		var co struct{ ID string }
		res := r.buyer.Do("POST", "/api/v1/cooperatives", map[string]string{"name": name, "credit_code": code, "county_code": regLopCode})
		if res.Status != 201 {
			t.Fatalf("apply: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &co)
		return co.ID
	}
	a := apply("洛浦县红枣合作社", "93653224MA7ABCD01")
	b := apply("洛浦县核桃合作社", "93653224MA7ABCD02")

	lop, ltok := r.pageClient("lop@office.example")
	res := lop.Do("GET", "/office/cooperatives", nil)
	mustContain(t, "office queue", res.Body, "洛浦县红枣合作社", "洛浦县核桃合作社", "已提交申请", `action="/office/cooperatives/`+a+`/recommend"`)
	yark, _ := r.pageClient("yark@office.example")
	mustNotContain(t, "another county's queue", yark.Do("GET", "/office/cooperatives", nil).Body, "洛浦县红枣合作社")

	res = lop.Do("POST", "/office/cooperatives/"+a+"/recommend", url.Values{"_csrf": {ltok}, "status": {"applied"}})
	if res.Status != 303 || res.Header.Get("Location") != "/office/cooperatives?status=applied&done=recommend" {
		t.Fatalf("recommend: %d %s", res.Status, res.Header.Get("Location"))
	}
	res = lop.Do("GET", res.Header.Get("Location"), nil)
	mustContain(t, "after recommending", res.Body, "已推荐，等待平台审批")
	mustNotContain(t, "after recommending", res.Body, "洛浦县红枣合作社")
	res = lop.Do("POST", "/office/cooperatives/"+a+"/recommend", url.Values{"_csrf": {ltok}, "status": {"applied"}})
	if res.Status != 409 {
		t.Fatalf("recommend twice: %d", res.Status)
	}
	mustContain(t, "recommend twice", res.Body, "只有「已提交申请」状态的合作社可以推荐")

	admin, atok := r.pageClient("admin@platform.example")
	res = admin.Do("GET", "/admin", nil)
	mustContain(t, "admin home", res.Body, `href="/admin/cooperatives"`)
	res = admin.Do("GET", "/admin/cooperatives", nil)
	mustContain(t, "platform queue", res.Body, "洛浦县红枣合作社", `action="/admin/cooperatives/`+a+`/approve"`, `action="/admin/cooperatives/`+a+`/reject"`, `<label for="reason-`+a+`">`)
	mustNotContain(t, "platform queue", res.Body, "洛浦县核桃合作社")

	res = admin.Do("POST", "/admin/cooperatives/"+a+"/reject", url.Values{"_csrf": {atok}, "status": {"recommended"}, "reason": {"  "}})
	if res.Status != 422 {
		t.Fatalf("reject without reason: %d", res.Status)
	}
	mustContain(t, "reject without reason", res.Body, `<p class="field-error">必填</p>`, "洛浦县红枣合作社")
	res = admin.Do("POST", "/admin/cooperatives/"+b+"/approve", url.Values{"_csrf": {atok}, "status": {"recommended"}})
	if res.Status != 409 {
		t.Fatalf("approve unrecommended: %d", res.Status)
	}
	mustContain(t, "approve unrecommended", res.Body, fmt.Sprintf("合作社 %s 当前状态为「已提交申请」，只有「县级已推荐」状态的合作社可以批准", b))
	res = admin.Do("POST", "/admin/cooperatives/"+a+"/reject", url.Values{"_csrf": {atok}, "status": {"recommended"}, "reason": {"营业执照已过期"}})
	if res.Status != 303 || res.Header.Get("Location") != "/admin/cooperatives?status=recommended&done=reject" {
		t.Fatalf("reject: %d %s", res.Status, res.Header.Get("Location"))
	}
	res = admin.Do("GET", "/admin/cooperatives?status=rejected", nil)
	mustContain(t, "rejected list", res.Body, "洛浦县红枣合作社", "营业执照已过期")

	if res := lop.Do("GET", "/admin/cooperatives", nil); res.Status != 403 {
		t.Errorf("office on the admin queue: %d", res.Status)
	}
	if res := lop.Do("POST", "/office/cooperatives/"+b+"/approve", url.Values{"_csrf": {ltok}}); res.Status != 403 {
		t.Errorf("office approves: %d", res.Status)
	}
}

func TestOfficeVillagePage(t *testing.T) {
	r := newRegFixture(t)
	hotan, tok := r.pageClient("hotan@office.example")
	res := hotan.Do("GET", "/office/villages/new", nil)
	mustContain(t, "village form", res.Body, `<optgroup label="洛浦县">`, `<option value="`+regLopTown+`"`, `<optgroup label="于田县">`)
	mustNotContain(t, "village form", res.Body, regYarkTown)

	res = hotan.Do("POST", "/office/villages", url.Values{"_csrf": {tok}, "township_code": {regLopTown}, "name": {"友谊村"}})
	if res.Status != 303 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	res = hotan.Do("GET", res.Header.Get("Location"), nil)
	mustContain(t, "created", res.Body, "已创建 友谊村，村代码 "+regLopTown+"002", `<option value="`+regLopTown+`" selected>`)
	res = hotan.Do("POST", "/office/villages", url.Values{"_csrf": {tok}, "township_code": {regLopTown}, "name": {"友谊村"}})
	if res.Status != 422 {
		t.Fatalf("duplicate: %d", res.Status)
	}
	mustContain(t, "duplicate", res.Body, "该乡镇已有同名的村", `value="友谊村"`)
	res = hotan.Do("POST", "/office/villages", url.Values{"_csrf": {tok}, "township_code": {regYarkTown}, "name": {"新村"}})
	if res.Status != 403 {
		t.Fatalf("outside the jurisdiction: %d", res.Status)
	}
	mustContain(t, "outside", res.Body, "乡镇 "+regYarkTown+" 不在您的管辖范围内")
	admin, _ := r.pageClient("admin@platform.example")
	if res := admin.Do("GET", "/office/villages/new", nil); res.Status != 403 {
		t.Errorf("admin: %d", res.Status)
	}
}
