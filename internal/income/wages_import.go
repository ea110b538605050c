package income

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/platform/sheet"
)

// WageColumns are the columns of a wage batch file (one wage a row), and
// WageChineseColumns the Chinese headers accepted for them. work_to and
// note may be left out (work_to is then work_from).
var (
	WageColumns        = []string{"registry_no", "work_from", "work_to", "kind", "amount_yuan", "paid_on", "note"}
	WageChineseColumns = []string{"户编号", "开始日期", "结束日期", "工种", "金额", "发放日期", "备注"}
)

const (
	wcRegistryNo = iota
	wcWorkFrom
	wcWorkTo
	wcKind
	wcAmount
	wcPaidOn
	wcNote
)

// MaxWageFileBytes bounds a batch file.
const (
	MaxWageFileBytes = 8 << 20
	maxRowErrors     = 200
)

// kindWords maps the kind column (English or Chinese) to a kind.
var kindWords = map[string]string{
	"sorting": "sorting", "分拣": "sorting", "分选": "sorting", "挑选": "sorting",
	"packing": "packing", "包装": "packing", "装箱": "packing",
	"processing": "processing", "加工": "processing", "晾晒": "processing", "烘干": "processing",
	"transport": "transport", "运输": "transport", "搬运": "transport", "装卸": "transport",
	"other": "other", "其他": "other", "其它": "other",
}

// ImportWages records a batch file of the cooperative's wages (CSV in
// UTF-8 or GB18030, or XLSX) in one transaction: every row valid, or
// nothing is written and the error's fields say what is wrong where, keyed
// "row N: column" (N counts data rows from 1, the header excluded). It
// returns how many wages were recorded.
func (s *Service) ImportWages(ctx context.Context, a auth.Actor, coopID int64, r io.Reader) (int, error) {
	if err := CanWrite(a, coopID); err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(io.LimitReader(r, MaxWageFileBytes+1))
	if err != nil {
		return 0, err
	}
	if len(raw) > MaxWageFileBytes {
		return 0, errs.E(errs.TooLarge, "the batch file is larger than %d MB", MaxWageFileBytes>>20)
	}
	header, rows, err := sheet.Read(raw)
	if err != nil {
		return 0, errs.Validation("invalid batch file", map[string]string{"file": err.Error()})
	}
	idx, err := wageHeader(header)
	if err != nil {
		return 0, errs.Validation("invalid batch file", map[string]string{"header": err.Error()})
	}
	b := &batch{f: errs.FieldErrors{}}
	for _, row := range rows {
		if row.Blank() {
			continue
		}
		if len(b.list) >= MaxWages {
			return 0, errs.Validation("invalid batch file", map[string]string{"file": fmt.Sprintf("holds more than %d wages; split it", MaxWages)})
		}
		b.read(row, idx)
	}
	if len(b.list) == 0 {
		if b.problems == 0 {
			return 0, errs.Validation("invalid batch file", map[string]string{"file": "holds no wages"})
		}
		return 0, b.error(b.f)
	}
	if err := b.resolve(ctx, s.db, coopID); err != nil {
		return 0, err
	}
	if _, err := s.recordWages(ctx, a, coopID, b.list, func(i int) string { return rowKey(b.rows[i], "") }, b.refuse); err != nil {
		return 0, err
	}
	return len(b.list), nil
}

// batch is a wage file being read.
type batch struct {
	list     []WageInput
	rows     []int
	regNos   []string
	f        errs.FieldErrors
	problems int
}

func (b *batch) add(row int, col, reason string) { b.addKey(rowKey(row, col), reason) }

// addKey counts a problem, unless the field has one already, and keeps
// the first maxRowErrors.
func (b *batch) addKey(key, reason string) {
	if _, dup := b.f[key]; dup {
		return
	}
	b.problems++
	if len(b.f) < maxRowErrors {
		b.f[key] = reason
	}
}

func (b *batch) error(f errs.FieldErrors) error {
	n := max(b.problems, len(f))
	if n > len(f) {
		f.Add("rows", fmt.Sprintf("%d more problems not listed", n-len(f)))
	}
	return errs.Validation(fmt.Sprintf("%d problems in the file; no wage was recorded", n), f)
}

// read takes one row's cells; the registry number is resolved later.
func (b *batch) read(row sheet.Row, idx []int) {
	if row.Problem != "" {
		b.add(row.N, "csv", row.Problem)
		return
	}
	in := WageInput{WorkFrom: sheet.Date(row.Get(idx[wcWorkFrom])), WorkTo: sheet.Date(row.Get(idx[wcWorkTo])),
		PaidOn: sheet.Date(row.Get(idx[wcPaidOn])), Note: row.Get(idx[wcNote])}
	kind := row.Get(idx[wcKind])
	if k, ok := kindWords[strings.ToLower(kind)]; ok {
		in.Kind = k
	} else {
		in.Kind = kind // validation names it
	}
	reg := row.Get(idx[wcRegistryNo])
	if reg == "" {
		b.add(row.N, "registry_no", "is required")
	}
	amount, err := money.ParseCell(row.Get(idx[wcAmount]))
	if err != nil {
		b.add(row.N, "amount_yuan", money.YuanRule)
	}
	in.AmountFen = amount
	b.list, b.rows, b.regNos = append(b.list, in), append(b.rows, row.N), append(b.regNos, reg)
}

// refuse adds the wages' problems, under the file's column names, to the
// problems of the file's cells: every row is checked before anything is
// written, so that the file's problems are listed at once, not a column at
// a time. Any problem stops the batch.
func (b *batch) refuse(f errs.FieldErrors) error {
	for k, v := range fileFields(f) {
		b.addKey(k, v)
	}
	if b.problems > 0 {
		return b.error(b.f)
	}
	return nil
}

// fileFields names the file's columns instead of the API's fields.
func fileFields(fields map[string]string) errs.FieldErrors {
	out := errs.FieldErrors{}
	for k, v := range fields {
		k = strings.Replace(strings.Replace(k, ": household_id", ": registry_no", 1), ": amount_fen", ": amount_yuan", 1)
		out[k] = v
	}
	return out
}

// resolve turns registry numbers into household ids, looking only among
// the cooperative's members: a file records original wages only (a
// correction names its wage, through RecordWages), and those must go to
// members. Looking in the whole registry would answer a registered
// household of someone else differently from a number nobody has, and so
// tell the cooperative which numbers exist (docs/DOMAIN.md, Privacy); both
// now get the answer checkMembers gives.
func (b *batch) resolve(ctx context.Context, db querier, coopID int64) error {
	const q = `SELECT h.registry_no, h.id FROM households h
		JOIN cooperative_members m ON m.household_id = h.id AND m.cooperative_id = $1
		WHERE h.registry_no = ANY ($2)`
	rows, err := db.Query(ctx, q, coopID, b.regNos)
	if err != nil {
		return fmt.Errorf("resolve registry numbers: %w", err)
	}
	found := map[string]ids.ID{}
	var no string
	var id ids.ID
	if _, err := pgx.ForEachRow(rows, []any{&no, &id}, func() error { found[no] = id; return nil }); err != nil {
		return err
	}
	for i, reg := range b.regNos {
		if reg == "" {
			continue
		}
		if id, ok := found[reg]; ok {
			b.list[i].HouseholdID = id
		} else {
			b.add(b.rows[i], "registry_no", msgNotMember)
		}
	}
	return nil
}

// wageHeader maps the header to the columns, the required ones present.
func wageHeader(header []string) ([]int, error) {
	return sheet.Header(header, WageColumns, WageChineseColumns, wcRegistryNo, wcWorkFrom, wcKind, wcAmount, wcPaidOn)
}

func rowKey(row int, col string) string {
	if col == "" {
		return fmt.Sprintf("row %d: ", row)
	}
	return fmt.Sprintf("row %d: %s", row, col)
}
