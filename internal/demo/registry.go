package demo

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
)

// Defaults and bounds of the demo registry.
const (
	DefaultHouseholds = 2000
	// DefaultSeed is the seed of `marketctl demo`: the day the last listed
	// counties of Xinjiang were declared out of poverty (2020-11-14).
	DefaultSeed uint64 = 20201114
	// MaxHouseholds keeps every county within its six-digit registry
	// numbers and its villages' codes.
	MaxHouseholds = 4_000_000
	// progressEvery is how often (in households) Progress is called.
	progressEvery = 10_000
)

// RegistryOptions size the demo registry. The zero value loads
// DefaultHouseholds households from DefaultSeed.
type RegistryOptions struct {
	// Households is how many households the registry holds once loaded
	// (DefaultHouseholds when 0). A larger number than a previous run adds
	// households (and villages, beyond a few thousand per county); a
	// smaller one adds nothing and removes nothing.
	Households int
	// Seed fixes everything generated; DefaultSeed when 0. Loading a
	// database that holds demo households of another seed fails.
	Seed uint64
	// Progress, when set, is called with how many of total households exist
	// so far, as they are written and once at the end.
	Progress func(done, total int)
}

func (o RegistryOptions) withDefaults() (RegistryOptions, error) {
	if o.Households == 0 {
		o.Households = DefaultHouseholds
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Households < 0 || o.Households > MaxHouseholds {
		return o, fmt.Errorf("demo registry: households must be between 1 and %d", MaxHouseholds)
	}
	return o, nil
}

// LoadRegistry loads the demo registry under the real townships of the
// listed-supervision (挂牌督战) counties: villages with Uyghur names, opts.Households
// households (mostly lifted in 2019 and 2020, about a tenth monitored, a few
// still poor; 1–9 members; baseline per-capita incomes around 3,000–9,000
// yuan, monitored households lower) whose heads' names and ID numbers are
// sealed with ring exactly as the household service seals them, and 20+
// approved cooperatives, each with an applied → recommended → approved trail
// and member households of its own county; the demo cooperative of
// coop@demo.local gets members in 洛浦县 too.
//
// Everything follows from opts.Seed. LoadRegistry is idempotent: it works out
// which demo households each county already holds and writes only the rest,
// streaming them into COPY (memory stays bounded for a million households),
// all in one transaction.
func LoadRegistry(ctx context.Context, db *pgxpool.Pool, ring *pii.Ring, opts RegistryOptions) error {
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('fupin_market_demo_registry'))`); err != nil {
		return fmt.Errorf("demo registry: lock: %w", err)
	}
	p, err := loadPlan(ctx, tx, opts.Seed)
	if err != nil {
		return err
	}
	have, err := existingHouseholds(ctx, tx, p)
	if err != nil {
		return err
	}
	if err := checkSameSeed(ctx, tx, p, have, opts.Households); err != nil {
		return err
	}
	counts := p.counts(opts.Households)
	if err := ensureVillages(ctx, tx, p, counts); err != nil {
		return err
	}
	coopIDs, err := ensureCoops(ctx, tx, p)
	if err != nil {
		return err
	}
	src := &householdSource{g: p.generator(), ring: ring, n: opts.Households, have: have, progress: opts.Progress}
	if _, err := household.CopySealedTx(ctx, tx, src); err != nil {
		return fmt.Errorf("demo registry: households: %w", err)
	}
	if err := addMembers(ctx, tx, coopIDs, src.members); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("demo registry: %w", err)
	}
	if opts.Progress != nil {
		opts.Progress(opts.Households, opts.Households)
	}
	return nil
}

// LoadVillages creates only the villages that opts.Households demo
// households live in (no households, no cooperatives). Benchmarks use it to
// import generated files.
func LoadVillages(ctx context.Context, db *pgxpool.Pool, opts RegistryOptions) error {
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	p, err := loadPlan(ctx, tx, opts.Seed)
	if err != nil {
		return err
	}
	if err := ensureVillages(ctx, tx, p, p.counts(opts.Households)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// GenerateHouseholds returns the households LoadRegistry writes for opts, in
// order and in plain text, without writing anything; the townships come
// from db. It generates them one at a time: ranging over a million keeps
// nothing in memory.
func GenerateHouseholds(ctx context.Context, db *pgxpool.Pool, opts RegistryOptions) (iter.Seq[Household], error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	p, err := loadPlan(ctx, db, opts.Seed)
	if err != nil {
		return nil, err
	}
	return func(yield func(Household) bool) {
		g := p.generator()
		for range opts.Households {
			if !yield(g.generate()) {
				return
			}
		}
	}, nil
}

// existingHouseholds returns, per county of the plan, the highest demo
// registry number (<county>-NNNNNN) held. Demo households are written in
// order in one transaction, so a county holding number k holds 1 … k.
func existingHouseholds(ctx context.Context, tx pgx.Tx, p *plan) ([]int, error) {
	const q = `SELECT left(registry_no, 6), max(substr(registry_no, 8)::int) FROM households
		WHERE registry_no ~ '^[0-9]{6}-[0-9]{6}$' GROUP BY 1`
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("demo registry: existing households: %w", err)
	}
	byCode := map[string]int{}
	var code string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&code, &n}, func() error { byCode[code] = n; return nil }); err != nil {
		return nil, fmt.Errorf("demo registry: existing households: %w", err)
	}
	have := make([]int, len(p.counties))
	for i, c := range p.counties {
		have[i] = byCode[c.code]
	}
	return have, nil
}

// checkSameSeed compares the first stored demo household of each county
// with the one the seed generates, so that a registry loaded from another
// seed is not silently extended with households that do not fit it.
func checkSameSeed(ctx context.Context, tx pgx.Tx, p *plan, have []int, n int) error {
	left := 0
	for _, h := range have {
		if h > 0 {
			left++
		}
	}
	g := p.generator()
	for i := 0; i < n && left > 0; i++ {
		h := g.generate()
		if h.seq != 1 || have[h.county.idx] == 0 {
			continue
		}
		left--
		const q = `SELECT village_code, members, status, baseline_income_fen, head_name_mask, head_id_mask
			FROM households WHERE registry_no = $1`
		var village, status, nameMask, idMask string
		var members int
		var income int64
		if err := tx.QueryRow(ctx, q, h.RegistryNo).Scan(&village, &members, &status, &income, &nameMask, &idMask); err != nil {
			return fmt.Errorf("demo registry: household %s: %w", h.RegistryNo, err)
		}
		if village != h.VillageCode || members != h.Members || status != h.Status || income != h.BaselineIncomeFen ||
			nameMask != pii.MaskName(h.HeadName) || idMask != pii.MaskIDNumber(h.HeadIDNumber) {
			return fmt.Errorf("demo registry: the households of county %s were not generated from seed %d (or were edited); use their seed or an empty database", h.county.code, p.seed)
		}
	}
	return nil
}

// ensureVillages creates the base villages of every county and the
// extension villages its count of households needs.
func ensureVillages(ctx context.Context, tx pgx.Tx, p *plan, counts []int) error {
	var vs []region.Region
	add := func(v village) {
		vs = append(vs, region.Region{Code: v.code, Name: v.name, Level: region.Village, ParentCode: v.town})
	}
	for i, c := range p.counties {
		for _, v := range c.base {
			add(v)
		}
		ext := c.extVillages(counts[i])
		if ext > c.maxExt() {
			return fmt.Errorf("demo registry: county %s cannot hold %d households", c.code, counts[i])
		}
		for k := range ext {
			add(p.extVillage(c, k))
		}
	}
	if err := region.EnsureVillagesTx(ctx, tx, vs); err != nil {
		return fmt.Errorf("demo registry: villages: %w", err)
	}
	return nil
}

// membership is a household joining a cooperative.
type membership struct {
	registryNo string
	coop       int // index in plan.coops
	joinedOn   time.Time
}

// householdSource streams the households not yet in the database into COPY
// (rows of household.CopyColumns), sealing each as household.Service does, and remembers the memberships of
// the new ones (at most a cooperative's share of each county's base
// villages, whatever n is).
type householdSource struct {
	g        *generator
	ring     *pii.Ring
	n        int
	have     []int
	progress func(done, total int)
	now      time.Time
	values   []any
	members  []membership
	err      error
}

func (s *householdSource) Next() bool {
	if s.now.IsZero() {
		s.now = time.Now()
	}
	for s.g.i < s.n {
		h := s.g.generate()
		if s.progress != nil && s.g.i%progressEvery == 0 && s.g.i < s.n { // n once committed
			s.progress(s.g.i, s.n)
		}
		if h.seq <= s.have[h.county.idx] {
			continue
		}
		nameEnc, err := s.ring.Seal(h.HeadName, "household:"+h.RegistryNo+":head_name")
		if err != nil {
			s.err = err
			return false
		}
		idEnc, err := s.ring.Seal(h.HeadIDNumber, "household:"+h.RegistryNo+":head_id")
		if err != nil {
			s.err = err
			return false
		}
		var lifted any
		if h.LiftedYear != 0 {
			lifted = int32(h.LiftedYear)
		}
		s.values = append(s.values[:0], h.RegistryNo, h.VillageCode, int32(h.Members), h.Status, lifted,
			h.BaselineIncomeFen, int32(h.BaselineYear), nameEnc, idEnc,
			s.ring.Hash(household.HashPurpose, h.HeadIDNumber),
			pii.MaskName(h.HeadName), pii.MaskIDNumber(h.HeadIDNumber), int32(s.ring.Current()), s.now, s.now)
		if h.coop != nil {
			s.members = append(s.members, membership{h.RegistryNo, h.coop.idx, h.joinedOn})
		}
		return true
	}
	return false
}

func (s *householdSource) Values() ([]any, error) { return s.values, nil }

func (s *householdSource) Err() error { return s.err }

// addMembers records the memberships of newly written households.
func addMembers(ctx context.Context, tx pgx.Tx, coopIDs []int64, ms []membership) error {
	if len(ms) == 0 {
		return nil
	}
	regs := make([]string, len(ms))
	for i, m := range ms {
		regs[i] = m.registryNo
	}
	byReg, err := householdIDs(ctx, tx, regs)
	if err != nil {
		return err
	}
	js := make([]coop.Joining, 0, len(ms))
	for _, m := range ms {
		if id, ok := byReg[m.registryNo]; ok {
			js = append(js, coop.Joining{CooperativeID: ids.ID(coopIDs[m.coop]), HouseholdID: id, JoinedOn: m.joinedOn})
		}
	}
	if err := coop.AddMembersTx(ctx, tx, js); err != nil {
		return fmt.Errorf("demo registry: cooperative members: %w", err)
	}
	return nil
}

// householdIDs maps the registry numbers regs to the ids of their
// households (COPY returns no ids).
func householdIDs(ctx context.Context, tx pgx.Tx, regs []string) (map[string]ids.ID, error) {
	const q = `SELECT registry_no, id FROM households WHERE registry_no = ANY($1)`
	rows, err := tx.Query(ctx, q, regs)
	if err != nil {
		return nil, fmt.Errorf("demo registry: cooperative members: %w", err)
	}
	out := make(map[string]ids.ID, len(regs))
	var reg string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&reg, &id}, func() error { out[reg] = ids.ID(id); return nil }); err != nil {
		return nil, fmt.Errorf("demo registry: cooperative members: %w", err)
	}
	return out, nil
}
