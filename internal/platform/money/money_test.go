package money

import (
	"errors"
	"testing"
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
		{"-3", -300, true},
		{"-0.5", -50, true},
		{"999999999999999.99", 99999999999999999, true},
		{"3520.505", 0, false},
		{"+1", 0, false},
		{"--1", 0, false},
		{"1e3", 0, false},
		{"1,000", 0, false},
		{".5", 0, false},
		{"5.", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"1.2.3", 0, false},
		{"１２", 0, false},
		{"1000000000000000", 0, false},
		{"NaN", 0, false},
		{"0x10", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseYuan(tt.in)
			if tt.ok && (err != nil || got != tt.want) {
				t.Fatalf("ParseYuan(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			if !tt.ok && !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseYuan(%q) = %d, %v; want ErrSyntax", tt.in, got, err)
			}
		})
	}
}

// Spreadsheet cells (the payout batch) carry currency signs and grouping.
func TestParseCell(t *testing.T) {
	for in, want := range map[string]int64{"12.80": 1280, "12.8": 1280, "0.05": 5, "1,280.50": 128050, "¥3": 300, "￥ 3.10": 310,
		"-3": -300, "-0.5": -50, "0": 0, "9999999999999.99": 999999999999999} {
		got, err := ParseCell(in)
		if err != nil || got != want {
			t.Errorf("ParseCell(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "1.234", "1e3", "12.", ".5", "1.2.3", "--1", "NaN", "0x10", "12 34"} {
		if got, err := ParseCell(in); err == nil {
			t.Errorf("ParseCell(%q) = %d, want an error", in, got)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{Yuan(1280), "12.80"}, {Yuan(5), "0.05"}, {Yuan(-5), "-0.05"}, {Yuan(0), "0.00"}, {Yuan(352050), "3520.50"},
		{GroupedYuan(123456789), "1,234,567.89"}, {GroupedYuan(-123456789), "-1,234,567.89"}, {GroupedYuan(7), "0.07"},
		{WholeYuan(150000), "1,500"}, {WholeYuan(150050), "1,500.50"},
		{Group(0), "0"}, {Group(999), "999"}, {Group(1000), "1,000"}, {Group(-1234567), "-1,234,567"}, {Group(100000), "100,000"},
		{Percent(1, 3), "33.3%"}, {Percent(2, 3), "66.7%"}, {Percent(0, 0), "—"}, {Percent(5, 5), "100.0%"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
