package text

import (
	"strings"

	"github.com/fupinmarket/market/internal/platform/textenc"
)

// BidiControlMessage is the field message for text holding a bidi control.
const BidiControlMessage = "must not hold right-to-left or left-to-right override or isolate controls"

// HasBidiControl reports whether s holds an explicit directional embedding,
// override or isolate (U+202A–U+202E, U+2066–U+2069). Stored in a name, a
// description or an address, one of them can make text shown elsewhere read
// in another order than it was written (a price or a phone number reversed,
// a name spoofed), so no stored text field accepts them. Everything else of
// Uyghur writing stays allowed: the Arabic-script letters, the Arabic comma
// (U+060C) and question mark (U+061F), the zero-width non-joiner (U+200C)
// and the presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFF).
func HasBidiControl(s string) bool {
	return strings.IndexFunc(s, isBidiControl) >= 0
}

func isBidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// CheckBidi returns BidiControlMessage when s holds a bidi control, else "".
// Domain validators call it for every stored text field.
func CheckBidi(s string) string {
	if HasBidiControl(s) {
		return BidiControlMessage
	}
	return ""
}

// Problem is why s may not be stored as text, "" when it may: a control
// character (lines lets newlines and tabs through) or a bidi control. Domain
// validators ask it of the free text they store.
func Problem(s string, lines bool) string {
	if !textenc.Clean(s, lines) {
		return textenc.ControlReason
	}
	return CheckBidi(s)
}
