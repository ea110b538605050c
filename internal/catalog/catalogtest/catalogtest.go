// Package catalogtest builds the registry rows catalog tests stand on:
// cooperatives, villages, households and memberships, straight in SQL on a
// test database. Households get synthetic placeholder values in their
// encrypted columns: they are test rows, never real data.
package catalogtest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/idcheck"
)

var seq atomic.Int64

// CreditCode returns a valid GB 32100 unified social credit code for county
// with the serial n.
func CreditCode(county string, n int) string {
	code, err := idcheck.CompleteCreditCode(fmt.Sprintf("93%sMA%07X", county, n))
	if err != nil {
		panic(err)
	}
	return code
}

// Coop inserts a cooperative in county with status and returns its id.
func Coop(tb testing.TB, db *pgxpool.Pool, name, county, status string) int64 {
	tb.Helper()
	const q = `INSERT INTO cooperatives (name, credit_code, county_code, status) VALUES ($1, $2, $3, $4) RETURNING id`
	var id int64
	if err := db.QueryRow(context.Background(), q, name, CreditCode(county, int(seq.Add(1))), county, status).Scan(&id); err != nil {
		tb.Fatalf("catalogtest: coop: %v", err)
	}
	return id
}

// SetCoopStatus changes a cooperative's status.
func SetCoopStatus(tb testing.TB, db *pgxpool.Pool, id int64, status string) {
	tb.Helper()
	if _, err := db.Exec(context.Background(), `UPDATE cooperatives SET status = $2 WHERE id = $1`, id, status); err != nil {
		tb.Fatalf("catalogtest: coop status: %v", err)
	}
}

// Village inserts (or keeps) a village under the first township of county
// and returns its code.
func Village(tb testing.TB, db *pgxpool.Pool, county, name string) string {
	tb.Helper()
	ctx := context.Background()
	var township string
	if err := db.QueryRow(ctx, `SELECT code FROM regions WHERE parent_code = $1 AND level = 'township' ORDER BY code LIMIT 1`,
		county).Scan(&township); err != nil {
		tb.Fatalf("catalogtest: township of %s: %v", county, err)
	}
	code := fmt.Sprintf("%s%03d", township, 200+seq.Add(1)%800)
	const q = `INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, 'village', $3) ON CONFLICT (code) DO NOTHING`
	if _, err := db.Exec(ctx, q, code, name, township); err != nil {
		tb.Fatalf("catalogtest: village: %v", err)
	}
	return code
}

// Household inserts a household in village and returns its id. The head's
// personal columns hold placeholders: this is a test row.
func Household(tb testing.TB, db *pgxpool.Pool, village, registryNo string) int64 {
	tb.Helper()
	h := sha256.Sum256([]byte("test-household:" + registryNo))
	const q = `INSERT INTO households (registry_no, village_code, members, status, lifted_year, baseline_income_fen, baseline_year,
			head_name_enc, head_id_enc, head_id_hash, head_name_mask, head_id_mask, key_version)
		VALUES ($1, $2, 4, 'lifted', 2019, 380000, 2019, '\x00'::bytea, '\x00'::bytea, $3, '阿**', '6532**********0000', 1)
		RETURNING id`
	var id int64
	if err := db.QueryRow(context.Background(), q, registryNo, village, h[:]).Scan(&id); err != nil {
		tb.Fatalf("catalogtest: household: %v", err)
	}
	return id
}

// Member makes household a member of coop.
func Member(tb testing.TB, db *pgxpool.Pool, coop, household int64) {
	tb.Helper()
	if _, err := db.Exec(context.Background(), `INSERT INTO cooperative_members (cooperative_id, household_id) VALUES ($1, $2)`,
		coop, household); err != nil {
		tb.Fatalf("catalogtest: member: %v", err)
	}
}
