package site_test

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestExportStopsAtItsDeadline: an export streams after its handler has
// returned, outside the request's deadline, so it has its own
// (ExportTimeout): past it the stream is cut and the snapshot and pooled
// connection it read from are given up. With a deadline already over when
// the stream starts the file ends at most after its header line; with the
// default one the three households of the ordertest village are all there.
func TestExportStopsAtItsDeadline(t *testing.T) {
	for _, tt := range []struct {
		name     string
		timeout  time.Duration // 0: the configuration's default
		wantRows int           // households in the file
	}{
		{"the default deadline delivers every household", 0, 3},
		{"a deadline already over delivers none", time.Nanosecond, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := webtest.Start(t, func(c *config.Config) {
				if tt.timeout > 0 {
					c.ExportTimeout = tt.timeout
				}
			})
			w := ordertest.Seed(t, s.DB, order.Config{MaxUnitsPerVariant: 1000})
			w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
			s.CreateUser("hotan@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653200"})
			r := &rptWorld{s: s, w: w, year: clock.Clock{}.Year()}
			r.hotan, _ = s.Login("hotan@office.test", ordertest.Password)
			r.paid(t, 1)

			res := r.hotan.Do("GET", "/api/v1/attribution/export?region=653224&format=csv", nil)
			if res.Status != 200 {
				t.Fatalf("export: %d %s", res.Status, res.Body)
			}
			body := bytes.TrimPrefix(res.Body, []byte("\uFEFF"))
			if tt.wantRows == 0 {
				// A cut stream may end anywhere: at most the header line,
				// and no household in it.
				if lines := bytes.Count(body, []byte("\n")); lines > 1 {
					t.Errorf("%d lines exported past the deadline:\n%s", lines, body)
				}
				for _, no := range []string{"T000", "T001", "T002"} {
					if bytes.Contains(body, []byte(no)) {
						t.Errorf("household %s exported past the deadline", no)
					}
				}
				return
			}
			rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("%v in %q", err, body)
			}
			if len(rows)-1 != tt.wantRows {
				t.Fatalf("%d household rows, want %d:\n%s", len(rows)-1, tt.wantRows, body)
			}
		})
	}
}
