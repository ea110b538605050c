package site_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestControlCharactersAreRefused: a NUL or another control character in a
// JSON string, a query parameter, a path or a form value is a 400 naming
// the field, never a 500 from the database.
func TestControlCharactersAreRefused(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	buyer, _ := s.Login("buyer@example.com", pw)
	api := []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"JSON NUL in a name", "POST", "/api/v1/auth/register",
			[]byte(`{"email":"nul@example.com","name":"阿\u0000依","password":"long-enough-1"}`), "name"},
		{"JSON escape in a nested field", "POST", "/api/v1/orders",
			[]byte(`{"items":[{"variant_id":"1","quantity":1}],"payment_method":"manual","shipping_address":{"name":"王\u0007芳","phone":"13800000000","province":"新疆","city":"和田","district":"洛浦","detail":"1号"}}`),
			"shipping_address.name"},
		{"JSON escape in an organisation", "POST", "/api/v1/buyer-orgs", []byte(`{"name":"单位\u001b","kind":"union"}`), "name"},
		{"query NUL", "GET", "/api/v1/products?q=%00", nil, "q"},
		{"query escape", "GET", "/api/v1/households?cursor=%1b", nil, "cursor"},
		{"query of a report", "GET", "/api/v1/attribution/summary?region=6532%00", nil, "region"},
		{"path NUL", "GET", "/api/v1/regions/65%00", nil, "path"},
		{"path NUL of a trace", "GET", "/api/v1/trace/ab%00cd", nil, "path"},
	}
	for _, tt := range api {
		t.Run(tt.name, func(t *testing.T) {
			r := buyer.Do(tt.method, tt.path, tt.body)
			var e struct {
				Error struct {
					Code   string            `json:"code"`
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			json.Unmarshal(r.Body, &e)
			if r.Status != 400 || e.Error.Code != "invalid" || e.Error.Fields[tt.field] == "" {
				t.Errorf("%s %s: %d %s, want 400 invalid naming %s", tt.method, tt.path, r.Status, r.Body, tt.field)
			}
		})
	}
	pages := []struct {
		name, path string
		form       url.Values
	}{
		{"search page", "/search?q=%E6%9E%A3%00", nil},
		{"register form", "/register", url.Values{"email": {"form@example.com"}, "name": {"买\x00买提"}, "password": {"long-enough-1"}}},
		{"login form", "/login", url.Values{"email": {"buyer@example.com\x00"}, "password": {pw}}},
	}
	for _, tt := range pages {
		t.Run(tt.name, func(t *testing.T) {
			c := s.Client()
			var r *webtest.Response
			if tt.form == nil {
				r = c.Do("GET", tt.path, nil)
			} else {
				tt.form.Set("_csrf", webtest.CSRFField(c.Do("GET", tt.path, nil).Body))
				r = c.Do("POST", tt.path, tt.form)
			}
			if r.Status != 400 {
				t.Errorf("%s: %d, want 400", tt.path, r.Status)
			}
		})
	}
	t.Run("a description keeps its lines", func(t *testing.T) {
		r := buyer.Do("POST", "/api/v1/auth/register", []byte(`{"email":"lines@example.com","name":"行\n行","password":"long-enough-1"}`))
		if r.Status != 422 || !strings.Contains(string(r.Body), `"name"`) {
			t.Errorf("a newline in a one-line name: %d %s, want a field error from the domain", r.Status, r.Body)
		}
	})
}

// TestControlCharactersInMultipartValues: a multipart form's values are
// checked too (a file's content is its importer's to check).
func TestControlCharactersInMultipartValues(t *testing.T) {
	s := webtest.Start(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("note", "a\x00b")
	fw, _ := mw.CreateFormFile("file", "x.csv")
	fw.Write([]byte("registry_no\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/households/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if r := s.Client().Send(req); r.Status != 400 || !strings.Contains(string(r.Body), `"note"`) {
		t.Errorf("a NUL in a multipart value: %d %s", r.Status, r.Body)
	}
}
