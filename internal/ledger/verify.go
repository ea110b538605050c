package ledger

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Problem is a seal, or an entry in one, that no longer matches.
type Problem struct {
	Seq     int64 // the seal concerned (0: the table as a whole)
	EntryID int64 // the entry concerned, 0 when the seal itself is at fault
	Detail  string
}

func (p Problem) String() string {
	switch {
	case p.EntryID > 0:
		return fmt.Sprintf("entry %d (seal %d): %s", p.EntryID, p.Seq, p.Detail)
	case p.Seq > 0:
		return fmt.Sprintf("seal %d: %s", p.Seq, p.Detail)
	}
	return "ledger_seals: " + p.Detail
}

// Report is what Verify checked and found.
type Report struct {
	Seals, Entries int64
	Problems       []Problem // in seal and entry order; the first is the first that no longer matches
}

// maxProblems bounds a report: past it the ledger is plainly broken.
const maxProblems = 100

// Verify recomputes every seal in one read-only snapshot (VerifyTx).
func Verify(ctx context.Context, db *pgxpool.Pool) (Report, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Report{}, err
	}
	defer tx.Rollback(ctx)
	return VerifyTx(ctx, tx)
}

// VerifyTx recomputes every seal from the entries as they are in tx's
// snapshot: each sealed entry's leaf against the leaf hash it was sealed
// with, each seal's root from its leaves, its number and prev against the
// seal before, and that no entry lies outside the seals between the first
// entry and the last sealed one. It also checks that the triggers keeping
// the seals append-only are in place. It reads through two cursors, so
// its memory does not grow with the ledger.
func VerifyTx(ctx context.Context, tx pgx.Tx) (Report, error) {
	var r Report
	if err := r.checkTriggers(ctx, tx); err != nil {
		return r, err
	}
	seals, err := openCursor(ctx, tx, "ledger_verify_seals", `SELECT `+sealColumns+`, leaves FROM ledger_seals ORDER BY seq`,
		func(row pgx.CollectableRow) (storedSeal, error) {
			var packed []byte
			s, err := scanSealWith(row, &packed)
			return storedSeal{Seal: s, leaves: unpack(packed)}, err
		})
	if err != nil {
		return r, err
	}
	entries, err := openCursor(ctx, tx, "ledger_verify_entries", `SELECT `+entryColumns+` FROM attribution_entries e
		WHERE e.id <= (SELECT coalesce(max(last_entry_id), 0) FROM ledger_seals) ORDER BY e.id`, pgx.RowToStructByPos[Entry])
	if err != nil {
		return r, err
	}
	defer seals.close(ctx)
	defer entries.close(ctx)
	var prev Seal
	for len(r.Problems) < maxProblems {
		s, ok, err := seals.next(ctx)
		if err != nil {
			return r, err
		}
		if !ok {
			break
		}
		r.Seals++
		r.checkChain(prev, s)
		if err := r.checkEntries(ctx, entries, prev, s); err != nil {
			return r, err
		}
		prev = s.Seal
	}
	return r, nil
}

// storedSeal is a seal with the leaf hashes it was sealed with.
type storedSeal struct {
	Seal
	leaves []Hash
}

func (r *Report) add(p Problem) { r.Problems = append(r.Problems, p) }

func (r *Report) checkTriggers(ctx context.Context, tx pgx.Tx) error {
	const q = `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'ledger_seals'::regclass
		AND tgname IN ('ledger_seals_no_update', 'ledger_seals_no_truncate', 'ledger_seals_chain') AND tgenabled = 'O'`
	var n int
	if err := tx.QueryRow(ctx, q).Scan(&n); err != nil {
		return err
	}
	if n != 3 {
		r.add(Problem{Detail: "the triggers that keep the seals append-only and chained are missing or disabled"})
	}
	return nil
}

// checkChain checks s's number, prev and root.
func (r *Report) checkChain(prev Seal, s storedSeal) {
	var wantPrev Hash
	if prev.Seq > 0 {
		wantPrev = prev.Hash()
	}
	if s.Seq != prev.Seq+1 {
		r.add(Problem{Seq: s.Seq, Detail: fmt.Sprintf("follows seal %d: a seal is missing", prev.Seq)})
	}
	if s.Prev != wantPrev {
		r.add(Problem{Seq: s.Seq, Detail: fmt.Sprintf("its prev %s is not the hash of seal %d (%s)", s.Prev, prev.Seq, wantPrev)})
	}
	if len(s.leaves) != s.Entries || Root(s.leaves) != s.Root {
		r.add(Problem{Seq: s.Seq, Detail: "its root does not match the leaves it was sealed with"})
	}
}

// checkEntries reads the entries up to s's last and compares each of s's
// with its leaf; any entry after prev's last and before s's first is in no
// seal. When s no longer holds as many entries as it sealed, the seal is
// named rather than the entries that then fall out of step.
func (r *Report) checkEntries(ctx context.Context, entries *cursor[Entry], prev Seal, s storedSeal) error {
	var changed []Problem
	held := 0
	for {
		e, ok, err := entries.peek(ctx)
		if err != nil {
			return err
		}
		if !ok || e.ID > int64(s.LastEntryID) {
			break
		}
		entries.take()
		r.Entries++
		if e.ID < int64(s.FirstEntryID) {
			where := fmt.Sprintf("lies between seal %d and seal %d but is in neither", prev.Seq, s.Seq)
			if prev.Seq == 0 {
				where = "comes before the first seal but is in none"
			}
			r.add(Problem{Seq: s.Seq, EntryID: e.ID, Detail: where})
			continue
		}
		if held < len(s.leaves) && LeafHash(e.Leaf()) != s.leaves[held] {
			changed = append(changed, Problem{Seq: s.Seq, EntryID: e.ID,
				Detail: fmt.Sprintf("no longer matches leaf %d it was sealed as", held)})
		}
		held++
	}
	if held != s.Entries {
		r.add(Problem{Seq: s.Seq, Detail: fmt.Sprintf("sealed %d entries from %d to %d, which now hold %d: an entry was deleted or added",
			s.Entries, s.FirstEntryID, s.LastEntryID, held)})
		return nil
	}
	r.Problems = append(r.Problems, changed...)
	return nil
}

// cursor reads a query's rows in chunks through a server-side cursor, so
// that two queries can be read side by side in one transaction.
type cursor[T any] struct {
	tx   pgx.Tx
	name string
	scan pgx.RowToFunc[T]
	buf  []T
	done bool
}

// cursorChunk is how many rows a cursor fetches at a time.
const cursorChunk = 2000

func openCursor[T any](ctx context.Context, tx pgx.Tx, name, query string, scan pgx.RowToFunc[T]) (*cursor[T], error) {
	if _, err := tx.Exec(ctx, `DECLARE `+name+` NO SCROLL CURSOR FOR `+query); err != nil {
		return nil, fmt.Errorf("ledger: declare %s: %w", name, err)
	}
	return &cursor[T]{tx: tx, name: name, scan: scan}, nil
}

// peek returns the next row without taking it.
func (c *cursor[T]) peek(ctx context.Context) (T, bool, error) {
	var zero T
	if len(c.buf) == 0 && !c.done {
		// The simple protocol: a FETCH is not worth a prepared statement.
		rows, err := c.tx.Query(ctx, fmt.Sprintf(`FETCH %d FROM %s`, cursorChunk, c.name), pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return zero, false, fmt.Errorf("ledger: fetch %s: %w", c.name, err)
		}
		if c.buf, err = pgx.CollectRows(rows, c.scan); err != nil {
			return zero, false, err
		}
		c.done = len(c.buf) < cursorChunk
	}
	if len(c.buf) == 0 {
		return zero, false, nil
	}
	return c.buf[0], true, nil
}

// close closes the cursor (the transaction's end would, too).
func (c *cursor[T]) close(ctx context.Context) { c.tx.Exec(ctx, `CLOSE `+c.name) }

// take drops the row peek returned.
func (c *cursor[T]) take() { c.buf = c.buf[1:] }

// next returns and takes the next row.
func (c *cursor[T]) next(ctx context.Context) (T, bool, error) {
	v, ok, err := c.peek(ctx)
	if ok {
		c.take()
	}
	return v, ok, err
}
