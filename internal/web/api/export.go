package api

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/platform/textenc"
	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/web"
)

// Exports stream one row per household of a region straight from the
// database cursor to the client: memory stays bounded whatever the region's
// size (a prefecture of a million households).

// exportColumns are the export's columns in their stable order, by machine
// name (the OpenAPI document lists them): whatever the language, a column
// keeps its place and meaning. The header is the catalog's
// "rpt.export.col.<name>" in the visitor's language; money columns are in
// yuan. The year's income is given in total and by type (operating from
// sales, wages, assets from dividends); the projection and the lines use
// the total.
var exportColumns = []string{"registry_no", "village_code", "village_name", "head_name_masked", "status", "members",
	"baseline_income_yuan", "attributed_yuan", "operating_yuan", "wage_yuan", "asset_yuan",
	"paid_yuan", "owed_yuan", "per_capita_gain_yuan",
	"projected_per_capita_yuan", "poverty_line_yuan", "monitoring_line_yuan", "above_poverty_line", "above_monitoring_line"}

// exportText is what an export writes in words, in the visitor's language
// (the language cookie, else Accept-Language, else Chinese): the headers,
// the statuses, yes and no, the sheet's name. It is made before the
// response streams, as the writer may not touch the request.
type exportText struct {
	header  []string
	status  map[string]string
	yes, no string
	sheet   string
}

func newExportText(p web.Page) exportText {
	t := exportText{header: make([]string, len(exportColumns)), status: map[string]string{},
		yes: p.T("rpt.export.yes"), no: p.T("rpt.export.no"), sheet: p.T("rpt.export.sheet")}
	for i, c := range exportColumns {
		t.header[i] = p.T("rpt.export.col." + c)
	}
	for _, st := range []string{"poor", "lifted", "monitored_unstable", "monitored_edge", "monitored_hardship"} {
		t.status[st] = p.T("household.status." + st)
	}
	return t
}

func (t exportText) yesNo(b bool) string {
	if b {
		return t.yes
	}
	return t.no
}

// record is a household's row: strings for the fixed columns and fen for
// the money ones (in exportColumns order).
func (t exportText) record(h report.HouseholdRow) (text []string, fen []int64) {
	status := t.status[h.Status]
	if status == "" {
		status = h.Status
	}
	return []string{h.RegistryNo, h.VillageCode, h.VillageName, h.HeadName, status, strconv.Itoa(h.Members)},
		[]int64{h.BaselineFen, h.AttributedFen, h.ByType.Operating, h.ByType.Wage, h.ByType.Asset, h.PaidFen, h.OwedFen,
			h.PerCapitaGainFen, h.ProjectedFen, h.PovertyLineFen, h.MonitoringLineFen}
}

// xlsxRowsPerSheet keeps each sheet under Excel's 1,048,576 rows; a bigger
// region continues on the next sheet.
var xlsxRowsPerSheet = 1_000_000

// exportWriteWindow is how long the client may take to accept each part of
// an export: the deadline moves on as rows are written, so a large export is
// not cut off by the server's whole-response write timeout.
const exportWriteWindow = 60 * time.Second

func (s handlers) export(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	format := c.Query("format", "csv")
	if format != "csv" && format != "xlsx" {
		return &errs.Error{Kind: errs.Invalid, Message: "invalid query", Fields: map[string]string{"format": "must be csv or xlsx"}}
	}
	// Check the jurisdiction before anything is sent: a refusal stays a 403.
	r, err := s.Reports.Region(web.Ctx(c), a, c.Query("region"))
	if err != nil {
		return err
	}
	// Each export holds a connection while it streams: a few at a time, so
	// that exports never starve the pages of connections.
	select {
	case s.exports <- struct{}{}:
	default:
		return &errs.Error{Kind: errs.Unavailable, Message: "too many exports are running; try again in a minute", RetryAfter: 30}
	}
	p := s.Translator(c)
	name := fmt.Sprintf("income-%s-%d.%s", r.Code, year, format)
	local := p.T("rpt.export.filename", r.StoredNameIn(p.Lang), year) + "." + format
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name, url.PathEscape(local)))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	// The writer runs after the handler returns, on its own goroutine: it
	// must not touch c. Everything it needs is captured here.
	reports, log, conn, code, slots, timeout := s.Reports, s.Log, c.Context().Conn(), r.Code, s.exports, s.ExportTimeout
	words := newExportText(p)
	write := writeCSV
	if format == "xlsx" {
		write = writeXLSX
	}
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer func() { <-slots }()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		extend := func() {
			if conn != nil {
				_ = conn.SetWriteDeadline(time.Now().Add(exportWriteWindow))
			}
		}
		extend()
		if err := write(ctx, reports, a, code, year, words, w, extend); err != nil {
			// Headers are gone: the client sees a cut-off file.
			log.Error("export failed", "region", code, "year", year, "format", format, "err", err)
		}
	})
	return nil
}

func writeCSV(ctx context.Context, reports *report.Service, a auth.Actor, code string, year int, t exportText, w *bufio.Writer, extend func()) error {
	// A UTF-8 byte order mark so that Excel opens the Chinese text right.
	if _, err := w.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := textenc.NewCSVWriter(w) // cells that would run as formulas go behind an apostrophe
	if err := cw.Write(t.header); err != nil {
		return err
	}
	n := 0
	rec := make([]string, len(exportColumns))
	err := reports.EachHousehold(ctx, a, code, year, func(h report.HouseholdRow) error {
		text, fen := t.record(h)
		copy(rec, text)
		for i, f := range fen {
			rec[len(text)+i] = money.Yuan(f)
		}
		rec[len(rec)-2], rec[len(rec)-1] = t.yesNo(h.AbovePovertyLine), t.yesNo(h.AboveMonitoringLine)
		if err := cw.Write(rec[:len(exportColumns)]); err != nil {
			return err
		}
		if n++; n%2000 == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			extend()
			return w.Flush()
		}
		return nil
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err == nil {
		err = w.Flush()
	}
	return err
}

func writeXLSX(ctx context.Context, reports *report.Service, a auth.Actor, code string, year int, t exportText, w *bufio.Writer, extend func()) error {
	f := excelize.NewFile()
	defer f.Close()
	sheetName := func(i int) string {
		if i == 1 {
			return t.sheet
		}
		return fmt.Sprintf("%s%d", t.sheet, i)
	}
	if err := f.SetSheetName("Sheet1", sheetName(1)); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	header := make([]any, len(exportColumns))
	for i, h := range t.header {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	var sw *excelize.StreamWriter
	sheets, row := 0, 0
	newSheet := func() error {
		if sw != nil {
			if err := sw.Flush(); err != nil {
				return err
			}
		}
		sheets++
		if sheets > 1 {
			if _, err := f.NewSheet(sheetName(sheets)); err != nil {
				return err
			}
		}
		var err error
		if sw, err = f.NewStreamWriter(sheetName(sheets)); err != nil {
			return err
		}
		_ = sw.SetColWidth(1, 1, 22)
		_ = sw.SetColWidth(2, 2, 15)
		_ = sw.SetColWidth(3, 5, 12)
		_ = sw.SetColWidth(7, len(exportColumns), 14)
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		row = 1
		return sw.SetRow("A1", header)
	}
	if err := newSheet(); err != nil {
		return err
	}
	cells := make([]any, len(exportColumns))
	err = reports.EachHousehold(ctx, a, code, year, func(h report.HouseholdRow) error {
		if row > xlsxRowsPerSheet {
			if err := newSheet(); err != nil {
				return err
			}
		}
		text, fen := t.record(h)
		for i, v := range text {
			cells[i] = v
		}
		cells[5] = h.Members
		for i, v := range fen {
			// A spreadsheet number: fen/100 has at most two decimals and
			// fewer than 16 significant digits, so the decimal written is
			// exactly the amount in yuan.
			cells[len(text)+i] = excelize.Cell{StyleID: money, Value: float64(v) / 100}
		}
		cells[len(cells)-2], cells[len(cells)-1] = t.yesNo(h.AbovePovertyLine), t.yesNo(h.AboveMonitoringLine)
		row++
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if row%5000 == 0 {
			extend()
		}
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	extend()
	if err := f.Write(w); err != nil {
		return err
	}
	return w.Flush()
}
