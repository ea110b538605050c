package payout

import "testing"

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
