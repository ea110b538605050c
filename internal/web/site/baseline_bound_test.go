package site_test

import (
	"strings"
	"testing"
)

// TestBaselineIncomeIsBounded: a household's baseline income per person is
// at most ¥1,000,000 a year, like the lines it is measured against. An
// absurd one (a figure typed in fen twice over) used to be stored, and then
// every dashboard above its village answered 500: baseline × members
// overflowed in the list to act on.
func TestBaselineIncomeIsBounded(t *testing.T) {
	r := newRegFixture(t)
	if res := regUpload(t, r.s, r.lop, "/api/v1/households/import", regCSV(t, 2, r.lopVill, nil), nil); res.Status != 200 {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	var id string
	r.s.DB.Pool.QueryRow(t.Context(), `SELECT min(id)::text FROM households`).Scan(&id)
	const huge = int64(4611686018427387904) // fen: 2^62
	for _, tc := range []struct {
		name  string
		send  func() (int, string)
		field string
	}{
		{"create", func() (int, string) {
			res := r.lop.Do("POST", "/api/v1/households", map[string]any{"registry_no": "LP09999", "village_code": r.lopVill,
				"members": 2, "status": "monitored_edge", "baseline_income_fen": huge, "baseline_year": 2019,
				"head_name": "阿依古丽", "head_id_number": regIDNumber(t, 999)})
			return res.Status, string(res.Body)
		}, `"baseline_income_fen"`},
		{"update", func() (int, string) {
			res := r.lop.Do("PATCH", "/api/v1/households/"+id, map[string]any{"baseline_income_fen": huge, "status": "monitored_edge"})
			return res.Status, string(res.Body)
		}, `"baseline_income_fen"`},
		{"update just above the bound", func() (int, string) {
			res := r.lop.Do("PATCH", "/api/v1/households/"+id, map[string]any{"baseline_income_fen": 100_000_001})
			return res.Status, string(res.Body)
		}, `"baseline_income_fen"`},
		{"import", func() (int, string) {
			res := regUpload(t, r.s, r.lop, "/api/v1/households/import", regCSV(t, 2, r.lopVill, func(row int, rec map[string]string) {
				if row == 2 {
					rec["baseline_income_yuan"], rec["status"] = "999999999999999", "monitored_edge"
				}
			}), nil)
			return res.Status, string(res.Body)
		}, `"row 2: baseline_income_yuan"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := tc.send()
			if status != 422 || !strings.Contains(body, tc.field) {
				t.Fatalf("%d %s, want 422 naming %s", status, body, tc.field)
			}
			for _, page := range []string{"/office", "/office/regions/" + r.lopVill} {
				if res := r.lop.Do("GET", page, nil); res.Status != 200 {
					t.Errorf("%s: %d", page, res.Status)
				}
			}
		})
	}
	if res := r.lop.Do("PATCH", "/api/v1/households/"+id, map[string]any{"baseline_income_fen": 100_000_000}); res.Status != 200 {
		t.Fatalf("¥1,000,000: %d %s", res.Status, res.Body)
	}
}
