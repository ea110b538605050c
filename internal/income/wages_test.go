package income_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// TestWagesReachTheLedgerAsWageIncome: a wage is one wage entry of its
// household, dated the day it was paid; the rollups count it as wage income
// and as paid (nothing owed); the feed has its event.
func TestWagesReachTheLedgerAsWageIncome(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	got, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, []income.WageInput{w.wage(0, 12000), w.wage(1, 8050)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].AmountFen+got[1].AmountFen != 20050 || got[0].RegistryNo == "" {
		t.Fatalf("recorded %+v", got)
	}
	if n := w.count(t, `SELECT count(*) FROM attribution_entries WHERE kind = 'wage' AND income_type = 'wage'
		AND order_id IS NULL AND wage_id IS NOT NULL AND (at AT TIME ZONE 'Asia/Shanghai')::date = $1::date`, w.clk.Today()); n != 2 {
		t.Fatalf("%d wage entries", n)
	}
	w.settle(t)
	var attributed, wage, paid int64
	if err := w.DB.Pool.QueryRow(ctx, `SELECT attributed_fen, wage_fen, paid_fen FROM coop_household_balance
		WHERE cooperative_id = $1 AND household_id = $2`, w.CoopID, w.Households[0]).Scan(&attributed, &wage, &paid); err != nil {
		t.Fatal(err)
	}
	if attributed != 12000 || wage != 12000 || paid != 12000 {
		t.Fatalf("balance: attributed %d wage %d paid %d", attributed, wage, paid)
	}
	st, err := payout.NewService(w.DB.Pool, w.clk).Statement(ctx, w.admin, w.CoopID)
	if err != nil {
		t.Fatal(err)
	}
	if st.OwedFen != 0 || len(st.Balances) != 2 || st.Balances[0].ByType.Wage == 0 {
		t.Fatalf("a wage is paid as it is recorded: %+v", st)
	}
	if n := w.count(t, `SELECT count(*) FROM feed_events WHERE type = 'wage.recorded'`); n != 2 {
		t.Fatalf("%d wage events", n)
	}
	list, err := w.svc.Wages(ctx, w.admin, w.CoopID, 0)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %v %v", list, err)
	}
}

// TestWageValidation: field errors name the wage and the field; a
// household that is not a member, or another cooperative's admin, is
// refused; nothing is written.
func TestWageValidation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	before := w.count(t, `SELECT count(*) FROM wages`)
	outsider := w.count(t, `INSERT INTO households (registry_no, village_code, members, status, baseline_income_fen, baseline_year,
		head_name_enc, head_id_enc, head_id_hash, head_name_mask, head_id_mask, key_version)
		SELECT 'X001', village_code, 2, 'lifted', 300000, 2020, '\x01', '\x02', '\x0707', '阿**', '6532**********0001', 1
		FROM households WHERE id = $1 RETURNING id`, w.Households[0])
	bad := []income.WageInput{w.wage(0, 0), w.wage(1, 100), {HouseholdID: ids.ID(outsider), WorkFrom: w.clk.Today(), Kind: "sorting",
		AmountFen: 100, PaidOn: w.clk.Today()}}
	bad[1].Kind, bad[1].WorkFrom = "digging", "2099-01-01"
	bad[0].Note = "加班\u202E费"
	_, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, bad, nil)
	var e *errs.Error
	if !asErr(err, &e) || e.Fields["wages[0].amount_fen"] == "" || e.Fields["wages[0].note"] != text.BidiControlMessage || e.Fields["wages[1].kind"] == "" ||
		e.Fields["wages[1].work_from"] == "" || e.Fields["wages[2].household_id"] == "" {
		t.Fatalf("%v", err)
	}
	other := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID + 1}
	if _, err := w.svc.RecordWages(ctx, other, w.CoopID, []income.WageInput{w.wage(0, 100)}, nil); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("another cooperative's admin: %v", err)
	}
	if n := w.count(t, `SELECT count(*) FROM wages`); n != before {
		t.Fatalf("%d wages written", n)
	}
}

// TestWageCorrections: a correction is a new entry against the wage; it
// may lower the wage to zero but not below.
func TestWageCorrections(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	got, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, []income.WageInput{w.wage(0, 10000)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := got[0].ID
	fix := income.WageInput{Corrects: &id, AmountFen: -2500, PaidOn: w.clk.Today()}
	if _, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, []income.WageInput{fix}, nil); err != nil {
		t.Fatal(err)
	}
	fix.AmountFen = -7501
	var e *errs.Error
	if _, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, []income.WageInput{fix}, nil); !asErr(err, &e) || e.Fields["wages[0].amount_fen"] == "" {
		t.Fatalf("below zero: %v", err)
	}
	corrID := ids.ID(w.count(t, `SELECT max(id) FROM wages`))
	fix.Corrects, fix.AmountFen = &corrID, 1
	if _, err := w.svc.RecordWages(ctx, w.admin, w.CoopID, []income.WageInput{fix}, nil); !asErr(err, &e) || e.Fields["wages[0].corrects"] == "" {
		t.Fatalf("a correction of a correction: %v", err)
	}
	if n := w.count(t, `SELECT sum(amount_fen) FROM attribution_entries WHERE wage_id IS NOT NULL`); n != 7500 {
		t.Fatalf("the wage nets %d", n)
	}
	if n := w.count(t, `SELECT count(*) FROM attribution_entries WHERE kind = 'wage_correction' AND amount_fen = -2500`); n != 1 {
		t.Fatalf("%d correction entries", n)
	}
	w.settle(t)
}

// wageRow is one row of a generated batch file and whether it is valid.
type wageRow struct {
	cells []string
	ok    bool
}

// randomWageRow is a row for one of the members, valid or with one defect.
func randomWageRow(r *rand.Rand, today string) wageRow {
	row := wageRow{cells: []string{fmt.Sprintf("T%03d", r.IntN(3)), today, today, "分拣", "12.80", today, ""}, ok: true}
	if r.IntN(4) > 0 {
		return row
	}
	row.ok = false
	switch r.IntN(5) {
	case 0:
		row.cells[0] = "NOPE"
	case 1:
		row.cells[4] = "12.345"
	case 2:
		row.cells[3] = "挖矿"
	case 3:
		row.cells[5] = "2099-01-01"
	default:
		row.cells[4] = "0"
	}
	return row
}

// TestWageBatchIsAllOrNothing is a property: a batch with any bad row
// writes nothing and names the row; a batch of good rows is recorded
// whole. The files come as UTF-8 CSV, GB18030 CSV and XLSX.
func TestWageBatchIsAllOrNothing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 832))
	header := []string{"户编号", "开始日期", "结束日期", "工种", "金额", "发放日期", "备注"}
	for i := range 24 {
		rows := make([]wageRow, 1+r.IntN(8))
		valid := true
		for j := range rows {
			rows[j] = randomWageRow(r, w.clk.Today())
			valid = valid && rows[j].ok
		}
		file := encodeBatch(t, i%3, header, rows)
		before := w.count(t, `SELECT count(*) FROM wages`)
		entries := w.count(t, `SELECT count(*) FROM attribution_entries`)
		n, err := w.svc.ImportWages(ctx, w.admin, w.CoopID, bytes.NewReader(file))
		after, entriesAfter := w.count(t, `SELECT count(*) FROM wages`), w.count(t, `SELECT count(*) FROM attribution_entries`)
		if valid {
			if err != nil || n != len(rows) || after-before != int64(len(rows)) || entriesAfter-entries != int64(len(rows)) {
				t.Fatalf("batch %d of good rows: %d recorded, %v", i, n, err)
			}
			continue
		}
		var e *errs.Error
		if !asErr(err, &e) || after != before || entriesAfter != entries {
			t.Fatalf("batch %d with a bad row: %v, %d wages written", i, err, after-before)
		}
		for j, row := range rows {
			if !row.ok && !hasRowKey(e.Fields, j+1) {
				t.Fatalf("batch %d: row %d is bad but not named: %v", i, j+1, e.Fields)
			}
		}
	}
	w.settle(t)
}

// TestWageImportAnswersAStrangerLikeANumberNobodyHas: a cooperative learns
// nothing of households that are not its members (docs/DOMAIN.md, Privacy),
// so a wage file naming a registered household of someone else is refused
// in the same words as one naming a number no household has, while its
// members' numbers are recorded.
func TestWageImportAnswersAStrangerLikeANumberNobodyHas(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.count(t, `INSERT INTO households (registry_no, village_code, members, status, baseline_income_fen, baseline_year,
			head_name_enc, head_id_enc, head_id_hash, head_name_mask, head_id_mask, key_version)
		SELECT 'OTHER-1', village_code, 3, 'poor', 300000, 2020, '\x01', '\x02', '\x0707', '阿**', '6532**********0000', 1
		FROM households WHERE id = $1 RETURNING id`, w.Households[0])
	var member string
	if err := w.DB.Pool.QueryRow(ctx, `SELECT registry_no FROM households WHERE id = $1`, w.Households[0]).Scan(&member); err != nil {
		t.Fatal(err)
	}
	file := func(reg string) *strings.Reader {
		return strings.NewReader("户编号,开始日期,结束日期,工种,金额,发放日期,备注\n" +
			reg + "," + w.clk.Today() + "," + w.clk.Today() + ",分拣,100.00," + w.clk.Today() + ",\n")
	}
	answer := func(reg string) string {
		_, err := w.svc.ImportWages(ctx, w.admin, w.CoopID, file(reg))
		var e *errs.Error
		if !asErr(err, &e) || len(e.Fields) != 1 {
			t.Fatalf("%s: %v", reg, err)
		}
		return e.Fields["row 1: registry_no"]
	}
	stranger, nobody := answer("OTHER-1"), answer("NO-SUCH-1")
	if stranger != "is not a member household of the cooperative" || nobody != stranger {
		t.Fatalf("a registered household of someone else: %q; a number nobody has: %q", stranger, nobody)
	}
	if n, err := w.svc.ImportWages(ctx, w.admin, w.CoopID, file(member)); err != nil || n != 1 {
		t.Fatalf("a member's wage: %d recorded, %v", n, err)
	}
	w.settle(t)
}

func hasRowKey(fields map[string]string, row int) bool {
	for k := range fields {
		if strings.HasPrefix(k, fmt.Sprintf("row %d: ", row)) {
			return true
		}
	}
	return false
}

// encodeBatch writes rows as UTF-8 CSV (kind 0), GB18030 CSV (1) or XLSX (2).
func encodeBatch(t *testing.T, kind int, header []string, rows []wageRow) []byte {
	t.Helper()
	if kind == 2 {
		f := excelize.NewFile()
		defer f.Close()
		row := func(n int, cells []string) {
			v := make([]any, len(cells))
			for i, c := range cells {
				v[i] = c
			}
			cell, _ := excelize.CoordinatesToCellName(1, n)
			f.SetSheetRow("Sheet1", cell, &v)
		}
		row(1, header)
		for i, r := range rows {
			row(i+2, r.cells)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r.cells, ",") + "\n")
	}
	if kind == 1 {
		gb, err := simplifiedchinese.GB18030.NewEncoder().String(b.String())
		if err != nil {
			t.Fatal(err)
		}
		return []byte(gb)
	}
	return []byte(b.String())
}
