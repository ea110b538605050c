package payout

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/platform/textenc"
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

// ImportBatch records a bank batch CSV (UTF-8 with or without BOM, or
// GB18030) of the cooperative's payouts in one transaction: every row valid,
// or nothing is written and the error's fields say what is wrong where, keyed
// "row N: column" (N counts data rows from 1, the header excluded). It
// returns how many payouts were recorded.
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
	text, err := textenc.Decode(raw)
	if err != nil {
		return 0, errs.Validation("invalid batch file", map[string]string{"file": "holds characters that could not be decoded (use UTF-8 or GB18030)"})
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return 0, errs.Validation("invalid batch file", map[string]string{"header": "the file is empty"})
	}
	if err != nil {
		return 0, errs.Validation("invalid batch file", map[string]string{"header": csvReason(err)})
	}
	idx, msg := mapBatchHeader(header)
	if msg != "" {
		return 0, errs.Validation("invalid batch file", map[string]string{"header": msg})
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
		list    []Input
		rowNos  []int
		regNos  []string
		rowNo   int
		tooMany bool
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		rowNo++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return 0, err
			}
			add(rowNo, "csv", csvReason(err))
			continue
		}
		if blankRecord(rec) {
			continue
		}
		if len(list) >= MaxBatchRows {
			tooMany = true
			break
		}
		get := func(col int) string {
			if i := idx[col]; i >= 0 && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		in := Input{PaidOn: normalizeDate(get(colPaidOn)), Method: normalizeMethod(get(colMethod)), Reference: get(colReference)}
		reg := get(colRegistryNo)
		if reg == "" {
			add(rowNo, "registry_no", "is required")
		}
		amount, err := money.ParseCell(get(colAmount))
		if err != nil {
			add(rowNo, "amount_yuan", "must be an amount in yuan with at most two decimals")
		}
		in.AmountFen = amount
		list, rowNos, regNos = append(list, in), append(rowNos, rowNo), append(regNos, reg)
	}
	if tooMany {
		return 0, errs.Validation("invalid batch file", map[string]string{"file": fmt.Sprintf("holds more than %d payouts; split it", MaxBatchRows)})
	}
	if len(list) == 0 && problems == 0 {
		return 0, errs.Validation("invalid batch file", map[string]string{"file": "holds no payouts"})
	}
	// Registry numbers name the households.
	found := map[string]ids.ID{}
	if len(regNos) > 0 {
		rows, err := s.db.Query(ctx, `SELECT registry_no, id FROM households WHERE registry_no = ANY($1)`, regNos)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var no string
			var id ids.ID
			if err := rows.Scan(&no, &id); err != nil {
				rows.Close()
				return 0, err
			}
			found[no] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	for i, reg := range regNos {
		if reg == "" {
			continue
		}
		if id, ok := found[reg]; ok {
			list[i].HouseholdID = id
		} else {
			add(rowNos[i], "registry_no", "no registered household has this number")
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

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func mapBatchHeader(header []string) ([]int, string) {
	idx := make([]int, len(BatchColumns))
	for i := range idx {
		idx[i] = -1
	}
	for pos, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		for col := range BatchColumns {
			if h != BatchColumns[col] && h != BatchChineseColumns[col] {
				continue
			}
			if idx[col] >= 0 {
				return nil, "column " + BatchColumns[col] + " appears twice"
			}
			idx[col] = pos
		}
	}
	var missing []string
	for _, col := range []int{colRegistryNo, colAmount, colPaidOn} {
		if idx[col] < 0 {
			missing = append(missing, BatchColumns[col])
		}
	}
	if len(missing) > 0 {
		return nil, "missing columns: " + strings.Join(missing, ", ")
	}
	return idx, ""
}

func blankRecord(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

var datePattern = regexp.MustCompile(`^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?$`)

// normalizeDate turns 2026/10/1, 2026.10.01, 2026年10月1日 and 20261001 into
// 2026-10-01; anything else is left for validation to refuse.
func normalizeDate(s string) string {
	if m := datePattern.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
	}
	if len(s) == 8 {
		if _, err := strconv.Atoi(s); err == nil {
			return s[:4] + "-" + s[4:6] + "-" + s[6:]
		}
	}
	return s
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
