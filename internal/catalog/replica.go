package catalog

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/platform/postgres"
)

// UseReplica sends what buyers and visitors read (product pages, lists,
// search, traces) to the replica of reads when it can show everything the
// current cache version stands for; direct, when not nil, is the primary
// without a transaction pooler, for the LISTEN connection. Call it before
// Listen.
func (s *Service) UseReplica(reads *postgres.Reads, direct *pgxpool.Pool) {
	s.reads, s.direct = reads, direct
}

// reader is the pool for a public read. Pages are cached under the
// catalog's version (changes.go), so a page rendered from the replica must
// show every commit that version stands for: the replica is used only when
// it has replayed past the primary's WAL position read after the version's
// notification arrived (the fence). Otherwise — listener down, the newest
// notification not yet fenced, a write through this process since, a
// replica behind or lagging over its bound — the primary answers, as it
// does for cooperatives' own reads and every write.
func (s *Service) reader() *pgxpool.Pool {
	if !s.reads.HasReplica() {
		return s.db
	}
	c := s.changes.Load()
	if c == nil {
		return s.db
	}
	lsn, ok := c.at()
	if !ok {
		return s.db
	}
	return s.reads.PoolAt(lsn)
}
