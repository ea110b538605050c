// Package textenc reads the text files people upload from spreadsheets:
// UTF-8, with or without a byte-order mark, or GB18030, which Excel and WPS
// on Chinese Windows write for "CSV". Large files stream through the
// household import's own decoder; this is for files read whole.
package textenc

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Decode returns b as UTF-8 without a byte-order mark: valid UTF-8 is kept,
// anything else is decoded as GB18030 (an error means it is neither).
func Decode(b []byte) ([]byte, error) {
	b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
	if utf8.Valid(b) {
		return b, nil
	}
	return simplifiedchinese.GB18030.NewDecoder().Bytes(b)
}
