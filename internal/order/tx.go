package order

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipeTx is a transaction whose BEGIN travels in its first batch and whose
// COMMIT in its last, so a use case of two batches (read and lock, then
// write and read the answer) costs two round trips. pgx.Tx would spend one
// more on COMMIT; checkout runs two of these per order.
type pipeTx struct {
	conn *pgxpool.Conn
}

// beginPipe acquires a connection and sends BEGIN with b. On error nothing
// is left open.
func beginPipe(ctx context.Context, db *pgxpool.Pool, b *pgx.Batch) (*pipeTx, error) {
	conn, err := db.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	t := &pipeTx{conn: conn}
	b.QueuedQueries = append([]*pgx.QueuedQuery{{SQL: "begin"}}, b.QueuedQueries...)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		t.close(ctx)
		return nil, err
	}
	return t, nil
}

// commit sends b followed by COMMIT. After an error in b PostgreSQL skips
// the rest of the batch, COMMIT included, and close rolls back.
func (t *pipeTx) commit(ctx context.Context, b *pgx.Batch) error {
	b.Queue("commit")
	return t.conn.SendBatch(ctx, b).Close()
}

// close rolls back whatever is still open and returns the connection to
// the pool; it is safe after commit (defer it).
func (t *pipeTx) close(ctx context.Context) {
	if t.conn == nil {
		return
	}
	if t.conn.Conn().PgConn().TxStatus() != 'I' {
		if _, err := t.conn.Exec(ctx, "rollback"); err != nil {
			// A connection that cannot roll back is closed, not reused.
			_ = t.conn.Conn().Close(ctx)
		}
	}
	t.conn.Release()
	t.conn = nil
}
