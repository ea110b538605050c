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

// MaskName keeps the first rune of a name and its last ⌊n/2⌋ runes and stars
// the rest, at least one rune:
//
//	阿依古丽 → 阿*古丽, 买买提 → 买*提, 王芳 → 王*, 阿卜杜热合曼 → 阿**热合曼.
//
// A one-rune name becomes "*".
func MaskName(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return ""
	case n == 1:
		return "*"
	case n == 2:
		r, _ := utf8.DecodeRuneInString(s)
		return string(r) + "*"
	}
	r := []rune(s)
	keep := n / 2
	return string(r[0]) + strings.Repeat("*", n-1-keep) + string(r[n-keep:])
}
