package pii

import (
	"strings"
	"unicode/utf8"
)

// MaskIDNumber shows the first four and last four characters of an ID
// number and stars the rest: 653224199001011234 → 6532**********1234. Values
// of eight characters or fewer are starred whole.
func MaskIDNumber(s string) string {
	r := []rune(s)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// MaskName shows the first rune of a name and two stars, whatever the
// name's length, so that a mask reveals at most one character:
//
//	阿依古丽 → 阿**, 买买提 → 买**, 王芳 → 王**, 阿卜杜热合曼 → 阿**.
//
// A one-rune name becomes "**" (its one rune would be the whole name).
func MaskName(s string) string {
	switch utf8.RuneCountInString(s) {
	case 0:
		return ""
	case 1:
		return "**"
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + "**"
}
