package textenc

import (
	"encoding/csv"
	"io"
	"regexp"
)

// CSVWriter writes CSV for spreadsheets: a cell that Excel, WPS or
// LibreOffice would run as a formula (it begins with =, +, -, @, a tab or a
// carriage return) is written behind an apostrophe, which the spreadsheet
// shows as text. Numbers, negative ones included, are written as they are.
// Every CSV the service writes goes through it: cells hold what offices,
// cooperatives and buyers typed (village names, registry numbers).
type CSVWriter struct{ *csv.Writer }

// NewCSVWriter returns a CSVWriter on w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{csv.NewWriter(w)} }

// Write writes one record, its cells made safe.
func (w *CSVWriter) Write(record []string) error {
	for _, cell := range record {
		if SpreadsheetFormula(cell) {
			safe := make([]string, len(record))
			for i, c := range record {
				safe[i] = SafeCell(c)
			}
			return w.Writer.Write(safe)
		}
	}
	return w.Writer.Write(record) // the common case copies nothing
}

// plainNumber is a decimal number as the exports write amounts.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// SpreadsheetFormula reports whether a spreadsheet would read cell as a
// formula.
func SpreadsheetFormula(cell string) bool {
	if cell == "" {
		return false
	}
	switch cell[0] {
	case '=', '+', '@', '\t', '\r':
		return true
	case '-':
		return !plainNumber.MatchString(cell)
	}
	return false
}

// SafeCell is cell as a spreadsheet shows it as text.
func SafeCell(cell string) string {
	if SpreadsheetFormula(cell) {
		return "'" + cell
	}
	return cell
}
