package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/idcheck"
)

// Shape of the demo registry. A county's households fill its base villages
// (2–4 in each of a few townships) up to basePerVillage each on average;
// beyond that every further extChunk × extPerVillage households open extChunk
// new villages, spread round-robin over all of the county's townships, so
// that a large run looks like a registry rather than a few huge villages.
const (
	basePerVillage = 120
	extPerVillage  = 400
	extChunk       = 10
	// Villages are coded township + 201, 202 … (the NBS range of village
	// committees, 村委会), which keeps clear of the 001, 002 … that offices'
	// CreateVillage hands out.
	villageSuffixBase = 200
	maxVillageOrdinal = 799
	// Households whose index in their county is below the county's base
	// capacity may be members of a cooperative; this bounds the members of
	// a cooperative whatever the size of the run.
	joinInTownPct  = 45 // of households in a township with a cooperative
	joinOtherPct   = 15 // of other base households, to a cooperative of the county
	headIsMalePct  = 82
	baselineYear   = 2020
	registryDigits = 6
)

// Birth dates of heads of household: 1940-01-01 up to 1998-12-31.
var (
	birthFirst = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	birthDays  = int(time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC).Sub(birthFirst).Hours() / 24)
	cst        = time.FixedZone("CST", 8*60*60)
)

// buyaTownship is 洛浦县布亚乡, home of the demo cooperative.
const buyaTownship = "653224201"

// RNG streams: household i draws from PCG(seed, i); the plan draws from
// streams above every household index.
const (
	streamPlan = 1 << 62
	streamCoop = streamPlan + 1<<20
)

type townRow struct{ code, name, county string }

type countyRow struct{ code, name string }

// plan is everything the generator needs beyond the seed: counties with
// their townships, base villages and cooperatives.
type plan struct {
	seed        uint64
	counties    []*countyPlan
	cumWeight   []int
	totalWeight int
	coops       []*coopPlan // all, the demo cooperative included
}

type countyPlan struct {
	idx        int
	code, name string
	weight     int
	towns      []townRow // eligible townships (镇 and 乡) by code
	baseCount  []int     // base villages per town (0 for towns outside the base)
	base       []village // base villages in code order
	coopOfTown map[string]*coopPlan
	coops      []*coopPlan
	idA, idB   uint64 // ID-number permutation: x = (idA·j + idB) mod idSpace
}

type village struct{ code, name, town string }

type coopPlan struct {
	idx                           int
	name, creditCode, county      string
	town                          string
	contactName, contactPhone     string
	applied, recommended, approve time.Time
	demo                          bool
}

// idSpace is how many distinct ID numbers a county can give: one per birth
// day and per 500 order numbers of either sex.
var idSpace = uint64(birthDays) * 500

// loadPlan reads the listed-supervision counties and their townships.
func loadPlan(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, seed uint64) (*plan, error) {
	rows, err := q.Query(ctx, `SELECT code, name FROM regions WHERE level = 'county' AND listed_supervision ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("demo registry: counties: %w", err)
	}
	counties, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (countyRow, error) {
		var c countyRow
		return c, r.Scan(&c.code, &c.name)
	})
	if err != nil {
		return nil, fmt.Errorf("demo registry: counties: %w", err)
	}
	codes := make([]string, len(counties))
	for i, c := range counties {
		codes[i] = c.code
	}
	// Towns (镇, 100–199) and townships (乡, 200–399); not urban
	// sub-districts, industrial parks or farms.
	const tq = `SELECT code, name, parent_code FROM regions
		WHERE level = 'township' AND parent_code = ANY($1) AND substr(code, 7, 3) BETWEEN '100' AND '399'
		ORDER BY code`
	rows, err = q.Query(ctx, tq, codes)
	if err != nil {
		return nil, fmt.Errorf("demo registry: townships: %w", err)
	}
	towns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (townRow, error) {
		var t townRow
		return t, r.Scan(&t.code, &t.name, &t.county)
	})
	if err != nil {
		return nil, fmt.Errorf("demo registry: townships: %w", err)
	}
	return newPlan(seed, counties, towns)
}

// newPlan chooses base townships, base villages and cooperatives for every
// county from the seed alone.
func newPlan(seed uint64, counties []countyRow, towns []townRow) (*plan, error) {
	if len(counties) == 0 {
		return nil, fmt.Errorf("demo registry: no listed-supervision counties (run `marketctl migrate up` to load the regions)")
	}
	p := &plan{seed: seed}
	rng := rand.New(rand.NewPCG(seed, streamPlan))
	for _, c := range counties {
		cp := &countyPlan{idx: len(p.counties), code: c.code, name: c.name, coopOfTown: map[string]*coopPlan{}}
		for _, t := range towns {
			if t.county == c.code {
				cp.towns = append(cp.towns, t)
			}
		}
		if len(cp.towns) == 0 {
			return nil, fmt.Errorf("demo registry: county %s has no townships", c.code)
		}
		prof, ok := countyProfiles[c.code]
		if !ok {
			prof = defaultProfile
		}
		cp.weight = prof.weight
		// Base townships: 3 or 4, enough for a township per cooperative; 布亚乡
		// always, for the demo cooperative.
		hasDemo := c.code == CoopCounty && slices.ContainsFunc(cp.towns, func(t townRow) bool { return t.code == buyaTownship })
		need := len(prof.products)
		if hasDemo {
			need++
		}
		nBase := min(max(3+rng.IntN(2), need), len(cp.towns))
		order := rng.Perm(len(cp.towns))
		if hasDemo {
			i := slices.IndexFunc(cp.towns, func(t townRow) bool { return t.code == buyaTownship })
			j := slices.Index(order, i)
			order[0], order[j] = order[j], order[0]
		}
		chosen := order[:nBase]
		cp.baseCount = make([]int, len(cp.towns))
		for _, ti := range chosen {
			cp.baseCount[ti] = 2 + rng.IntN(3)
		}
		for ti, n := range cp.baseCount {
			for ord := 1; ord <= n; ord++ {
				cp.base = append(cp.base, p.village(cp.towns[ti], ord))
			}
		}
		// Cooperatives, one per chosen township: the demo one in 布亚乡.
		crng := rand.New(rand.NewPCG(seed, streamCoop+uint64(cp.idx)))
		k := 0
		for _, ti := range chosen {
			t := cp.towns[ti]
			var cop *coopPlan
			switch {
			case hasDemo && t.code == buyaTownship:
				cop = &coopPlan{name: CoopName, creditCode: CoopCreditCode, county: c.code, demo: true}
			case k < len(prof.products):
				cop = &coopPlan{name: c.name + t.name + prof.products[k], county: c.code}
				cop.creditCode = creditCode(crng, c.code)
				k++
			default:
				continue
			}
			cop.town = t.code
			cop.contactName = personName(crng, true)
			cop.contactPhone = "13" + strconv.Itoa(5+crng.IntN(5)) + fmt.Sprintf("%08d", crng.IntN(100_000_000))
			cop.applied = time.Date(2018, 3, 1, 10, 0, 0, 0, cst).AddDate(0, 0, crng.IntN(200)).Add(time.Duration(crng.IntN(7*60)) * time.Minute)
			cop.recommended = cop.applied.AddDate(0, 0, 7+crng.IntN(24))
			cop.approve = cop.recommended.AddDate(0, 0, 3+crng.IntN(18))
			cop.idx = len(p.coops)
			p.coops = append(p.coops, cop)
			cp.coops = append(cp.coops, cop)
			cp.coopOfTown[t.code] = cop
		}
		// ID numbers: an affine permutation of the county's ID space, so that
		// the j-th household of a county gets a distinct number.
		cp.idA = 1 + crng.Uint64N(idSpace-1)
		for gcd(cp.idA, idSpace) != 1 {
			cp.idA++
		}
		cp.idB = crng.Uint64N(idSpace)
		p.counties = append(p.counties, cp)
		p.totalWeight += cp.weight
		p.cumWeight = append(p.cumWeight, p.totalWeight)
	}
	return p, nil
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// creditCode makes a valid unified social credit code of a farmers'
// cooperative (93 = registered by market regulation, farmers' cooperative)
// registered in county.
func creditCode(rng *rand.Rand, county string) string {
	b := []byte("93" + county + "MA")
	for len(b) < 17 {
		b = append(b, idcheck.CreditCodeAlphabet[rng.IntN(len(idcheck.CreditCodeAlphabet))])
	}
	code, err := idcheck.CompleteCreditCode(string(b))
	if err != nil {
		panic(err) // the alphabet is the code's own
	}
	return code
}

// village is the ord-th (from 1) demo village of township t: code t + (200 +
// ord), a name unique in the township.
func (p *plan) village(t townRow, ord int) village {
	return village{code: t.code + strconv.Itoa(villageSuffixBase+ord), name: p.villageName(t.code, ord), town: t.code}
}

// villageName walks the prefix × root combinations of a township in an order
// of its own (an affine permutation keyed by seed and township), adding an
// ordinal (二, 三 …) once they are used up.
func (p *plan) villageName(town string, ord int) string {
	n := uint64(len(villagePrefixes) * len(villageRoots))
	h := p.seed ^ 0x9E3779B97F4A7C15
	for i := 0; i < len(town); i++ {
		h = (h ^ uint64(town[i])) * 0x100000001B3
	}
	a := 1 + (h>>8)%(n-1)
	for gcd(a, n) != 1 {
		a++
	}
	k := (a*uint64(ord-1) + (h>>40)%n) % n
	round := (ord - 1) / int(n)
	return villagePrefixes[k/uint64(len(villageRoots))] + villageRoots[k%uint64(len(villageRoots))] + ordinals[round%len(ordinals)] + "村"
}

// baseCap is how many of a county's households live in its base villages.
func (c *countyPlan) baseCap() int { return len(c.base) * basePerVillage }

// extVillages is how many extension villages n households of the county
// need.
func (c *countyPlan) extVillages(n int) int {
	over := n - c.baseCap()
	if over <= 0 {
		return 0
	}
	per := extChunk * extPerVillage
	return (over + per - 1) / per * extChunk
}

// maxExt is how many extension villages the county's townships hold.
func (c *countyPlan) maxExt() int {
	m := -1
	for _, b := range c.baseCount {
		if m < 0 || maxVillageOrdinal-b < m {
			m = maxVillageOrdinal - b
		}
	}
	return m * len(c.towns)
}

// extVillage is the county's k-th extension village (from 0), the townships
// taking turns.
func (p *plan) extVillage(c *countyPlan, k int) village {
	ti := k % len(c.towns)
	return p.village(c.towns[ti], c.baseCount[ti]+1+k/len(c.towns))
}

// countyOf draws the county of household i; it is the first draw of the
// household's stream, so counting needs nothing else.
func (p *plan) countyOf(rng *rand.Rand) *countyPlan {
	w := rng.IntN(p.totalWeight)
	i, _ := slices.BinarySearch(p.cumWeight, w+1)
	return p.counties[i]
}

// counts returns how many of n households fall in each county.
func (p *plan) counts(n int) []int {
	out := make([]int, len(p.counties))
	pcg := rand.NewPCG(0, 0)
	rng := rand.New(pcg)
	for i := range n {
		pcg.Seed(p.seed, uint64(i))
		out[p.countyOf(rng).idx]++
	}
	return out
}

// Household is one generated demo household in plain text, as an import
// file would carry it.
type Household struct {
	Index             int // position in the generated sequence, from 0
	RegistryNo        string
	VillageCode       string
	HeadName          string
	HeadIDNumber      string
	Members           int
	Status            string // a household.Status code
	LiftedYear        int    // 0 when none
	BaselineIncomeFen int64
	BaselineYear      int

	county   *countyPlan
	seq      int       // 1-based number in the county
	coop     *coopPlan // cooperative it joins, if any
	joinedOn time.Time
}

// generator yields the demo households in order. Household i depends only on
// the seed, i and the households before it (through the per-county
// counters), so a larger run extends a smaller one.
type generator struct {
	p    *plan
	pcg  *rand.PCG
	rng  *rand.Rand
	next []int // households generated per county
	i    int
}

func (p *plan) generator() *generator {
	pcg := rand.NewPCG(0, 0)
	return &generator{p: p, pcg: pcg, rng: rand.New(pcg), next: make([]int, len(p.counties))}
}

var membersWeights = []int{0, 3, 7, 15, 22, 22, 16, 8, 4, 3} // by members, 1–9

func (g *generator) generate() Household {
	g.pcg.Seed(g.p.seed, uint64(g.i))
	rng := g.rng
	c := g.p.countyOf(rng)
	j := g.next[c.idx]
	g.next[c.idx]++
	h := Household{Index: g.i, county: c, seq: j + 1, BaselineYear: baselineYear}
	g.i++
	h.RegistryNo = c.code + "-" + zeroPad(j+1, registryDigits)
	var v village
	if j < c.baseCap() {
		v = c.base[rng.IntN(len(c.base))]
	} else {
		chunk := (j - c.baseCap()) / (extChunk * extPerVillage)
		v = g.p.extVillage(c, chunk*extChunk+rng.IntN(extChunk))
	}
	h.VillageCode = v.code
	male := rng.IntN(100) < headIsMalePct
	h.HeadName = personName(rng, male)
	h.HeadIDNumber = c.idNumber(j, male)
	h.Members = weighted(rng, membersWeights)

	var lo, span int // per-capita income in yuan: lo + [0, span)
	switch r := rng.IntN(1000); {
	case r < 25:
		h.Status, lo, span = "poor", 2600, 1300
	case r < 65:
		h.Status, lo, span = "monitored_unstable", 4100, 2300
		h.LiftedYear = 2019 + rng.IntN(2)
	case r < 100:
		h.Status, lo, span = "monitored_edge", 4000, 2300
	case r < 125:
		h.Status, lo, span = "monitored_hardship", 2800, 3000
	default:
		h.Status, lo, span = "lifted", 4400, 4600
		h.LiftedYear = []int{2016, 2017, 2018, 2019, 2020}[weighted(rng, []int{6, 10, 14, 32, 38})]
	}
	yuan := lo + rng.IntN(span/2+1) + rng.IntN(span/2) // triangular over [lo, lo+span)
	h.BaselineIncomeFen = int64(yuan)*100 + int64(rng.IntN(10))*10

	if j < c.baseCap() && len(c.coops) > 0 {
		r := rng.IntN(100)
		if cop := c.coopOfTown[v.town]; cop != nil {
			if r < joinInTownPct {
				h.coop = cop
			}
		} else if r < joinOtherPct {
			h.coop = c.coops[rng.IntN(len(c.coops))]
		}
		if h.coop != nil {
			h.joinedOn = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(731))
		}
	}
	return h
}

// idNumber is the ID number of the county's j-th head of household: the
// county's code, a birth date and order number from a permutation of the
// county's ID space (odd order numbers for men, even for women), and the
// check character.
func (c *countyPlan) idNumber(j int, male bool) string {
	x := (c.idA*(uint64(j)%idSpace) + c.idB) % idSpace
	birth := birthFirst.AddDate(0, 0, int(x/500))
	order := 2 * (x % 500)
	if male {
		order++
	}
	s, err := idcheck.CompleteIDNumber(c.code + birth.Format("20060102") + zeroPad(int(order), 3))
	if err != nil {
		panic(err) // 17 digits by construction
	}
	return s
}

func personName(rng *rand.Rand, male bool) string {
	var given string
	if male {
		given = maleNames[rng.IntN(len(maleNames))]
	} else {
		given = femaleNames[rng.IntN(len(femaleNames))]
	}
	father := maleNames[rng.IntN(len(maleNames))]
	for father == given {
		father = maleNames[rng.IntN(len(maleNames))]
	}
	return given + "·" + father
}

func weighted(rng *rand.Rand, w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	r := rng.IntN(total)
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

func zeroPad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
