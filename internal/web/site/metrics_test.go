package site_test

import (
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestMetricsAfterOrdinaryTraffic: the metrics stay readable after requests
// of many methods and routes on kept-alive connections (labels must not
// share memory with a request's buffers, which the next request reuses).
func TestMetricsAfterOrdinaryTraffic(t *testing.T) {
	s := webtest.Start(t)
	c := s.Client()
	for i := 0; i < 20; i++ {
		for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "GETT", "PROPFIND"} {
			for _, p := range []string{"/", "/healthz", "/cart", "/api/v1/categories", "/no/such/page"} {
				req, _ := http.NewRequest(m, s.URL+p, nil)
				if resp, err := c.HTTP.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}
	}
	metrics := s.Metrics() // fails on anything but a 200
	known := map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "OPTIONS": true, "HEAD": true}
	for _, m := range regexp.MustCompile(`market_http_requests_total\{method="([^"]*)"`).FindAllStringSubmatch(metrics, -1) {
		if !known[m[1]] {
			t.Errorf("a series of method %q: labels were overwritten by later requests", m[1])
		}
	}
}
