package household

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RotateKeys re-seals and re-hashes under the ring's current key every
// household still sealed under an older one, batchSize households per
// transaction (100 when batchSize ≤ 0), and returns how many it changed. Run
// it (marketctl) after adding a new current key to the ring; once it returns,
// the old key may leave the ring. It is an operator task: no actor.
func (s *Service) RotateKeys(ctx context.Context, batchSize int) (int, error) {
	if batchSize <= 0 {
		batchSize = 100
	}
	total := 0
	var after int64
	for {
		n, last, err := s.rotateBatch(ctx, after, batchSize)
		total += n
		if err != nil {
			return total, err
		}
		if last == 0 {
			return total, nil
		}
		after = last
	}
}

// rotateBatch rotates up to limit households after id after and returns how
// many it changed and the last id (0 when none were left).
func (s *Service) rotateBatch(ctx context.Context, after int64, limit int) (int, int64, error) {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback(ctx)
	const q = `SELECT id, registry_no, head_name_enc, head_id_enc FROM households
		WHERE id > $1 AND key_version <> $2 ORDER BY id LIMIT $3 FOR UPDATE`
	rows, err := tx.Query(ctx, q, after, s.ring.Current(), limit)
	if err != nil {
		return 0, 0, fmt.Errorf("rotate keys: %w", err)
	}
	type stale struct {
		ID             int64
		RegistryNo     string
		NameEnc, IDEnc []byte
	}
	batch, err := pgx.CollectRows(rows, pgx.RowToStructByPos[stale])
	if err != nil || len(batch) == 0 {
		return 0, 0, err
	}
	const upd = `UPDATE households SET head_name_enc = $2, head_id_enc = $3, head_id_hash = $4,
		key_version = $5 WHERE id = $1`
	b := &pgx.Batch{}
	for _, h := range batch {
		name, idNumber, err := s.open(h.RegistryNo, h.NameEnc, h.IDEnc)
		if err != nil {
			return 0, 0, err
		}
		sl, err := s.seal(h.RegistryNo, name, idNumber)
		if err != nil {
			return 0, 0, err
		}
		b.Queue(upd, h.ID, sl.NameEnc, sl.IDEnc, sl.IDHashes[0], sl.KeyVersion)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return 0, 0, fmt.Errorf("rotate keys: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, fmt.Errorf("rotate keys: %w", err)
	}
	return len(batch), batch[len(batch)-1].ID, nil
}
