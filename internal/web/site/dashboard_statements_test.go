package site_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// statementCounter counts every statement a pool sends, batched or not.
type statementCounter struct {
	n    atomic.Int64
	sqls chan string // the last statements, for the failure message
}

func (sc *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	sc.count(d.SQL)
	return ctx
}
func (sc *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (sc *statementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (sc *statementCounter) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	sc.count(d.SQL)
}
func (sc *statementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (sc *statementCounter) count(sql string) {
	sc.n.Add(1)
	select {
	case sc.sqls <- sql:
	default:
	}
}

// maxOfficeStatements is what one /office view may send to PostgreSQL
// (docs/ARCHITECTURE.md): the signed-in account, the rollup queue settled
// once, the region and its crumbs, then BEGIN, the six panels (summary,
// months, products, coverage, households to act on, what cooperatives owe)
// and COMMIT of one read-only snapshot.
const maxOfficeStatements = 12

func TestOfficeDashboardStatements(t *testing.T) {
	db := dbtest.New(t)
	cfg, err := pgxpool.ParseConfig(db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	counter := &statementCounter{sqls: make(chan string, 64)}
	cfg.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db.App = pool
	s := webtest.StartWith(t, db)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	s.CreateUser("hotan@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653200"})
	office := s.LoginPage("hotan@office.test", ordertest.Password)

	applies := 0
	for _, path := range []string{"/office", "/office/regions/653224"} {
		for len(counter.sqls) > 0 {
			<-counter.sqls
		}
		counter.n.Store(0)
		res := office.Do("GET", path, nil)
		if res.Status != 200 {
			t.Fatalf("%s: %d", path, res.Status)
		}
		n := counter.n.Load()
		var sent []string
		for len(counter.sqls) > 0 {
			sql := <-counter.sqls
			sent = append(sent, sql)
			if strings.Contains(sql, "apply_pending_rollups") {
				applies++
			}
		}
		if n > maxOfficeStatements {
			t.Errorf("%s sent %d statements, more than %d:\n%v", path, n, maxOfficeStatements, sent)
		}
		if applies > 1 {
			t.Errorf("%s settled the rollup queue %d times", path, applies)
		}
		applies = 0
		t.Logf("%s: %d statements: %q", path, n, sent)
	}
}
