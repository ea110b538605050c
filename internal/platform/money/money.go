// Package money is the one home of amounts written for people: fen (the
// integer every price, total and ledger entry is kept in) read from and
// written as yuan. Nothing here uses floating point.
package money

import (
	"errors"
	"strconv"
	"strings"
)

// ErrSyntax is returned for text that is not an amount of yuan.
var ErrSyntax = errors.New("not an amount in yuan")

// YuanRule is the field message for a typed amount ParseYuan refuses (the
// locale catalogs translate it).
const YuanRule = "must be an amount in yuan with at most two decimals"

// maxWholeDigits bounds the whole-yuan part so that fen fit in an int64.
const maxWholeDigits = 15

// ParseYuan reads an amount typed as yuan — digits, at most two decimals, an
// optional leading minus ("3520", "3520.5", "-0.50") — as fen, exactly. It
// refuses anything else: "+1", "1e3", "1,000", ".5", "5.", full-width
// digits. Callers decide which range is allowed (a price is positive).
func ParseYuan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || len(whole) > maxWholeDigits || !digits(whole) {
		return 0, ErrSyntax
	}
	if hasPoint && (frac == "" || len(frac) > 2 || !digits(frac)) {
		return 0, ErrSyntax
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrSyntax
	}
	fen := w * 100
	switch len(frac) {
	case 1:
		fen += int64(frac[0]-'0') * 10
	case 2:
		fen += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	if neg {
		fen = -fen
	}
	return fen, nil
}

// ParseCell is ParseYuan for a spreadsheet cell, which carries what Excel
// puts around a figure: a currency sign (¥ or ￥) and grouping commas
// ("¥1,280.50" → 128050).
func ParseCell(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	return ParseYuan(strings.ReplaceAll(s, ",", ""))
}

// Yuan writes fen as yuan with two decimals: 1280 → "12.80", -5 → "-0.05".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(100+fen%100, 10)[1:]
}

// GroupedYuan is Yuan with thousands separators: 123456789 → "1,234,567.89".
func GroupedYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + Group(fen/100) + "." + strconv.FormatInt(100+fen%100, 10)[1:]
}

// WholeYuan is GroupedYuan without the decimals when there are none (the
// scale of a chart): 150000 → "1,500", 150050 → "1,500.50".
func WholeYuan(fen int64) string {
	if fen%100 != 0 {
		return GroupedYuan(fen)
	}
	return Group(fen / 100)
}

// Group writes an integer with thousands separators: 1234567 → "1,234,567".
func Group(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	if len(s) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Percent is part of whole as a percentage with one decimal, rounded half
// up in integers: (1, 3) → "33.3%"; "—" when whole is 0.
func Percent(part, whole int64) string {
	if whole == 0 {
		return "—"
	}
	tenths := (part*1000 + whole/2) / whole
	return strconv.FormatInt(tenths/10, 10) + "." + strconv.FormatInt(tenths%10, 10) + "%"
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
