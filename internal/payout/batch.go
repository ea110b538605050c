package payout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/platform/sheet"
)

// BatchColumns are the columns of a bank batch file (one payout a row), and
// BatchChineseColumns the Chinese headers accepted for them. method and
// reference may be left out: a bank batch is paid by bank transfer.
var (
	BatchColumns        = []string{"registry_no", "amount_yuan", "paid_on", "method", "reference"}
	BatchChineseColumns = []string{"户编号", "金额", "兑付日期", "方式", "备注"}
)

const (
	colRegistryNo = iota
	colAmount
	colPaidOn
	colMethod
	colReference
)

// MaxBatchRows bounds one batch file; MaxBatchBytes its size.
const (
	MaxBatchRows  = 20000
	MaxBatchBytes = 8 << 20
	maxRowErrors  = 200
)

// ImportBatch records a bank batch file of the cooperative's payouts (CSV
// in UTF-8 with or without BOM, or GB18030, or XLSX) in one transaction:
// every row valid, or nothing is written and the error's fields say what is
// wrong where, keyed "row N: column" (N counts data rows from 1, the header
// excluded). It returns how many payouts were recorded.
func (s *Service) ImportBatch(ctx context.Context, a auth.Actor, coopID int64, r io.Reader) (int, error) {
	if err := CanRecord(a, coopID); err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(io.LimitReader(r, MaxBatchBytes+1))
	if err != nil {
		return 0, err
	}
	if len(raw) > MaxBatchBytes {
		return 0, errs.E(errs.TooLarge, "the batch file is larger than %d MB", MaxBatchBytes>>20)
	}
	header, rows, err := sheet.Read(raw)
	if err != nil {
		return 0, errs.Validation("invalid batch file", map[string]string{"file": err.Error()})
	}
	idx, err := batchHeader(header)
	if err != nil {
		return 0, errs.Validation("invalid batch file", map[string]string{"header": err.Error()})
	}
	f := errs.FieldErrors{}
	problems := 0
	add := func(row int, col, reason string) {
		problems++
		if len(f) < maxRowErrors {
			f.Add(rowKey(row, col), reason)
		}
	}
	var (
		list   []Input
		rowNos []int
		regNos []string
	)
	for _, row := range rows {
		if row.Problem != "" {
			add(row.N, "csv", row.Problem)
			continue
		}
		if row.Blank() {
			continue
		}
		if len(list) >= MaxBatchRows {
			return 0, errs.Validation("invalid batch file", map[string]string{"file": fmt.Sprintf("holds more than %d payouts; split it", MaxBatchRows)})
		}
		in := Input{PaidOn: sheet.Date(row.Get(idx[colPaidOn])), Method: normalizeMethod(row.Get(idx[colMethod])),
			Reference: row.Get(idx[colReference])}
		reg := row.Get(idx[colRegistryNo])
		if reg == "" {
			add(row.N, "registry_no", "is required")
		}
		amount, err := money.ParseCell(row.Get(idx[colAmount]))
		if err != nil {
			add(row.N, "amount_yuan", money.YuanRule)
		}
		in.AmountFen = amount
		list, rowNos, regNos = append(list, in), append(rowNos, row.N), append(regNos, reg)
	}
	if len(list) == 0 && problems == 0 {
		return 0, errs.Validation("invalid batch file", map[string]string{"file": "holds no payouts"})
	}
	found, err := s.households(ctx, coopID, regNos)
	if err != nil {
		return 0, err
	}
	for i, reg := range regNos {
		if reg == "" {
			continue
		}
		if id, ok := found[reg]; ok {
			list[i].HouseholdID = id
		} else {
			add(rowNos[i], "registry_no", msgNoIncome)
		}
	}
	if problems > 0 {
		return 0, batchError(f, problems)
	}
	err = s.Record(ctx, a, coopID, list, func(i int) string { return rowKey(rowNos[i], "") })
	var e *errs.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		// Name the file's columns, not the API's fields.
		out := errs.FieldErrors{}
		for k, v := range e.Fields {
			k = strings.Replace(strings.Replace(k, ": household_id", ": registry_no", 1), ": amount_fen", ": amount_yuan", 1)
			out[k] = v
		}
		return 0, batchError(out, len(out))
	}
	if err != nil {
		return 0, err
	}
	return len(list), nil
}

// msgNoIncome is the one answer for a household the cooperative has no
// balance with, whether it is someone else's or does not exist at all.
const msgNoIncome = "no income of this cooperative was attributed to this household"

// households resolves registry numbers among the households the
// cooperative has a balance with, the only ones Record pays: looking in the
// whole registry would answer a registered household the cooperative never
// brought income differently from a number nobody has, and so tell it
// which numbers exist (docs/DOMAIN.md, Privacy); both now get Record's
// answer. The queue is settled first, so that income paid a moment ago
// counts, as it does in Record.
func (s *Service) households(ctx context.Context, coopID int64, regNos []string) (map[string]ids.ID, error) {
	found := map[string]ids.ID{}
	if len(regNos) == 0 {
		return found, nil
	}
	if err := attribution.Settle(ctx, s.db); err != nil {
		return nil, err
	}
	const q = `SELECT h.registry_no, h.id FROM households h
		JOIN coop_household_balance b ON b.household_id = h.id AND b.cooperative_id = $1
		WHERE h.registry_no = ANY ($2)`
	rows, err := s.db.Query(ctx, q, coopID, regNos)
	if err != nil {
		return nil, fmt.Errorf("resolve registry numbers: %w", err)
	}
	var no string
	var id ids.ID
	if _, err := pgx.ForEachRow(rows, []any{&no, &id}, func() error { found[no] = id; return nil }); err != nil {
		return nil, err
	}
	return found, nil
}

func batchError(f errs.FieldErrors, problems int) error {
	if problems > len(f) {
		f.Add("rows", fmt.Sprintf("%d more problems not listed", problems-len(f)))
	}
	return errs.Validation(fmt.Sprintf("%d problems in the file; nothing was recorded", problems), f)
}

func rowKey(row int, col string) string {
	if col == "" {
		return fmt.Sprintf("row %d: ", row)
	}
	return fmt.Sprintf("row %d: %s", row, col)
}

// batchHeader maps the header to the columns, the required ones present.
func batchHeader(header []string) ([]int, error) {
	return sheet.Header(header, BatchColumns, BatchChineseColumns, colRegistryNo, colAmount, colPaidOn)
}

// normalizeMethod maps the method column (English or Chinese) to a method;
// empty means bank transfer.
func normalizeMethod(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "bank_transfer", "bank", "transfer", "银行转账", "转账", "银行", "银行代发", "代发":
		return "bank_transfer"
	case "cash", "现金":
		return "cash"
	case "mobile", "手机", "手机支付", "移动支付", "微信", "支付宝":
		return "mobile"
	}
	return s
}
