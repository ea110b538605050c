package site_test

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/fupinmarket/market/internal/web"
	"github.com/fupinmarket/market/internal/web/webtest"
	"github.com/fupinmarket/market/storefront"
)

// exportMachineColumns is the export's stable column set, in order (the
// OpenAPI document lists it): only the headers' words change with the
// language.
var exportMachineColumns = []string{"registry_no", "village_code", "village_name", "head_name_masked", "status", "members",
	"baseline_income_yuan", "attributed_yuan", "operating_yuan", "wage_yuan", "asset_yuan",
	"paid_yuan", "owed_yuan", "per_capita_gain_yuan",
	"projected_per_capita_yuan", "poverty_line_yuan", "monitoring_line_yuan", "above_poverty_line", "above_monitoring_line"}

func localeCatalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := storefront.FS.ReadFile("locales/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]string
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	return cat
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// TestExportFollowsTheVisitorsLanguage: an office reading English or
// Uyghur gets the export's headers, statuses, yes and no and sheet name in
// its language (Chinese without a preference), with the same columns in
// the same order and the same figures.
func TestExportFollowsTheVisitorsLanguage(t *testing.T) {
	r := newRptWorld(t)
	r.paid(t, 4)
	addMoyuHousehold(t, r)
	get := func(t *testing.T, lang, format string) *webtest.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", r.s.URL+"/api/v1/attribution/export?region=653200&format="+format, nil)
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		res := r.hotan.Send(req)
		if res.Status != 200 {
			t.Fatalf("export: %d %s", res.Status, res.Body)
		}
		return res
	}
	for _, lang := range append([]string{""}, web.Languages...) {
		want := lang
		if want == "" {
			want = web.Languages[0] // no preference: Chinese
		}
		cat := localeCatalog(t, want)
		header := make([]string, len(exportMachineColumns))
		for i, c := range exportMachineColumns {
			if header[i] = cat["rpt.export.col."+c]; header[i] == "" {
				t.Fatalf("the %s catalog has no rpt.export.col.%s", want, c)
			}
		}
		statuses := map[string]bool{}
		for _, st := range []string{"poor", "lifted", "monitored_unstable", "monitored_edge", "monitored_hardship"} {
			statuses[cat["household.status."+st]] = true
		}
		yesNo := map[string]bool{cat["rpt.export.yes"]: true, cat["rpt.export.no"]: true}
		check := func(t *testing.T, rows [][]string) {
			t.Helper()
			if len(rows) != 5 {
				t.Fatalf("%d rows: %q", len(rows), rows)
			}
			if !slices.Equal(rows[0], header) {
				t.Errorf("header\n %q\nwant\n %q", rows[0], header)
			}
			for _, row := range rows[1:] {
				if len(row) != len(exportMachineColumns) {
					t.Fatalf("row %q: %d columns", row, len(row))
				}
				if !statuses[row[4]] {
					t.Errorf("status %q is not one of the %s catalog's", row[4], want)
				}
				if !yesNo[row[17]] || !yesNo[row[18]] {
					t.Errorf("above the lines %q %q, want the %s catalog's yes or no", row[17], row[18], want)
				}
				if row[0] == "T002" && (row[5] != "4" || row[7] != "50.00" || row[8] != "50.00") {
					t.Errorf("T002 figures %q", row)
				}
				if want != "zh-CN" && (hasHan(row[4]) || hasHan(row[17])) {
					t.Errorf("Chinese words in an export in %s: %q", want, row)
				}
			}
			if want != "zh-CN" && hasHan(strings.Join(rows[0], "")) {
				t.Errorf("Chinese headers in an export in %s: %q", want, rows[0])
			}
		}
		t.Run(fmt.Sprintf("lang=%s/csv", cmp.Or(lang, "none")), func(t *testing.T) {
			res := get(t, lang, "csv")
			if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="income-653200-`) {
				t.Errorf("Content-Disposition %q", cd)
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\uFEFF")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			check(t, rows)
		})
		t.Run(fmt.Sprintf("lang=%s/xlsx", cmp.Or(lang, "none")), func(t *testing.T) {
			f, err := excelize.OpenReader(bytes.NewReader(get(t, lang, "xlsx").Body))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheets := f.GetSheetList()
			if len(sheets) != 1 || sheets[0] != cat["rpt.export.sheet"] {
				t.Fatalf("sheets %q, want [%q]", sheets, cat["rpt.export.sheet"])
			}
			rows, err := f.GetRows(sheets[0])
			if err != nil {
				t.Fatal(err)
			}
			check(t, rows)
		})
	}
}
