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

// exportColumns are the export's headers, in Chinese for the offices'
// spreadsheets; money columns are in yuan. The year's income is given in
// total and by type (经营性 from sales, 工资性 wages, 财产性 dividends);
// the projection and the lines use the total.
var exportColumns = []string{"户编号", "村代码", "村", "户主（已遮蔽）", "状态", "人口数",
	"基线人均纯收入（元）", "当年归属收入（元）", "其中经营性收入（元）", "其中工资性收入（元）", "其中财产性收入（元）",
	"当年已兑付（元）", "待兑付（元）", "人均增收（元）",
	"预计人均纯收入（元）", "贫困线（元/人·年）", "监测线（元/人·年）", "达到贫困线", "达到监测线"}

var statusZH = map[string]string{"poor": "未脱贫", "lifted": "已脱贫", "monitored_unstable": "脱贫不稳定户",
	"monitored_edge": "边缘易致贫户", "monitored_hardship": "突发严重困难户"}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// exportRecord is a household's row: strings for the fixed columns and fen
// for the money ones (in exportColumns order).
func exportRecord(h report.HouseholdRow) (text []string, fen []int64) {
	status := statusZH[h.Status]
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
	name := fmt.Sprintf("income-%s-%d.%s", r.Code, year, format)
	zh := fmt.Sprintf("%s-%d年收入.%s", r.Name, year, format)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name, url.PathEscape(zh)))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	// The writer runs after the handler returns, on its own goroutine: it
	// must not touch c. Everything it needs is captured here.
	reports, log, conn, code, slots, timeout := s.Reports, s.Log, c.Context().Conn(), r.Code, s.exports, s.ExportTimeout
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
		if err := write(ctx, reports, a, code, year, w, extend); err != nil {
			// Headers are gone: the client sees a cut-off file.
			log.Error("export failed", "region", code, "year", year, "format", format, "err", err)
		}
	})
	return nil
}

func writeCSV(ctx context.Context, reports *report.Service, a auth.Actor, code string, year int, w *bufio.Writer, extend func()) error {
	// A UTF-8 byte order mark so that Excel opens the Chinese text right.
	if _, err := w.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := textenc.NewCSVWriter(w) // cells that would run as formulas go behind an apostrophe
	if err := cw.Write(exportColumns); err != nil {
		return err
	}
	n := 0
	rec := make([]string, len(exportColumns))
	err := reports.EachHousehold(ctx, a, code, year, func(h report.HouseholdRow) error {
		text, fen := exportRecord(h)
		copy(rec, text)
		for i, f := range fen {
			rec[len(text)+i] = money.Yuan(f)
		}
		rec[len(rec)-2], rec[len(rec)-1] = yesNo(h.AbovePovertyLine), yesNo(h.AboveMonitoringLine)
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

func writeXLSX(ctx context.Context, reports *report.Service, a auth.Actor, code string, year int, w *bufio.Writer, extend func()) error {
	f := excelize.NewFile()
	defer f.Close()
	sheetName := func(i int) string {
		if i == 1 {
			return "收入"
		}
		return fmt.Sprintf("收入%d", i)
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
	for i, h := range exportColumns {
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
		text, fen := exportRecord(h)
		for i, t := range text {
			cells[i] = t
		}
		cells[5] = h.Members
		for i, v := range fen {
			// A spreadsheet number: fen/100 has at most two decimals and
			// fewer than 16 significant digits, so the decimal written is
			// exactly the amount in yuan.
			cells[len(text)+i] = excelize.Cell{StyleID: money, Value: float64(v) / 100}
		}
		cells[len(cells)-2], cells[len(cells)-1] = yesNo(h.AbovePovertyLine), yesNo(h.AboveMonitoringLine)
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
