package textenc

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestCSVWriterNeutralisesFormulas: a cell a spreadsheet would run as a
// formula is written with a leading apostrophe; numbers, negative ones
// included, and ordinary text are written as they are.
func TestCSVWriterNeutralisesFormulas(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-A1-2", "'-A1-2"},
		{"@SUM(1,2)", "'@SUM(1,2)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"团结村", "团结村"},
		{"T-001", "T-001"},
		{"-12.50", "-12.50"},
		{"0.00", "0.00"},
		{"-", "'-"},
		{"", ""},
	}
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	for _, tt := range tests {
		if err := w.Write([]string{tt.in}); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ""
			if i < len(rows) {
				got = rows[i][0]
			}
			if tt.in == "" { // an empty record is read back as no row
				return
			}
			if got != tt.want {
				t.Errorf("cell %q written as %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		s            string
		line, blocks bool // Clean(s, false), Clean(s, true)
	}{
		{"阿依古丽", true, true},
		{"a\tb", false, true},
		{"一\n二\r\n", false, true},
		{"a\x00b", false, false},
		{"\x1b[31m", false, false},
		{"a\x7f", false, false},
		{"\u0085", false, false},
		{"\xff", false, false},
	}
	for _, tt := range tests {
		if Clean(tt.s, false) != tt.line || Clean(tt.s, true) != tt.blocks {
			t.Errorf("Clean(%q) = %v, %v; want %v, %v", tt.s, Clean(tt.s, false), Clean(tt.s, true), tt.line, tt.blocks)
		}
	}
}
