package sheet

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestDate(t *testing.T) {
	for in, want := range map[string]string{"2026-10-01": "2026-10-01", "2026/10/1": "2026-10-01", "2026.1.5": "2026-01-05",
		"2026年10月1日": "2026-10-01", "20261001": "2026-10-01", "46296": "2026-10-01", "next week": "next week", "12": "12"} {
		if got := Date(in); got != want {
			t.Errorf("Date(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadCSVAndGB18030(t *testing.T) {
	utf := "\uFEFF户编号,金额\nA1,12.80\n\"bad,1\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("户编号,金额\nA1,12.80\n")
	if err != nil {
		t.Fatal(err)
	}
	for name, raw := range map[string]string{"utf-8": utf, "gb18030": gb} {
		t.Run(name, func(t *testing.T) {
			header, rows, err := Read([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			idx, err := Columns(header, [][]string{{"registry_no", "户编号"}, {"amount_yuan", "金额"}, {"note", "备注"}})
			if err != nil || idx[0] != 0 || idx[1] != 1 || idx[2] != -1 {
				t.Fatalf("columns %v %v", idx, err)
			}
			if rows[0].N != 1 || rows[0].Get(idx[0]) != "A1" || rows[0].Get(idx[1]) != "12.80" || rows[0].Get(idx[2]) != "" {
				t.Fatalf("row %+v", rows[0])
			}
			if name == "utf-8" && (len(rows) != 2 || rows[1].Problem == "") {
				t.Fatalf("a broken quote is a row problem: %+v", rows)
			}
		})
	}
	if _, err := Columns([]string{"户编号", "registry_no"}, [][]string{{"registry_no", "户编号"}}); err == nil {
		t.Fatal("a column named twice passed")
	}
}

func TestReadXLSX(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"户编号", "发放日期", "金额"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"A1", 46296, 12.8})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	header, rows, err := Read(buf.Bytes())
	if err != nil || len(header) != 3 || len(rows) != 1 {
		t.Fatalf("%v %v %v", header, rows, err)
	}
	if Date(rows[0].Get(1)) != "2026-10-01" || rows[0].Get(2) != "12.8" {
		t.Fatalf("row %+v", rows[0])
	}
}

func TestHeaderRequiresColumns(t *testing.T) {
	english, chinese := []string{"registry_no", "amount_yuan", "note"}, []string{"户编号", "金额", "备注"}
	idx, err := Header([]string{"\uFEFF金额", "Registry_No"}, english, chinese, 0, 1)
	if err != nil || idx[0] != 1 || idx[1] != 0 || idx[2] != -1 {
		t.Fatalf("%v %v", idx, err)
	}
	if _, err := Header([]string{"备注"}, english, chinese, 0, 1); err == nil || err.Error() != "missing columns: registry_no, amount_yuan" {
		t.Fatalf("missing: %v", err)
	}
	if _, err := Header([]string{"户编号", "registry_no", "金额"}, english, chinese, 0, 1); err == nil || err.Error() != "column registry_no appears twice" {
		t.Fatalf("twice: %v", err)
	}
}
