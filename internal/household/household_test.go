package household

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseYuan(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"3520", 352000, true},
		{"3520.5", 352050, true},
		{"3520.50", 352050, true},
		{"0.01", 1, true},
		{"0", 0, true},
		{" 12.30 ", 1230, true},
		{"007.07", 707, true},
		{"999999999999999.99", 99999999999999999, true},
		{"3520.505", 0, false},
		{"-1", 0, false},
		{"-0.01", 0, false},
		{"+1", 0, false},
		{"1e3", 0, false},
		{"1,000", 0, false},
		{".5", 0, false},
		{"5.", 0, false},
		{"", 0, false},
		{"1.2.3", 0, false},
		{"１２", 0, false},
		{"1000000000000000", 0, false},
		{"NaN", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseYuan(tt.in)
			if tt.ok && (err != nil || got != tt.want) {
				t.Fatalf("ParseYuan(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			if !tt.ok && !errors.Is(err, ErrYuan) {
				t.Fatalf("ParseYuan(%q) = %d, %v; want ErrYuan", tt.in, got, err)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in   string
		want Status
	}{
		{"poor", StatusPoor},
		{"LIFTED", StatusLifted},
		{"未脱贫", StatusPoor},
		{"已脱贫", StatusLifted},
		{"脱贫不稳定户", StatusMonitoredUnstable},
		{"边缘易致贫户", StatusMonitoredEdge},
		{" 突发严重困难户 ", StatusMonitoredHardship},
		{"rich", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseStatus(tt.in)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("ParseStatus(%q) = %q, %v", tt.in, got, ok)
			}
		})
	}
	if StatusMonitoredEdge.ChineseName() != "边缘易致贫户" {
		t.Fatal("ChineseName")
	}
}

func TestValidate(t *testing.T) {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	good := func() Input {
		return Input{RegistryNo: "H1", VillageCode: "653224100001", Members: 4, Status: StatusLifted,
			LiftedYear: ptr(2019), BaselineIncomeFen: 352050, BaselineYear: 2019,
			HeadName: "阿依古丽", HeadIDNumber: "11010519491231002x"}
	}
	tests := []struct {
		name   string
		change func(*Input)
		field  string
	}{
		{"valid", func(*Input) {}, ""},
		{"Chinese status", func(in *Input) { in.Status = "已脱贫" }, ""},
		{"no registry", func(in *Input) { in.RegistryNo = " " }, "registry_no"},
		{"registry with space", func(in *Input) { in.RegistryNo = "H 1" }, "registry_no"},
		{"township code", func(in *Input) { in.VillageCode = "653224100" }, "village_code"},
		{"no members", func(in *Input) { in.Members = 0 }, "members"},
		{"31 members", func(in *Input) { in.Members = 31 }, "members"},
		{"bad status", func(in *Input) { in.Status = "rich" }, "status"},
		{"lifted year of poor", func(in *Input) { in.Status = StatusPoor }, "lifted_year"},
		{"negative income", func(in *Input) { in.BaselineIncomeFen = -1 }, "baseline_income_fen"},
		{"future year", func(in *Input) { in.BaselineYear = 2025 }, "baseline_year"},
		{"no name", func(in *Input) { in.HeadName = "" }, "head_name"},
		{"long name", func(in *Input) { in.HeadName = strings.Repeat("古", 65) }, "head_name"},
		{"64-rune name", func(in *Input) { in.HeadName = strings.Repeat("古", 64) }, ""},
		{"control character", func(in *Input) { in.HeadName = "阿\x00依" }, "head_name"},
		{"undecodable name", func(in *Input) { in.HeadName = "阿\uFFFD" }, "head_name"},
		{"bad ID", func(in *Input) { in.HeadIDNumber = "110105194912310021" }, "head_id_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.change(&in)
			rec := in.record()
			got := map[string]string{}
			rec.validate(now, func(f, r string) { got[f] = r })
			if tt.field == "" && len(got) > 0 || tt.field != "" && (len(got) != 1 || got[tt.field] == "") {
				t.Fatalf("problems %v, want only %q", got, tt.field)
			}
		})
	}
}

func TestHouseholdJSON(t *testing.T) {
	b, err := json.Marshal(Household{ID: 42, RegistryNo: "H1", HeadName: "阿*古丽", HeadIDNumber: "6532**********1234"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"id", "registry_no", "village_code", "members", "status", "baseline_income_fen", "baseline_year", "head_name", "head_id_number"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if m["id"] != "42" {
		t.Errorf("id = %v, want the string \"42\"", m["id"])
	}
}
