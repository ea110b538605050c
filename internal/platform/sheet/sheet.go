// Package sheet reads the small tables people upload from spreadsheets: a
// CSV file (UTF-8 with or without a byte-order mark, or GB18030, as Excel
// and WPS write on Chinese Windows) or an XLSX workbook (its first sheet),
// whole, as rows of trimmed text. It knows nothing of what the columns mean.
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fupinmarket/market/internal/platform/textenc"
)

// Row is one data row: its number (data rows count from 1, the header
// excluded), its cells, and the reason it could not be read (a CSV syntax
// error), if any.
type Row struct {
	N       int
	Cells   []string
	Problem string
}

// Get returns the cell at index i, trimmed ("" when i < 0 or the row is
// shorter).
func (r Row) Get(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return strings.TrimSpace(r.Cells[i])
}

// Blank reports whether every cell of the row is empty.
func (r Row) Blank() bool {
	for _, c := range r.Cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return r.Problem == ""
}

// ErrEncoding is returned for a CSV file that is neither UTF-8 nor GB18030.
var ErrEncoding = errors.New("holds characters that could not be decoded (use UTF-8 or GB18030)")

// ErrEmpty is returned for a file without a header row.
var ErrEmpty = errors.New("the file is empty")

// IsXLSX reports whether raw is a zip archive, as an XLSX workbook is.
func IsXLSX(raw []byte) bool { return bytes.HasPrefix(raw, []byte("PK\x03\x04")) }

// Read returns the header and the data rows of raw, a CSV file or an XLSX
// workbook. XLSX cells are read as stored (a date is its serial number:
// Date turns it into a date).
func Read(raw []byte) (header []string, rows []Row, err error) {
	if IsXLSX(raw) {
		return readXLSX(raw)
	}
	text, err := textenc.Decode(raw)
	if err != nil {
		return nil, nil, ErrEncoding
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err = cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, ErrEmpty
	}
	if err != nil {
		return nil, nil, fmt.Errorf("header: %s", csvReason(err))
	}
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return header, rows, nil
		}
		row := Row{N: n, Cells: rec}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, err
			}
			row.Problem = csvReason(err)
		}
		rows = append(rows, row)
	}
}

func readXLSX(raw []byte) ([]string, []Row, error) {
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, nil, fmt.Errorf("not a workbook that can be read: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, ErrEmpty
	}
	all, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, nil, err
	}
	if len(all) == 0 {
		return nil, nil, ErrEmpty
	}
	rows := make([]Row, len(all)-1)
	for i, r := range all[1:] {
		rows[i] = Row{N: i + 1, Cells: r}
	}
	return all[0], rows, nil
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Columns maps a header to column indexes: names[i] lists the accepted
// headers of column i (English and Chinese, matched without case, spaces
// or a byte-order mark). A column missing from the header is -1; a header
// naming one column twice is an error.
func Columns(header []string, names [][]string) ([]int, error) {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = -1
	}
	for pos, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		for col, accepted := range names {
			for _, a := range accepted {
				if h != strings.ToLower(a) {
					continue
				}
				if idx[col] >= 0 {
					return nil, fmt.Errorf("column %s appears twice", names[col][0])
				}
				idx[col] = pos
			}
		}
	}
	return idx, nil
}

// Header maps a header to columns each named in English or in Chinese
// (column i is english[i] or chinese[i]), as Columns does, and requires the
// columns listed in required to be there.
func Header(header, english, chinese []string, required ...int) ([]int, error) {
	names := make([][]string, len(english))
	for i := range names {
		names[i] = []string{english[i], chinese[i]}
	}
	idx, err := Columns(header, names)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, col := range required {
		if idx[col] < 0 {
			missing = append(missing, english[col])
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing columns: %s", strings.Join(missing, ", "))
	}
	return idx, nil
}

var datePattern = regexp.MustCompile(`^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?$`)

// Date turns what people and spreadsheets write for a day into
// YYYY-MM-DD: 2026-10-01, 2026/10/1, 2026.10.1, 2026年10月1日, 20261001, and
// an XLSX serial day number (46296). Anything else is returned as given,
// for the caller's validation to refuse.
func Date(s string) string {
	s = strings.TrimSpace(s)
	if m := datePattern.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
	}
	if len(s) == 8 && digits(s) {
		return s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && v >= 36526 && v < 73051 && v == math.Trunc(v) {
		// 2000-01-01 … 2099-12-31 as Excel counts days (from 1899-12-30).
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(v)).Format("2006-01-02")
	}
	return s
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
