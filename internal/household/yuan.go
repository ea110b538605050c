package household

import (
	"errors"
	"strconv"
	"strings"
)

// ErrYuan is returned by ParseYuan for anything but a non-negative amount with
// at most two decimals.
var ErrYuan = errors.New("must be a non-negative amount of yuan with at most 2 decimals, such as 3520 or 3520.50")

// maxYuanDigits bounds the whole-yuan part so that fen fit in an int64.
const maxYuanDigits = 15

// ParseYuan converts a yuan amount written in decimal ("3520", "3520.5",
// "3520.50") to fen exactly, without floating point. It rejects signs,
// exponents, thousands separators, more than two decimals and an empty
// whole or fraction part ("", ".5", "5.").
func ParseYuan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || len(whole) > maxYuanDigits || !allDigits(whole) {
		return 0, ErrYuan
	}
	if hasPoint && (frac == "" || len(frac) > 2 || !allDigits(frac)) {
		return 0, ErrYuan
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrYuan
	}
	fen := w * 100
	switch len(frac) {
	case 1:
		fen += int64(frac[0]-'0') * 10
	case 2:
		fen += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	return fen, nil
}

// FormatYuan writes fen as yuan with two decimals: 352050 → "3520.50".
func FormatYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(100+fen%100, 10)[1:]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
