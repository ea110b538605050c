package site_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/web/webtest"
)

func TestErrorShapes(t *testing.T) {
	s := webtest.Start(t, func(c *config.Config) { c.BodyLimit = 4096 })
	c := s.Client()
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code, contentType  string
	}{
		{"malformed JSON", "POST", "/api/v1/auth/login", []byte(`{"email": `), 400, `"invalid"`, "application/json"},
		{"wrong JSON type", "POST", "/api/v1/auth/login", []byte(`{"email": 5}`), 400, `"invalid"`, "application/json"},
		{"oversized body", "POST", "/api/v1/auth/login", []byte(`{"email":"` + strings.Repeat("a", 10000) + `"}`), 413, `"too_large"`, "application/json"},
		{"unknown API route", "GET", "/api/v1/no-such-thing", nil, 404, `"not_found"`, "application/json"},
		{"unknown region", "GET", "/api/v1/regions/659999", nil, 404, `"not_found"`, "application/json"},
		{"unknown page", "GET", "/no-such-page", nil, 404, "页面不存在", "text/html"},
		{"invalid registration", "POST", "/api/v1/auth/register", map[string]string{"email": "x", "name": "", "password": "short"}, 422, `"fields"`, "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Do(tc.method, tc.path, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), tc.contentType) {
				t.Errorf("content type %q, want %s", r.Header.Get("Content-Type"), tc.contentType)
			}
			if !strings.Contains(string(r.Body), tc.code) {
				t.Errorf("body lacks %s: %.300s", tc.code, r.Body)
			}
		})
	}
}

func TestRegionsAPI(t *testing.T) {
	s := webtest.Start(t)
	var r struct {
		Code              string  `json:"code"`
		Name              string  `json:"name"`
		Level             string  `json:"level"`
		ParentCode        *string `json:"parent_code"`
		ListedSupervision bool    `json:"listed_supervision"`
		DelistedOn        *string `json:"delisted_on"`
		Children          []struct {
			Code, Name, Level string
		} `json:"children"`
	}
	res := s.Client().Do("GET", "/api/v1/regions/653224", nil)
	if res.Status != 200 {
		t.Fatal(res.Status)
	}
	res.JSON(t, &r)
	if r.Name != "洛浦县" || r.Level != "county" || *r.ParentCode != "653200" || !r.ListedSupervision ||
		r.DelistedOn == nil || *r.DelistedOn != "2020-11-14" {
		t.Fatalf("洛浦县 = %+v", r)
	}
	if len(r.Children) == 0 || r.Children[0].Level != "township" || !strings.HasPrefix(r.Children[0].Code, "653224") {
		t.Fatalf("children = %+v", r.Children)
	}
	var prov struct {
		ParentCode *string `json:"parent_code"`
		Children   []any   `json:"children"`
	}
	s.Client().Do("GET", "/api/v1/regions/650000", nil).JSON(t, &prov)
	if prov.ParentCode != nil || len(prov.Children) != 15 {
		t.Fatalf("province: parent %v, %d prefectures", prov.ParentCode, len(prov.Children))
	}
}

func TestHomePageAndLanguages(t *testing.T) {
	s := webtest.Start(t)
	c := s.Client()
	r := c.Do("GET", "/", nil)
	body := string(r.Body)
	for _, want := range []string{`lang="zh-CN"`, `dir="ltr"`, "和田地区", "喀什地区", "洛浦县", "于田县", "阿克陶县", "挂牌督战"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Request-Id"} {
		if r.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP %q", r.Header.Get("Content-Security-Policy"))
	}
	t.Run("Accept-Language en", func(t *testing.T) {
		c := s.Client()
		c.Header.Set("Accept-Language", "en-US,en;q=0.9")
		if b := string(c.Do("GET", "/", nil).Body); !strings.Contains(b, `lang="en"`) || !strings.Contains(b, "Prefecture pavilions") {
			t.Error("English not served for Accept-Language en")
		}
	})
	t.Run("switch link remembered in a cookie", func(t *testing.T) {
		c := s.Client()
		if r := c.Do("GET", "/lang/en?next=/regions/653200", nil); r.Status != 303 || r.Header.Get("Location") != "/regions/653200" {
			t.Fatalf("switch: %d %s", r.Status, r.Header.Get("Location"))
		}
		if b := string(c.Do("GET", "/", nil).Body); !strings.Contains(b, `lang="en"`) {
			t.Error("language cookie not honoured")
		}
		if r := c.Do("GET", "/lang/en?next=//evil.example", nil); r.Header.Get("Location") != "/" {
			t.Errorf("open redirect to %s", r.Header.Get("Location"))
		}
	})
	t.Run("Uyghur by the switch: cookie, right to left, its stylesheet", func(t *testing.T) {
		c := s.Client()
		r := c.Do("GET", "/lang/ug?next=/regions/653200", nil)
		if r.Status != 303 || r.Header.Get("Location") != "/regions/653200" {
			t.Fatalf("switch: %d %s", r.Status, r.Header.Get("Location"))
		}
		if sc := r.Header.Get("Set-Cookie"); !strings.Contains(sc, "market_lang=ug") {
			t.Fatalf("Set-Cookie %q", sc)
		}
		b := string(c.Do("GET", "/", nil).Body)
		for _, want := range []string{`<html lang="ug" dir="rtl">`, "/static/ug.", "ۋىلايەت-ئوبلاست راستىلىرى",
			`href="/lang/zh-CN?next=`, `href="/lang/en?next=`} {
			if !strings.Contains(b, want) {
				t.Errorf("Uyghur home page lacks %q", want)
			}
		}
		if strings.Contains(b, `href="/lang/ug?`) {
			t.Error("the switch offers the page's own language")
		}
	})
	t.Run("Accept-Language ug", func(t *testing.T) {
		c := s.Client()
		c.Header.Set("Accept-Language", "ug-CN,ug;q=0.9,zh;q=0.5")
		if b := string(c.Do("GET", "/", nil).Body); !strings.Contains(b, `<html lang="ug" dir="rtl">`) {
			t.Error("Uyghur not served for Accept-Language ug")
		}
	})
	t.Run("static files at content-hashed URLs", func(t *testing.T) {
		m := regexpFind(body, `/static/app\.[0-9a-f]{10}\.css`)
		if m == "" {
			t.Fatal("no hashed stylesheet link")
		}
		r := c.Do("GET", m, nil)
		if r.Status != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("stylesheet: %d %v", r.Status, r.Header)
		}
	})
	t.Run("pavilion page", func(t *testing.T) {
		b := string(c.Do("GET", "/regions/653200", nil).Body)
		if !strings.Contains(b, "和田地区") || !strings.Contains(b, "洛浦县") {
			t.Error("pavilion lacks its counties")
		}
	})
}

func TestRegionNamesInThreeLanguages(t *testing.T) {
	s := webtest.Start(t)
	type names struct{ Zh, Ug, En string }
	var r struct {
		Names    names `json:"names"`
		Children []struct {
			Code  string `json:"code"`
			Names names  `json:"names"`
		} `json:"children"`
	}
	s.Client().Do("GET", "/api/v1/regions/653200", nil).JSON(t, &r)
	if r.Names != (names{"和田地区", "خوتەن ۋىلايىتى", "Hotan Prefecture"}) {
		t.Errorf("653200 names = %+v", r.Names)
	}
	var lop names
	for _, k := range r.Children {
		if k.Code == "653224" {
			lop = k.Names
		}
	}
	if lop != (names{"洛浦县", "لوپ ناھىيىسى", "Lop County"}) {
		t.Errorf("653224 among the children = %+v", lop)
	}
	s.Client().Do("GET", "/api/v1/regions/653224", nil).JSON(t, &r)
	if r.Names.En != "Lop County" || r.Names.Ug != "لوپ ناھىيىسى" {
		t.Errorf("653224 names = %+v", r.Names)
	}
	for _, k := range r.Children { // townships: curated, or Chinese and a romanisation
		if k.Names.Ug == "" || k.Names.En == "" || k.Names.En == k.Names.Zh {
			t.Errorf("township %s names = %+v", k.Code, k.Names)
		}
		if k.Code == "653224201" && (k.Names.En != "Buya Township" || k.Names.Ug != "بۇيا يېزىسى") {
			t.Errorf("布亚乡 = %+v", k.Names)
		}
	}
}

func TestOperationalEndpoints(t *testing.T) {
	s := webtest.Start(t)
	c := s.Client()
	for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json"} {
		if r := c.Do("GET", p, nil); r.Status != 200 {
			t.Errorf("%s: %d", p, r.Status)
		}
	}
	c.Do("GET", "/", nil)
	metrics := s.Metrics()
	for _, want := range []string{`market_http_requests_total{method="GET",route="/",status="200"}`, "market_http_request_duration_seconds_bucket", "market_db_pool_total_conns"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if r := c.Do("GET", "/metrics", nil); r.Status != 404 {
		t.Errorf("the public listener serves /metrics: %d", r.Status)
	}
	req, _ := http.NewRequest("GET", s.URL+"/healthz", nil)
	req.Header.Set("X-Request-Id", "trace-me-12345")
	if got := c.Send(req).Header.Get("X-Request-Id"); got != "trace-me-12345" {
		t.Errorf("request id not propagated: %q", got)
	}
}
