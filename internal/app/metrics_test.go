package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/web/site"
)

// TestMetricsOnTheirOwnListener: /metrics is served by the metrics listener
// and not by the public application.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	db := dbtest.New(t)
	rdb, prefix := dbtest.Redis(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := site.New(testConfig(t, prefix), db.Pool, rdb, log)
	if err != nil {
		t.Fatal(err)
	}
	m, err := site.ServeMetrics("127.0.0.1:0", a.Metrics, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := get("http://" + m.Addr() + "/metrics"); status != 200 || !strings.Contains(body, "market_db_pool_total_conns") {
		t.Fatalf("metrics listener: %d %.200s", status, body)
	}
	if status, _ := get("http://" + m.Addr() + "/"); status != 404 {
		t.Errorf("metrics listener serves / : %d", status)
	}
	req, _ := http.NewRequest("GET", "/metrics", nil)
	resp, err := a.HTTP.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 404 {
		t.Errorf("the public application answers /metrics with %d, want 404", resp.StatusCode)
	}
}
