package web

import (
	"testing"
)

// Refusals with a variable part (a list of allowed values, the payment
// provider's action and code) are translated by their pattern, each part
// by its own catalog entry when it has one.
func TestMessagesWithAVariablePartAreTranslated(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	page := func(lang string) Page {
		p := Page{Lang: lang}
		r.localize(&p)
		return p
	}
	cases := []struct {
		name, lang, msg, want string
	}{
		{"list of values", "zh-CN", "must be one of manual, stripe", "必须是以下之一：manual, stripe"},
		{"provider unreachable", "zh-CN", "the payment provider cannot be reached to refund the payment; try again", "暂时无法连接支付服务商（退款），请重试"},
		{"provider refused with a code", "ug", "the payment provider refused to create the payment (card_declined)", "تۆلەم مۇلازىمەتچىسى رەت قىلدى (تۆلەم قۇرۇش، كود card_declined)"},
		{"provider refused", "zh-CN", "the payment provider refused to cancel the payment", "支付服务商拒绝了操作（取消付款）"},
		{"column twice", "zh-CN", "column registry_no appears twice", "列 registry_no 出现了两次"},
		{"numbers", "zh-CN", "user 7 or cooperative 12 not found", "找不到用户 7 或合作社 12"},
		{"exact", "ug", "not found", "تېپىلمىدى"},
		{"english page", "en", "the order is paid by stripe, not by bank transfer", "the order is paid online, not by bank transfer"},
		{"unknown stays as it is", "zh-CN", "something the catalog lacks", "something the catalog lacks"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := TrMsg(page(tc.lang), tc.msg); got != tc.want {
				t.Errorf("TrMsg(%s, %q) = %q, want %q", tc.lang, tc.msg, got, tc.want)
			}
		})
	}
}
