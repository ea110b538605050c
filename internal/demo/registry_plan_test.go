package demo

import (
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/idcheck"
)

// referencePlan builds the plan from the region files the database is
// seeded with, without a database.
func referencePlan(t *testing.T, seed uint64) *plan {
	t.Helper()
	read := func(name string) [][]string {
		f, err := os.Open("../region/data/" + name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs[1:]
	}
	var counties []countyRow
	names := map[string]string{}
	var towns []townRow
	for _, r := range read("xinjiang_regions.csv") {
		code, name, level, parent := r[0], r[1], r[2], strings.TrimSpace(r[3])
		names[code] = name
		if level == "township" && code[6:9] >= "100" && code[6:9] <= "399" {
			towns = append(towns, townRow{code, name, parent})
		}
	}
	for _, r := range read("xinjiang_2020_campaign.csv") {
		if strings.TrimSpace(r[4]) == "true" {
			counties = append(counties, countyRow{r[0], names[r[0]]})
		}
	}
	slices.SortFunc(counties, func(a, b countyRow) int { return strings.Compare(a.code, b.code) })
	slices.SortFunc(towns, func(a, b townRow) int { return strings.Compare(a.code, b.code) })
	p, err := newPlan(seed, counties, towns)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGeneratorAtScale(t *testing.T) {
	const n = 300_000
	p := referencePlan(t, DefaultSeed)
	if len(p.counties) != 10 || len(p.coops) < 21 {
		t.Fatalf("%d counties, %d cooperatives", len(p.counties), len(p.coops))
	}
	counts := p.counts(n)
	villages := map[string]string{} // code → township
	villageNames := map[string]bool{}
	for i, c := range p.counties {
		ext := c.extVillages(counts[i])
		if ext == 0 {
			t.Errorf("county %s: %d households need no extension village", c.code, counts[i])
		}
		all := slices.Clone(c.base)
		for k := range ext {
			all = append(all, p.extVillage(c, k))
		}
		for _, v := range all {
			if _, dup := villages[v.code]; dup {
				t.Fatalf("village %s twice", v.code)
			}
			villages[v.code] = v.town
			if key := v.town + v.name; villageNames[key] {
				t.Fatalf("township %s has two villages named %s", v.town, v.name)
			} else {
				villageNames[key] = true
			}
			if !strings.HasPrefix(v.code, v.town) || len(v.code) != 12 || v.code[9:] <= "200" {
				t.Fatalf("village code %s under %s", v.code, v.town)
			}
		}
	}
	female := map[string]bool{}
	for _, f := range femaleNames {
		female[f] = true
	}
	idNumbers := make(map[string]struct{}, n)
	perVillage := map[string]int{}
	perCoop := map[int]int{}
	tally := make([]int, len(p.counties))
	g := p.generator()
	for i := range n {
		h := g.generate()
		if h.Index != i {
			t.Fatalf("index %d at %d", h.Index, i)
		}
		tally[h.county.idx]++
		if err := idcheck.ValidIDNumber(h.HeadIDNumber); err != nil {
			t.Fatalf("%s: %v", h.RegistryNo, err)
		}
		if _, dup := idNumbers[h.HeadIDNumber]; dup {
			t.Fatalf("%s: ID number repeated", h.RegistryNo)
		}
		idNumbers[h.HeadIDNumber] = struct{}{}
		given, _, _ := strings.Cut(h.HeadName, "·")
		if odd := (h.HeadIDNumber[16]-'0')%2 == 1; odd == female[given] {
			t.Fatalf("%s: %s with order number %s", h.RegistryNo, given, h.HeadIDNumber[14:17])
		}
		if h.HeadIDNumber[:6] != h.county.code || h.VillageCode[:6] != h.county.code || h.RegistryNo[:6] != h.county.code {
			t.Fatalf("%+v spans counties", h)
		}
		if _, ok := villages[h.VillageCode]; !ok {
			t.Fatalf("%s in unplanned village %s", h.RegistryNo, h.VillageCode)
		}
		perVillage[h.VillageCode]++
		if h.coop != nil {
			if h.coop.county != h.county.code {
				t.Fatalf("%s joins a cooperative of %s", h.RegistryNo, h.coop.county)
			}
			perCoop[h.coop.idx]++
		}
	}
	if !slices.Equal(tally, counts) {
		t.Fatalf("counts %v, generated %v", counts, tally)
	}
	for code, k := range perVillage {
		if k > 3*extPerVillage/2 {
			t.Errorf("village %s holds %d households", code, k)
		}
	}
	t.Logf("%d households in %d villages", n, len(perVillage))
	for _, c := range p.coops {
		if perCoop[c.idx] == 0 || perCoop[c.idx] > p.counties[slices.IndexFunc(p.counties, func(x *countyPlan) bool { return x.code == c.county })].baseCap() {
			t.Errorf("%s: %d members", c.name, perCoop[c.idx])
		}
	}
	// A smaller run is a prefix of a larger one.
	small, large := p.generator(), p.generator()
	for range 1000 {
		if a, b := small.generate(), large.generate(); a != b {
			t.Fatalf("%+v != %+v", a, b)
		}
	}
}

func TestMaxHouseholdsFit(t *testing.T) {
	p := referencePlan(t, DefaultSeed)
	for i, n := range p.counts(MaxHouseholds) {
		c := p.counties[i]
		if n >= 1_000_000 || uint64(n) >= idSpace || c.extVillages(n) > c.maxExt() {
			t.Errorf("county %s cannot hold %d households", c.code, n)
		}
	}
}

func TestCreditCodesAndVillageNames(t *testing.T) {
	p := referencePlan(t, 99)
	seen := map[string]bool{}
	for _, c := range p.coops {
		if err := idcheck.ValidCreditCode(c.creditCode); err != nil || seen[c.creditCode] {
			t.Errorf("%s: %s %v", c.name, c.creditCode, err)
		}
		seen[c.creditCode] = true
	}
	names := map[string]bool{}
	for ord := 1; ord <= maxVillageOrdinal; ord++ {
		n := p.villageName("653224201", ord)
		if names[n] || !strings.HasSuffix(n, "村") {
			t.Fatalf("ordinal %d: %s", ord, n)
		}
		names[n] = true
	}
}
