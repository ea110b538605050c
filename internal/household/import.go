package household

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// ImportOptions tune Import. The zero value is ready to use.
type ImportOptions struct {
	// Progress, when set, is called with the number of data rows read so
	// far, every ProgressEvery rows and once at the end of the file.
	Progress func(rows int)
	// ProgressEvery defaults to 10,000 rows.
	ProgressEvery int
	// MaxProblems bounds the problems listed in a validation error (1,000 by
	// default); the rest are counted under the key "more".
	MaxProblems int
}

// ImportResult counts what an import wrote.
type ImportResult struct {
	Imported int    `json:"imported"` // households created
	Updated  int    `json:"updated"`  // existing registry numbers overwritten
	Rows     int    `json:"rows"`     // data rows read
	Encoding string `json:"encoding"` // UTF-8 or GB18030
}

// Import reads a CSV file of households (see Columns and ChineseColumns for
// the headers, in any order; UTF-8 with or without BOM, or GB18030) and
// creates or overwrites them by registry number, for an office and only
// within its jurisdiction.
//
// Every row is validated first: fields, registry and ID numbers unique in
// the file and not held by a household elsewhere, village known and in the
// jurisdiction. If any row is invalid, Import writes nothing and returns a
// validation error whose Fields are keyed "row N: column" (N counts data rows
// from 1). Otherwise all rows are written in one transaction.
//
// The file is streamed: rows are sealed as they are read and copied into a
// temporary staging table, so memory stays bounded whatever its size.
func (s *Service) Import(ctx context.Context, actor auth.Actor, r io.Reader, opts ImportOptions) (ImportResult, error) {
	scope, err := officeScope(actor)
	if err != nil {
		return ImportResult{}, err
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 10000
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 1000
	}
	rows, err := newCSVRows(r, s.now())
	if err != nil {
		return ImportResult{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	defer tx.Rollback(ctx)
	const staging = `CREATE TEMP TABLE household_import (
			row_no int NOT NULL, registry_no text NOT NULL, village_code text NOT NULL,
			members int NOT NULL, status text NOT NULL, baseline_income_fen bigint NOT NULL,
			baseline_year int NOT NULL, head_name_enc bytea NOT NULL, head_id_enc bytea NOT NULL,
			head_id_hashes bytea[] NOT NULL, head_name_mask text NOT NULL, head_id_mask text NOT NULL
		) ON COMMIT DROP`
	if _, err := tx.Exec(ctx, staging); err != nil {
		return ImportResult{}, fmt.Errorf("import: staging table: %w", err)
	}
	problems := &problemList{max: opts.MaxProblems, fields: map[string]string{}}
	src := &stagingSource{svc: s, rows: rows, problems: problems, opts: opts}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"household_import"}, stagingColumns, src); err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	if opts.Progress != nil {
		opts.Progress(rows.row)
	}
	res := ImportResult{Rows: rows.row, Encoding: rows.dec.Encoding()}
	if res.Encoding == "" {
		res.Encoding = EncodingUTF8
	}
	if src.valid == 0 && problems.count == 0 {
		return res, errs.Validation("invalid import file", map[string]string{"file": "no data rows"})
	}
	if err := lockHeads(ctx, tx); err != nil {
		return ImportResult{}, err
	}
	if err := checkStaging(ctx, tx, scope, problems); err != nil {
		return ImportResult{}, err
	}
	if problems.count > 0 {
		return ImportResult{}, errs.Validation(fmt.Sprintf("%d problems in the file; nothing was imported", problems.count), problems.result())
	}
	// Changing a household's size or baseline re-counts its villages'
	// rollups under their advisory locks (rollup_household_change). Taking
	// every such lock first, in code order, and writing households in
	// registry order means two imports of overlapping regions queue instead
	// of deadlocking.
	const lockVillages = `SELECT pg_advisory_xact_lock(hashtextextended(v.village_code, 0)) FROM (
			SELECT DISTINCT i.village_code FROM household_import s
			JOIN households h ON h.registry_no = s.registry_no
			JOIN household_year_income i ON i.household_id = h.id ORDER BY 1) v`
	if _, err := tx.Exec(ctx, lockVillages); err != nil {
		return ImportResult{}, fmt.Errorf("import: lock villages: %w", err)
	}
	const upsert = `WITH up AS (
			INSERT INTO households (registry_no, village_code, members, status, baseline_income_fen,
				baseline_year, head_name_enc, head_id_enc, head_id_hash, head_name_mask, head_id_mask, key_version)
			SELECT registry_no, village_code, members, status, baseline_income_fen, baseline_year,
				head_name_enc, head_id_enc, head_id_hashes[1], head_name_mask, head_id_mask, $1
			FROM household_import ORDER BY registry_no
			ON CONFLICT (registry_no) DO UPDATE SET village_code = excluded.village_code,
				members = excluded.members, status = excluded.status,
				lifted_year = CASE WHEN excluded.status IN ('lifted', 'monitored_unstable') THEN households.lifted_year END,
				baseline_income_fen = excluded.baseline_income_fen, baseline_year = excluded.baseline_year,
				head_name_enc = excluded.head_name_enc, head_id_enc = excluded.head_id_enc,
				head_id_hash = excluded.head_id_hash, head_name_mask = excluded.head_name_mask,
				head_id_mask = excluded.head_id_mask, key_version = excluded.key_version, updated_at = now()
			RETURNING xmax = 0 AS inserted)
		SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`
	if err := tx.QueryRow(ctx, upsert, s.ring.Current()).Scan(&res.Imported, &res.Updated); err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", uniqueViolation(err))
	}
	const conflicts = `INSERT INTO household_id_conflicts (household_id, other_household_id, actor_user_id)
		SELECT h.id, o.id, nullif($1::bigint, 0) FROM household_import s
			JOIN households h ON h.registry_no = s.registry_no
			JOIN households o ON o.head_id_hash = ANY(s.head_id_hashes) AND o.id <> h.id
		ON CONFLICT DO NOTHING`
	if _, err := tx.Exec(ctx, conflicts, actor.UserID); err != nil {
		return ImportResult{}, fmt.Errorf("import: record ID number conflicts: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", uniqueViolation(err))
	}
	return res, nil
}

var stagingColumns = []string{"row_no", "registry_no", "village_code", "members", "status",
	"baseline_income_fen", "baseline_year", "head_name_enc", "head_id_enc", "head_id_hashes",
	"head_name_mask", "head_id_mask"}

// stagingSource feeds CopyFrom from the file: valid rows are sealed and
// copied, invalid ones only recorded as problems.
type stagingSource struct {
	svc      *Service
	rows     *csvRows
	problems *problemList
	opts     ImportOptions
	values   []any
	valid    int
	err      error
}

func (s *stagingSource) Next() bool {
	for {
		rec, n, bad, err := s.rows.next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			s.err = fmt.Errorf("read import file: %w", err)
			return false
		}
		if s.opts.Progress != nil && n%s.opts.ProgressEvery == 0 {
			s.opts.Progress(n)
		}
		if bad != nil {
			for k, v := range bad {
				s.problems.add(k, v)
			}
			continue
		}
		sl, err := s.svc.seal(rec.RegistryNo, rec.HeadName, rec.HeadID)
		if err != nil {
			s.err = err
			return false
		}
		s.valid++
		s.values = []any{n, rec.RegistryNo, rec.VillageCode, rec.Members, string(rec.Status), rec.IncomeFen,
			rec.BaselineYear, sl.NameEnc, sl.IDEnc, sl.IDHashes, sl.NameMask, sl.IDMask}
		return true
	}
}

func (s *stagingSource) Values() ([]any, error) { return s.values, nil }

func (s *stagingSource) Err() error { return s.err }

// problemList collects row problems up to max and counts the rest.
type problemList struct {
	max    int
	count  int
	fields map[string]string
}

func (p *problemList) add(key, reason string) {
	if _, seen := p.fields[key]; seen {
		return
	}
	p.count++
	if len(p.fields) < p.max {
		p.fields[key] = reason
	}
}

func (p *problemList) result() map[string]string {
	if more := p.count - len(p.fields); more > 0 {
		p.fields["more"] = fmt.Sprintf("%d more problems not listed", more)
	}
	return p.fields
}
