// Package webtest starts a real marketd HTTP server on a loopback port, over a
// fresh database and an isolated Redis prefix, and gives tests clients whose
// every API response is checked against the OpenAPI document.
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/web/site"
)

// TestDataKey is the data key (MARKET_DATA_KEY) of test servers: fixed, so
// that tests may seal and open personal fields themselves.
const TestDataKey = "7465737420646174612b6b657920666f722066757069e2808a6d61726b657421"

// Server is a running test server.
type Server struct {
	URL string
	// MetricsURL is the metrics listener's (marketd's MARKET_METRICS_ADDR),
	// apart from URL as in production.
	MetricsURL string
	DB         *dbtest.DB
	Redis      redis.UniversalClient
	Config     config.Config
	tb         testing.TB
	spec       *Spec
}

// Start boots the server on 127.0.0.1:0 over a fresh database; opts adjust
// the configuration.
func Start(tb testing.TB, opts ...func(*config.Config)) *Server {
	tb.Helper()
	return StartWith(tb, dbtest.New(tb), opts...)
}

// StartWith boots the server over db (a test may wrap the pool, to count
// its statements say).
func StartWith(tb testing.TB, db *dbtest.DB, opts ...func(*config.Config)) *Server {
	tb.Helper()
	rdb, prefix := dbtest.Redis(tb)
	cfg, _, err := config.Load("test", nil, config.NoEnv, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.RedisPrefix = prefix
	cfg.DataDir = tb.TempDir()
	cfg.DataKey = TestDataKey
	for _, o := range opts {
		o(&cfg)
	}
	return StartOn(tb, cfg, db, rdb)
}

// StartOn boots a server with a given configuration, database and Redis.
// The server connects as the service's role (db.AppURL), as marketd does;
// the test keeps db.Pool, the owner's, for its fixtures.
func StartOn(tb testing.TB, cfg config.Config, db *dbtest.DB, rdb redis.UniversalClient) *Server {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MARKET_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	a, err := site.New(cfg, db.AppPool(tb), rdb, log)
	if err != nil {
		tb.Fatal(err)
	}
	handler := a.HTTP
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go handler.Listener(ln)
	tb.Cleanup(func() { handler.ShutdownWithContext(context.Background()) })
	metrics, err := site.ServeMetrics("127.0.0.1:0", a.Metrics, log)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { metrics.Shutdown(context.Background()) })
	spec, err := specOnce()
	if err != nil {
		tb.Fatal(err)
	}
	return &Server{URL: "http://" + ln.Addr().String(), MetricsURL: "http://" + metrics.Addr(), DB: db, Redis: rdb,
		Config: cfg, tb: tb, spec: spec}
}

// Metrics reads /metrics from the metrics listener.
func (s *Server) Metrics() string {
	s.tb.Helper()
	resp, err := http.Get(s.MetricsURL + "/metrics")
	if err != nil {
		s.tb.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		s.tb.Fatalf("metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// CreateUser inserts an account with grants and returns its id.
func (s *Server) CreateUser(email, password string, grants ...auth.Grant) int64 {
	s.tb.Helper()
	id, err := auth.NewUsers(s.DB.Pool).Create(context.Background(), auth.NewUser{Email: email, Name: "测试用户", Password: password}, grants...)
	if err != nil {
		s.tb.Fatalf("create user %s: %v", email, err)
	}
	return id
}

// Client talks to the server, keeping cookies.
type Client struct {
	s      *Server
	HTTP   *http.Client
	Token  string // sent as a bearer token when set
	CSRF   string // sent as X-CSRF-Token when set
	Header http.Header
}

// Client returns a new visitor with an empty cookie jar.
func (s *Server) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{s: s, Header: http.Header{}, HTTP: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Login signs in through the API. The client then uses the session cookie
// and CSRF token; set Token to use the bearer token instead.
func (s *Server) Login(email, password string) (*Client, string) {
	s.tb.Helper()
	c := s.Client()
	r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password})
	if r.Status != 200 {
		s.tb.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	var res struct {
		Token     string `json:"token"`
		CSRFToken string `json:"csrf_token"`
	}
	r.JSON(s.tb, &res)
	c.CSRF = res.CSRFToken
	return c, res.Token
}

// Response is a read response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Do sends body as JSON (or raw bytes when it is []byte) and checks API
// responses against the OpenAPI document.
func (c *Client) Do(method, path string, body any) *Response {
	c.s.tb.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		rd = bytes.NewReader(mustJSON(b))
	}
	req, err := http.NewRequest(method, c.s.URL+path, rd)
	if err != nil {
		c.s.tb.Fatal(err)
	}
	if body != nil && c.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", ctype)
	}
	return c.send(req)
}

// Send sends a prepared request (multipart uploads) through the client.
func (c *Client) Send(req *http.Request) *Response { return c.send(req) }

func (c *Client) send(req *http.Request) *Response {
	c.s.tb.Helper()
	for k, v := range c.Header {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.s.tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if strings.HasPrefix(req.URL.Path, "/api/") {
		if err := c.s.spec.Check(req.Method, req.URL.Path, r.Status, resp.Header.Get("Content-Type"), b); err != nil {
			c.s.tb.Errorf("%v\nbody: %s", err, b)
		}
	}
	return r
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// CSRFField returns the _csrf token of the first form in an HTML page.
func CSRFField(html []byte) string {
	m := csrfField.FindSubmatch(html)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// LoginPage signs in with the HTML form the way a browser does and returns
// the client with its session cookie.
func (s *Server) LoginPage(email, password string) *Client {
	s.tb.Helper()
	c := s.Client()
	page := c.Do("GET", "/login", nil)
	tok := CSRFField(page.Body)
	if page.Status != 200 || tok == "" {
		s.tb.Fatalf("login page: %d, token %q", page.Status, tok)
	}
	r := c.Do("POST", "/login", url.Values{"_csrf": {tok}, "email": {email}, "password": {password}, "next": {"/"}})
	if r.Status != 303 {
		s.tb.Fatalf("login form for %s: %d %s", email, r.Status, r.Body)
	}
	return c
}
