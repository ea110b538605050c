package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// DefaultPage and MaxPage bound a page of seals.
const (
	DefaultPage = 100
	MaxPage     = 1000
)

func pageSize(limit int) int {
	if limit <= 0 {
		return DefaultPage
	}
	return min(limit, MaxPage)
}

// List returns the seals after seq after (0: from the first), oldest first,
// and the seq to pass as after for the next page (0 on the last page).
func List(ctx context.Context, db *pgxpool.Pool, after int64, limit int) ([]Seal, int64, error) {
	n := pageSize(limit)
	const q = `SELECT ` + sealColumns + ` FROM ledger_seals WHERE seq > $1::bigint ORDER BY seq LIMIT $2`
	return page(ctx, db, q, after, n)
}

// Latest returns the seals before seq before (0: from the latest), newest
// first, and the seq to pass as before for the next page (0 on the last).
func Latest(ctx context.Context, db *pgxpool.Pool, before int64, limit int) ([]Seal, int64, error) {
	n := pageSize(limit)
	const q = `SELECT ` + sealColumns + ` FROM ledger_seals WHERE $1::bigint = 0 OR seq < $1 ORDER BY seq DESC LIMIT $2`
	return page(ctx, db, q, before, n)
}

func page(ctx context.Context, db *pgxpool.Pool, q string, from int64, n int) ([]Seal, int64, error) {
	rows, err := db.Query(ctx, q, from, n+1)
	if err != nil {
		return nil, 0, fmt.Errorf("ledger: seals: %w", err)
	}
	seals, err := pgx.CollectRows(rows, scanSeal)
	if err != nil {
		return nil, 0, err
	}
	if seals == nil {
		seals = []Seal{}
	}
	if len(seals) > n {
		return seals[:n], seals[n-1].Seq, nil
	}
	return seals, 0, nil
}

// BySeq returns one seal; a seal that does not exist is not_found.
func BySeq(ctx context.Context, db *pgxpool.Pool, seq int64) (Seal, error) {
	rows, err := db.Query(ctx, `SELECT `+sealColumns+` FROM ledger_seals WHERE seq = $1`, seq)
	if err != nil {
		return Seal{}, err
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanSeal)
	if errors.Is(err, pgx.ErrNoRows) {
		return Seal{}, errs.E(errs.NotFound, "seal not found")
	}
	return s, err
}

// Stats says how far the seals reach.
type Stats struct {
	Seals     int64
	LastEntry int64 // the last entry sealed
	Unsealed  int64 // entries after it
	Head      Hash  // the latest seal's hash, which commits to every seal before it
}

// Summary reads the Stats.
func Summary(ctx context.Context, db *pgxpool.Pool) (Stats, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Stats{}, err
	}
	defer tx.Rollback(ctx)
	last, err := lastSeal(ctx, tx)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Seals: last.Seq, LastEntry: int64(last.LastEntryID)}
	if last.Seq > 0 {
		st.Head = last.Hash()
	}
	const q = `SELECT count(*) FROM attribution_entries WHERE id > $1`
	if err := tx.QueryRow(ctx, q, st.LastEntry).Scan(&st.Unsealed); err != nil {
		return Stats{}, fmt.Errorf("ledger: summary: %w", err)
	}
	return st, nil
}

// Proof shows that an entry is in a seal: Leaf is the entry's canonical
// bytes, Index its place among the seal's leaves and Path its audit path
// (RFC 9162, 2.1.3), from which and the leaf's hash the seal's root follows.
type Proof struct {
	EntryID ids.ID `json:"entry_id"`
	Leaf    Bytes  `json:"leaf"`
	SealSeq int64  `json:"seal_seq"`
	Index   int    `json:"index"`
	Path    []Hash `json:"path"`
}

// OrderProofs returns a proof for every sealed entry of the order, in entry
// id order (none for entries not sealed yet). Paths are drawn from the
// leaves as they were sealed, leaves from the entries as they are now: an
// entry changed since shows as a proof that fails.
func OrderProofs(ctx context.Context, db *pgxpool.Pool, orderID int64) ([]Proof, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	// An entry's place in its seal counts the entries before it there (ids
	// of rolled-back transactions are not entries).
	const q = `SELECT ` + entryColumns + `, s.seq,
			(SELECT count(*) FROM attribution_entries x WHERE x.id >= s.first_entry_id AND x.id < e.id)::int
		FROM attribution_entries e
		JOIN LATERAL (SELECT seq, first_entry_id FROM ledger_seals s WHERE s.last_entry_id >= e.id
			ORDER BY s.last_entry_id LIMIT 1) s ON s.first_entry_id <= e.id
		WHERE e.order_id = $1 ORDER BY e.id`
	out := []Proof{}
	want := map[int64][]int{} // seal → leaf indexes
	rows, err := tx.Query(ctx, q, orderID)
	if err != nil {
		return nil, fmt.Errorf("ledger: order proofs: %w", err)
	}
	for rows.Next() {
		var e Entry
		var p Proof
		if err := rows.Scan(&e.ID, &e.HouseholdID, &e.OrderID, &e.LineID, &e.LotID, &e.CooperativeID, &e.VillageCode,
			&e.AmountFen, &e.Kind, &e.IncomeType, &e.RefundID, &e.WageID, &e.DividendID, &e.At, &p.SealSeq, &p.Index); err != nil {
			rows.Close()
			return nil, err
		}
		p.EntryID, p.Leaf = ids.ID(e.ID), e.Leaf()
		out = append(out, p)
		want[p.SealSeq] = append(want[p.SealSeq], p.Index)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	paths, err := sealPaths(ctx, tx, want)
	if err != nil {
		return nil, err
	}
	for i := range out {
		// An index past the seal's leaves (an entry forced into a sealed
		// range) gets an empty path, which fails as it should.
		if out[i].Path = paths[out[i].SealSeq][out[i].Index]; out[i].Path == nil {
			out[i].Path = []Hash{}
		}
	}
	return out, nil
}

// sealPaths computes the audit paths of the wanted leaves of each seal from
// its stored leaves.
func sealPaths(ctx context.Context, tx pgx.Tx, want map[int64][]int) (map[int64]map[int][]Hash, error) {
	out := map[int64]map[int][]Hash{}
	if len(want) == 0 {
		return out, nil
	}
	seqs := make([]int64, 0, len(want))
	for s := range want {
		seqs = append(seqs, s)
	}
	rows, err := tx.Query(ctx, `SELECT seq, leaves FROM ledger_seals WHERE seq = ANY ($1)`, seqs)
	if err != nil {
		return nil, fmt.Errorf("ledger: seal leaves: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var packed []byte
		if err := rows.Scan(&seq, &packed); err != nil {
			return nil, err
		}
		out[seq] = Paths(unpack(packed), want[seq])
	}
	return out, rows.Err()
}

// unpack splits stored leaves into hashes.
func unpack(packed []byte) []Hash {
	out := make([]Hash, len(packed)/len(Hash{}))
	for i := range out {
		copy(out[i][:], packed[i*len(Hash{}):])
	}
	return out
}
