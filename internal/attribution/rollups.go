package attribution

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// execer is a pool, a connection or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// ApplyPending brings the rollups (household-year income, village-year,
// -month and -product figures, cooperative balances) up to every ledger
// entry committed so far. Writing entries only queues them
// (rollup_pending, in the writing statement), so that paying an order does
// not also rewrite fifteen rollup rows; the jobs package applies the queue
// every few seconds, and every reader of the rollups calls ApplyPending
// first, so what it reads equals the entries under it (I6). Run it outside
// other transactions: it takes village locks of its own.
func ApplyPending(ctx context.Context, db execer) error {
	if _, err := db.Exec(ctx, `SELECT apply_pending_rollups()`); err != nil {
		return fmt.Errorf("apply pending rollups: %w", err)
	}
	return nil
}
