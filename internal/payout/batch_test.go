package payout

import "testing"

func TestBatchNormalisation(t *testing.T) {
	for in, want := range map[string]string{"": "bank_transfer", "银行转账": "bank_transfer", "现金": "cash", "Cash": "cash", "微信": "mobile", "cheque": "cheque"} {
		if got := normalizeMethod(in); got != want {
			t.Errorf("normalizeMethod(%q) = %q, want %q", in, got, want)
		}
	}
	idx, err := batchHeader([]string{"\uFEFF户编号", "金额", "兑付日期"})
	if err != nil || idx[colRegistryNo] != 0 || idx[colPaidOn] != 2 || idx[colMethod] != -1 {
		t.Fatalf("%v %v", idx, err)
	}
	if _, err := batchHeader([]string{"registry_no", "户编号", "amount_yuan", "paid_on"}); err == nil || err.Error() != "column registry_no appears twice" {
		t.Fatalf("%v", err)
	}
	if _, err := batchHeader([]string{"户编号", "兑付日期"}); err == nil || err.Error() != "missing columns: amount_yuan" {
		t.Fatalf("%v", err)
	}
}
