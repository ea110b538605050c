package textenc

import (
	"unicode"
	"unicode/utf8"
)

// ControlReason is the field message for text refused by Clean.
const ControlReason = "must not hold control characters"

// Clean reports whether s is valid UTF-8 without control characters
// (NUL, escape, DEL, C1 …); lines allows the tabs and line breaks of a
// multi-line text such as a description. PostgreSQL refuses NUL in text and
// invalid UTF-8 outright, and nothing people type holds the rest.
func Clean(s string, lines bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(lines && (r == '\t' || r == '\n' || r == '\r')) {
			return false
		}
	}
	return true
}
