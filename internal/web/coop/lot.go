package coop

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/textenc"
	"github.com/fupinmarket/market/internal/web"
)

// LotView is the new-lot form of a product.
type LotView struct {
	Product catalog.Product
	Members []catalog.Member
	Form    LotForm
}

// LotForm is the lot form's state.
type LotForm struct {
	ReceivedOn string
	Quantity   string
	Kind       string
	FenPerUnit string // yuan per base unit
	SharePct   string // percent of the sale
	Qty        map[string]string
	Errors     map[string]string
}

func (f LotForm) Err(key string) string { return f.Errors[key] }

// RowError is a problem of one row of the contributions' CSV file.
type RowError struct {
	Row    int
	Field  string // registry_no or quantity
	Reason string // a domain message, translated by the page
}

// RowErrors are the CSV rows' problems in row order.
func (f LotForm) RowErrors() []RowError {
	var out []RowError
	for k, v := range f.Errors {
		var e RowError
		if n, _ := fmt.Sscanf(k, "row %d: %s", &e.Row, &e.Field); n == 2 {
			e.Reason = v
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Row < out[j].Row || out[i].Row == out[j].Row && out[i].Field < out[j].Field
	})
	return out
}

// QtyOf is the quantity typed for a household.
func (f LotForm) QtyOf(id ids.ID) string { return f.Qty[id.String()] }

func (s handlers) newLot(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	f := LotForm{ReceivedOn: s.Catalog.Today().Format("2006-01-02"), Kind: string(catalog.RulePerUnit), Qty: map[string]string{},
		Errors: map[string]string{}}
	return s.renderLotForm(c, id, f)
}

func (s handlers) renderLotForm(c *fiber.Ctx, id int64, f LotForm) error {
	prod, err := s.Catalog.GetProduct(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	if !web.ActorOf(c).ManagesCoop(int64(prod.CooperativeID)) {
		return errs.E(errs.NotFound, "product %d not found", id)
	}
	members, err := s.Catalog.Members(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("coop.new_lot") + " · " + prod.TitleIn(p.Lang)
	p.Data = LotView{Product: prod, Members: members, Form: f}
	if len(f.Errors) > 0 && c.Response().StatusCode() != fiber.StatusConflict {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.HTML(c, "coop/lot", p)
}

// saveLot records a lot from the form: contributions typed per member
// household, or a CSV file of registry_no,quantity rows.
func (s handlers) saveLot(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	f := LotForm{ReceivedOn: c.FormValue("received_on"), Quantity: c.FormValue("quantity"), Kind: c.FormValue("kind"),
		FenPerUnit: c.FormValue("fen_per_unit"), SharePct: c.FormValue("share_pct"), Qty: map[string]string{},
		Errors: map[string]string{}}
	in := catalog.LotInput{ReceivedOn: f.ReceivedOn, IncomeRule: catalog.IncomeRule{Kind: attribution.RuleKind(f.Kind)}}
	if q, err := catalog.ParseQty(f.Quantity); err != nil {
		f.Errors["quantity"] = "must be a number with at most three decimals"
	} else {
		in.Quantity = q
	}
	switch in.IncomeRule.Kind {
	case catalog.RulePerUnit:
		if v, err := parseCents(f.FenPerUnit); err != nil {
			f.Errors["income_rule.fen_per_unit"] = "must be an amount in yuan such as 15.00"
		} else {
			in.IncomeRule.FenPerUnit = v
		}
	case catalog.RuleRevenueShare:
		if v, err := parseCents(f.SharePct); err != nil {
			f.Errors["income_rule.bps"] = "must be a percentage such as 30 or 12.5"
		} else {
			in.IncomeRule.BPS = v
		}
	}
	members, err := s.Catalog.Members(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	if fh, ferr := c.FormFile("csv"); ferr == nil && fh.Size > 0 {
		file, err := fh.Open()
		if err != nil {
			return err
		}
		data, _ := io.ReadAll(io.LimitReader(file, 1<<20))
		file.Close()
		contribs, rowErrs := parseContributionsCSV(data, members)
		for k, v := range rowErrs {
			f.Errors[k] = v
		}
		in.Contributions = contribs
	} else {
		for _, m := range members {
			v := strings.TrimSpace(c.FormValue("q_" + m.HouseholdID.String()))
			f.Qty[m.HouseholdID.String()] = v
			if v == "" || v == "0" {
				continue
			}
			q, err := catalog.ParseQty(v)
			if err != nil {
				f.Errors["q_"+m.HouseholdID.String()] = "must be a number with at most three decimals"
				continue
			}
			in.Contributions = append(in.Contributions, catalog.Contribution{HouseholdID: m.HouseholdID, Quantity: q})
		}
	}
	if len(f.Errors) == 0 {
		_, err = s.Catalog.CreateLot(web.Ctx(c), web.ActorOf(c), id, in)
		// A refusal of the lot (invalid, or a product archived meanwhile)
		// shows the form again as typed: a lot may hold dozens of
		// households' quantities.
		var e *errs.Error
		if err != nil && (!errors.As(err, &e) || e.Kind != errs.Invalid && e.Kind != errs.Conflict) {
			return err
		}
		if e != nil && e.Kind == errs.Conflict {
			c.Status(fiber.StatusConflict)
		}
		if e != nil {
			for k, v := range e.Fields {
				// contributions[i] → the household's input.
				var i int
				if _, serr := fmt.Sscanf(k, "contributions[%d]", &i); serr == nil && i < len(in.Contributions) {
					k = "q_" + in.Contributions[i].HouseholdID.String()
				}
				f.Errors[k] = v
			}
			if len(e.Fields) == 0 {
				f.Errors["form"] = e.Message
			}
		}
	}
	if len(f.Errors) > 0 {
		return s.renderLotForm(c, id, f)
	}
	return c.Redirect("/coop/products/"+strconv.FormatInt(id, 10)+"?lot=1#lots", fiber.StatusSeeOther)
}

// parseContributionsCSV reads registry_no,quantity rows (a header row is
// optional; 户编号,数量 also accepted) against the cooperative's members.
// The file may be UTF-8 or GB18030, as spreadsheets on Chinese Windows
// save it.
func parseContributionsCSV(data []byte, members []catalog.Member) ([]catalog.Contribution, map[string]string) {
	data, err := textenc.Decode(data)
	if err != nil {
		return nil, map[string]string{"csv": "holds characters that could not be decoded (use UTF-8 or GB18030)"}
	}
	byNo := map[string]ids.ID{}
	for _, m := range members {
		byNo[m.RegistryNo] = m.HouseholdID
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	errsOut := map[string]string{}
	var out []catalog.Contribution
	row := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errsOut["csv"] = "is not a valid CSV file"
			return nil, errsOut
		}
		if row == 0 && len(rec) > 0 {
			h := strings.ToLower(strings.TrimSpace(rec[0]))
			if h == "registry_no" || h == "户编号" {
				continue
			}
		}
		row++
		if len(rec) < 2 {
			errsOut[fmt.Sprintf("row %d: quantity", row)] = "missing: each row is registry_no,quantity"
			continue
		}
		no := strings.TrimSpace(rec[0])
		hid, ok := byNo[no]
		if !ok {
			errsOut[fmt.Sprintf("row %d: registry_no", row)] = "is not a member household of this cooperative"
		}
		q, err := catalog.ParseQty(rec[1])
		if err != nil || q <= 0 {
			errsOut[fmt.Sprintf("row %d: quantity", row)] = "must be a positive number with at most three decimals"
			continue
		}
		if ok {
			out = append(out, catalog.Contribution{HouseholdID: hid, Quantity: q})
		}
	}
	if row == 0 {
		errsOut["csv"] = "has no rows"
	}
	return out, errsOut
}
