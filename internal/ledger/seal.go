package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/platform/ids"
)

// Seal is one sealed batch of entries: the Merkle tree of entries
// FirstEntryID to LastEntryID (Entries of them: ids a rolled-back
// transaction took are never entries), chained to the seal before.
type Seal struct {
	Seq          int64     `json:"seq"`
	FirstEntryID ids.ID    `json:"first_entry_id"`
	LastEntryID  ids.ID    `json:"last_entry_id"`
	Entries      int       `json:"entries"`
	Root         Hash      `json:"root"`
	Prev         Hash      `json:"prev"`
	SealedAt     time.Time `json:"sealed_at"`
}

// sealColumns selects a Seal's columns in its fields' order.
const sealColumns = `seq, first_entry_id, last_entry_id, entries, root, prev, sealed_at`

// Bytes is the seal's canonical encoding (docs/LEDGER.md, "Seal"): the
// byte 0x02, then seq, first and last entry id and the number of entries
// as 8-byte big-endian integers, then the root and prev (32 bytes each).
func (s Seal) Bytes() []byte {
	b := make([]byte, 0, 1+4*8+2*sha256.Size)
	b = append(b, 2)
	for _, v := range []int64{s.Seq, int64(s.FirstEntryID), int64(s.LastEntryID), int64(s.Entries)} {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	b = append(b, s.Root[:]...)
	return append(b, s.Prev[:]...)
}

// Hash is the seal's hash, SHA-256 of its Bytes: the next seal's Prev.
func (s Seal) Hash() Hash { return sha256.Sum256(s.Bytes()) }

// MaxBatch is the largest number of entries one seal holds.
const MaxBatch = 4096

// DefaultWait is how long a sealer waits, at most, for the transactions
// that were writing entries when it started (see Sealer.Seal).
const DefaultWait = 10 * time.Second

// ErrWritersInFlight is Seal's answer when a transaction writing entries
// outlasted the wait: nothing was sealed, the next run will.
var ErrWritersInFlight = errors.New("ledger: a transaction writing entries is still open; sealing waits for the next run")

// Sealer seals the ledger's new entries. Its zero Batch and Wait mean
// MaxBatch and DefaultWait.
type Sealer struct {
	DB    *pgxpool.Pool
	Batch int
	Wait  time.Duration
	// WaitTurn makes the sealer wait while another one is writing a seal,
	// then seal what is left. Without it (marketd's job, on every node)
	// a sealer that finds another at work leaves the entries to it.
	WaitTurn bool
}

// Seal seals every entry settled so far, in batches of at most Batch
// entries in id order, and returns the new seals. It only reads the
// entries, and never locks anything a checkout takes.
//
// A batch never skips an entry that a slower transaction commits later
// with a lower id (docs/LEDGER.md, "Gap-free sealing"): Seal first reads
// the last id the entries' sequence has handed out, then lists the
// transactions holding the ledger's write lock (every INSERT takes it
// before drawing an id) and waits until they have all ended. Every id up
// to the one read was drawn by one of them or by a transaction that had
// already ended, so once they are gone every entry up to that id that
// will ever exist is committed and visible, and those are sealed.
func (s Sealer) Seal(ctx context.Context) ([]Seal, error) {
	bound, err := s.settledBound(ctx)
	if err != nil {
		return nil, err
	}
	var out []Seal
	for {
		seal, ok, err := s.sealBatch(ctx, bound)
		if err != nil || !ok {
			return out, err
		}
		out = append(out, seal)
	}
}

// settledBound returns an id up to which every entry that will ever be
// committed is committed now.
func (s Sealer) settledBound(ctx context.Context) (int64, error) {
	// The sequence must hand out ids one at a time: with a cache, a
	// session could later use an id it drew before the bound was read.
	const q = `SELECT coalesce(pg_sequence_last_value(q.seqrelid), 0), q.seqcache
		FROM pg_sequence q WHERE q.seqrelid = pg_get_serial_sequence('attribution_entries', 'id')::regclass`
	var bound, cache int64
	if err := s.DB.QueryRow(ctx, q).Scan(&bound, &cache); err != nil {
		return 0, fmt.Errorf("ledger: last entry id: %w", err)
	}
	if cache != 1 {
		return 0, fmt.Errorf("ledger: the entries' id sequence caches %d ids per session; sealing needs CACHE 1", cache)
	}
	// Only now, after the id was read: a writer that drew an id up to it
	// took the lock before, and either holds it still or has ended.
	const writers = `SELECT coalesce(array_agg(DISTINCT virtualtransaction), '{}') FROM pg_locks
		WHERE locktype = 'relation' AND relation = 'attribution_entries'::regclass AND mode = 'RowExclusiveLock'
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND ($1::text[] IS NULL OR virtualtransaction = ANY ($1))`
	var open []string
	if err := s.DB.QueryRow(ctx, writers, nil).Scan(&open); err != nil {
		return 0, fmt.Errorf("ledger: writers: %w", err)
	}
	wait := s.Wait
	if wait == 0 {
		wait = DefaultWait
	}
	deadline := time.Now().Add(wait)
	for pause := time.Millisecond; len(open) > 0; pause = min(2*pause, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			return 0, ErrWritersInFlight
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pause):
		}
		if err := s.DB.QueryRow(ctx, writers, open).Scan(&open); err != nil {
			return 0, fmt.Errorf("ledger: writers: %w", err)
		}
	}
	return bound, nil
}

// sealLock is the transaction advisory lock a sealer holds while it
// writes a seal: two sealers (marketd's job, marketctl ledger seal) take
// turns instead of colliding on the seal's number.
const sealLock = 0x6c6564676572 // "ledger"

// sealBatch seals the next at most Batch entries up to bound; ok is false
// when there are none (or another sealer is at work and WaitTurn is off).
func (s Sealer) sealBatch(ctx context.Context, bound int64) (seal Seal, ok bool, err error) {
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return Seal{}, false, err
	}
	defer tx.Rollback(ctx)
	take := `SELECT pg_try_advisory_xact_lock($1)`
	if s.WaitTurn {
		take = `SELECT true FROM pg_advisory_xact_lock($1)`
	}
	var mine bool
	if err := tx.QueryRow(ctx, take, int64(sealLock)).Scan(&mine); err != nil || !mine {
		return Seal{}, false, err
	}
	last, err := lastSeal(ctx, tx)
	if err != nil {
		return Seal{}, false, err
	}
	batch := s.Batch
	if batch <= 0 || batch > MaxBatch {
		batch = MaxBatch
	}
	entries, err := readEntries(ctx, tx, int64(last.LastEntryID), bound, batch)
	if err != nil || len(entries) == 0 {
		return Seal{}, false, err
	}
	leaves := make([]Hash, len(entries))
	packed := make([]byte, 0, len(entries)*sha256.Size)
	for i, e := range entries {
		leaves[i] = LeafHash(e.Leaf())
		packed = append(packed, leaves[i][:]...)
	}
	seal = Seal{Seq: last.Seq + 1, FirstEntryID: ids.ID(entries[0].ID), LastEntryID: ids.ID(entries[len(entries)-1].ID),
		Entries: len(entries), Root: Root(leaves)}
	if last.Seq > 0 {
		seal.Prev = last.Hash()
	}
	const q = `INSERT INTO ledger_seals (seq, first_entry_id, last_entry_id, entries, root, prev, leaves)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING sealed_at`
	err = tx.QueryRow(ctx, q, seal.Seq, int64(seal.FirstEntryID), int64(seal.LastEntryID), seal.Entries,
		seal.Root[:], seal.Prev[:], packed).Scan(&seal.SealedAt)
	if err != nil {
		return Seal{}, false, fmt.Errorf("ledger: seal %d: %w", seal.Seq, err)
	}
	return seal, true, tx.Commit(ctx)
}

// lastSeal is the latest seal, the zero Seal when there is none.
func lastSeal(ctx context.Context, tx pgx.Tx) (Seal, error) {
	rows, err := tx.Query(ctx, `SELECT `+sealColumns+` FROM ledger_seals ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return Seal{}, err
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanSeal)
	if errors.Is(err, pgx.ErrNoRows) {
		return Seal{}, nil
	}
	return s, err
}

// readEntries reads at most limit entries with after < id <= upTo, in id order.
func readEntries(ctx context.Context, tx pgx.Tx, after, upTo int64, limit int) ([]Entry, error) {
	const q = `SELECT ` + entryColumns + ` FROM attribution_entries e
		WHERE e.id > $1 AND e.id <= $2 ORDER BY e.id LIMIT $3`
	rows, err := tx.Query(ctx, q, after, upTo, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: entries: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Entry])
}

// scanSeal reads the columns of sealColumns.
func scanSeal(row pgx.CollectableRow) (Seal, error) { return scanSealWith(row) }

// scanSealWith reads the columns of sealColumns and then into more.
func scanSealWith(row pgx.CollectableRow, more ...any) (Seal, error) {
	var s Seal
	var first, last int64
	var root, prev []byte
	if err := row.Scan(append([]any{&s.Seq, &first, &last, &s.Entries, &root, &prev, &s.SealedAt}, more...)...); err != nil {
		return Seal{}, err
	}
	s.FirstEntryID, s.LastEntryID = ids.ID(first), ids.ID(last)
	copy(s.Root[:], root)
	copy(s.Prev[:], prev)
	return s, nil
}
