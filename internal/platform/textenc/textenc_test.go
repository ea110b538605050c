package textenc

import (
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestDecode(t *testing.T) {
	const text = "户编号,数量\nLP-0001,20\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"UTF-8":          text,
		"UTF-8 with BOM": "\xef\xbb\xbf" + text,
		"GB18030":        gb,
	} {
		t.Run(name, func(t *testing.T) {
			out, err := Decode([]byte(in))
			if err != nil || string(out) != text {
				t.Fatalf("Decode = %q, %v; want %q", out, err, text)
			}
		})
	}
}
