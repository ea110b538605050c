package office

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// ImportView is the household import page: the form, the file's columns
// and statuses, and the outcome of an upload: its counts, or why the file
// was refused (next to the file input, or as a table of bad rows).
type ImportView struct {
	Columns   [][2]string // English and Chinese headers
	Statuses  []household.Status
	Result    *household.ImportResult // nil until a file was imported
	Message   string
	FileError string
	Problems  []web.RowProblem
}

var importColumnOrder = web.ColumnOrder(household.Columns[:])

func (s handlers) importPage(c *fiber.Ctx) error {
	return s.renderImport(c, s.Page(c, ""), ImportView{})
}

// importFile imports the uploaded file and shows the counts, or the report
// of every bad row (nothing was written then).
func (s handlers) importFile(c *fiber.Ctx) error {
	res, err := web.Upload(c, "file", func(r io.Reader) (household.ImportResult, error) {
		return s.Households.Import(web.Ctx(c), web.ActorOf(c), r, household.ImportOptions{})
	})
	p := s.Page(c, "")
	if err == nil {
		return s.renderImport(c, p, ImportView{Result: &res})
	}
	fields, msg, status, ok := formError(p, err)
	if !ok {
		return err
	}
	v := ImportView{Message: msg}
	if errs.Is(err, errs.Invalid) && status == fiber.StatusBadRequest {
		// No usable upload: the reason belongs next to the file input.
		v.FileError = fields["file"]
		if v.FileError == "" {
			v.FileError = msg
		}
	} else {
		v.Problems = web.RowProblems(p, fields, "import.col.", importColumnOrder)
	}
	c.Status(status)
	return s.renderImport(c, p, v)
}

func (s handlers) renderImport(c *fiber.Ctx, p web.Page, v ImportView) error {
	p.Title = p.T("office.import")
	v.Columns = web.ColumnPairs(household.Columns[:], household.ChineseColumns[:])
	v.Statuses = householdStatuses
	p.Data = v
	return s.HTML(c, "office/import", p)
}
