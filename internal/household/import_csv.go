package household

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/sheet"
)

// Import columns, by their English header.
const (
	colRegistryNo = iota
	colVillageCode
	colHeadName
	colHeadID
	colMembers
	colStatus
	colIncome
	colBaselineYear
	numColumns
)

// Columns are the English headers of an import file, in the documented order
// (any order is accepted). Row problems are reported under these names.
var Columns = [numColumns]string{
	"registry_no", "village_code", "head_name", "head_id_number",
	"members", "status", "baseline_income_yuan", "baseline_year",
}

// ChineseColumns are the accepted Chinese headers, in the order of Columns.
var ChineseColumns = [numColumns]string{
	"户编号", "村代码", "户主姓名", "户主身份证号", "人口数", "状态", "基线人均纯收入", "基线年份",
}

// csvRows reads validated household records from an import file.
type csvRows struct {
	dec  *decoder
	cr   *csv.Reader
	idx  [numColumns]int
	row  int // data rows read so far, blank ones included
	now  time.Time
	errs map[string]string // problems of the current row
}

// newCSVRows decodes r (UTF-8 with or without BOM, or GB18030) and reads
// its header. A header problem is a validation error under "header".
func newCSVRows(r io.Reader, now time.Time) (*csvRows, error) {
	c := &csvRows{dec: newDecoder(r), now: now}
	c.cr = csv.NewReader(c.dec)
	c.cr.FieldsPerRecord = -1
	c.cr.ReuseRecord = true
	header, err := c.cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errs.Validation("invalid import file", map[string]string{"header": "the file is empty"})
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, errs.Validation("invalid import file", map[string]string{"header": pe.Err.Error()})
	}
	if err != nil {
		return nil, err
	}
	if msg := c.mapHeader(header); msg != "" {
		return nil, errs.Validation("invalid import file", map[string]string{"header": msg})
	}
	return c, nil
}

// mapHeader maps the header to the columns, every one of them required.
func (c *csvRows) mapHeader(header []string) string {
	required := make([]int, numColumns)
	for i := range required {
		required[i] = i
	}
	idx, err := sheet.Header(header, Columns[:], ChineseColumns[:], required...)
	if err != nil {
		return err.Error()
	}
	copy(c.idx[:], idx)
	return ""
}

// next reads the next data row. It returns the row's number and either its
// record (bad == nil) or its problems keyed "row N: column"; io.EOF after the
// last row; any other error means the file could not be read.
func (c *csvRows) next() (rec record, rowNo int, bad map[string]string, err error) {
	for {
		fields, err := c.cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return record{}, 0, nil, err
			}
			c.row++
			return record{}, c.row, map[string]string{rowKey(c.row, "csv"): pe.Err.Error()}, nil
		}
		c.row++
		if blank(fields) {
			continue
		}
		rec, bad := c.parse(fields)
		return rec, c.row, bad, nil
	}
}

func (c *csvRows) parse(fields []string) (record, map[string]string) {
	c.errs = nil
	get := func(col int) string {
		if p := c.idx[col]; p < len(fields) {
			return strings.TrimSpace(fields[p])
		}
		return ""
	}
	rec := record{
		RegistryNo:  get(colRegistryNo),
		VillageCode: get(colVillageCode),
		HeadName:    get(colHeadName),
		HeadID:      idcheck.NormalizeIDNumber(get(colHeadID)),
	}
	var ok bool
	if rec.Status, ok = ParseStatus(get(colStatus)); !ok {
		c.add(colStatus, "must be a status code or 未脱贫, 已脱贫, 脱贫不稳定户, 边缘易致贫户, 突发严重困难户")
		rec.Status = StatusPoor // reported; keeps validate from repeating it
	}
	rec.Members = c.integer(colMembers, get(colMembers), 1)
	rec.BaselineYear = c.integer(colBaselineYear, get(colBaselineYear), c.now.Year())
	if fen, err := ParseYuan(get(colIncome)); err != nil {
		c.add(colIncome, ErrYuan.Error())
	} else {
		rec.IncomeFen = fen
	}
	rec.validate(c.now, func(field, reason string) {
		if col := columnOf(field); col >= 0 {
			c.add(col, reason)
		}
	})
	return rec, c.errs
}

// integer parses a whole number, reporting a problem and returning fallback
// (a value validate accepts) when it is none.
func (c *csvRows) integer(col int, s string, fallback int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		if s == "" {
			c.add(col, "required")
		} else {
			c.add(col, "must be a whole number")
		}
		return fallback
	}
	return n
}

func (c *csvRows) add(col int, reason string) {
	if c.errs == nil {
		c.errs = map[string]string{}
	}
	key := rowKey(c.row, Columns[col])
	if _, seen := c.errs[key]; !seen {
		c.errs[key] = reason
	}
}

// columnOf maps a field name of validate to its import column (-1 for none).
func columnOf(field string) int {
	switch field {
	case "baseline_income_fen":
		return colIncome
	case "lifted_year":
		return -1
	}
	for col, name := range Columns {
		if name == field {
			return col
		}
	}
	return -1
}

// rowKey names a problem of data row n (counted from 1) in column col.
func rowKey(n int, col string) string { return fmt.Sprintf("row %d: %s", n, col) }

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
