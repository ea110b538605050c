package payout

import "testing"

func TestParseYuanIsExact(t *testing.T) {
	for in, want := range map[string]int64{"12.80": 1280, "12.8": 1280, "0.05": 5, "1,280.50": 128050, "¥3": 300, "￥ 3.10": 310,
		"-3": -300, "-0.5": -50, "0": 0, "9999999999999.99": 999999999999999} {
		got, err := ParseYuan(in)
		if err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "1.234", "1e3", "12.", ".5", "1.2.3", "--1", "NaN", "0x10", "12 34"} {
		if got, err := ParseYuan(in); err == nil {
			t.Errorf("ParseYuan(%q) = %d, want an error", in, got)
		}
	}
}

func TestBatchNormalisation(t *testing.T) {
	for in, want := range map[string]string{"2026-10-01": "2026-10-01", "2026/10/1": "2026-10-01", "2026.1.5": "2026-01-05",
		"2026年10月1日": "2026-10-01", "20261001": "2026-10-01", "next week": "next week"} {
		if got := normalizeDate(in); got != want {
			t.Errorf("normalizeDate(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"": "bank_transfer", "银行转账": "bank_transfer", "现金": "cash", "Cash": "cash", "微信": "mobile", "cheque": "cheque"} {
		if got := normalizeMethod(in); got != want {
			t.Errorf("normalizeMethod(%q) = %q, want %q", in, got, want)
		}
	}
	idx, msg := mapBatchHeader([]string{"\uFEFF户编号", "金额", "兑付日期"})
	if msg != "" || idx[colRegistryNo] != 0 || idx[colPaidOn] != 2 || idx[colMethod] != -1 {
		t.Fatalf("%v %q", idx, msg)
	}
	if _, msg := mapBatchHeader([]string{"registry_no", "户编号", "amount_yuan", "paid_on"}); msg != "column registry_no appears twice" {
		t.Fatalf("%q", msg)
	}
}
