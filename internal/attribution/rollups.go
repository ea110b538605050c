package attribution

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// execer is a pool, a connection or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// ApplyPending brings the rollups (household-year income, village-year,
// -month and -product figures, cooperative balances) up to every ledger
// entry committed so far. Writing entries only queues them (rollup_pending,
// in the writing statement: QueueAppend), so that paying an order does not also
// rewrite fifteen rollup rows; the jobs package applies the queue every few
// seconds, and every reader of the rollups settles it first (Settle), so
// what it reads equals the entries under it (I6). Run it outside other
// transactions: it takes village locks of its own, and gives up after the
// function's lock_timeout (3 s) with an error that IsLockConflict
// recognises.
func ApplyPending(ctx context.Context, db execer) error {
	if _, err := db.Exec(ctx, `SELECT apply_pending_rollups()`); err != nil {
		return fmt.Errorf("apply pending rollups: %w", err)
	}
	return nil
}

// Settle is ApplyPending for readers: when the pass cannot get its locks in
// time (a large household import holds its villages) or is chosen as a
// deadlock victim, the reader goes on with the rollups as they are, which
// then lack only the entries of the last few seconds; the next read or the
// job's next pass applies them. Other errors are returned.
func Settle(ctx context.Context, db execer) error {
	if err := ApplyPending(ctx, db); err != nil && !IsLockConflict(err) {
		return err
	}
	return nil
}

// IsLockConflict reports whether err is PostgreSQL giving up a lock wait
// (lock_timeout) or breaking a deadlock.
func IsLockConflict(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "55P03" || pg.Code == "40P01")
}
