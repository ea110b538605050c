// Package attribution turns paid order lines into income of registered
// households, exactly as docs/DOMAIN.md's normative rules say, and keeps the
// append-only ledger of it.
package attribution

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

// RuleKind says how a lot's income reaches its households.
type RuleKind string

const (
	// PerUnit: a fixed purchase price (收购价) in fen per base unit sold.
	PerUnit RuleKind = "per_unit"
	// RevenueShare: basis points of the net sale amount.
	RevenueShare RuleKind = "revenue_share"
)

// Rule is a lot's income rule (收益规则): the one definition the catalog
// stores with each lot and the split applies.
type Rule struct {
	Kind       RuleKind `json:"kind"`
	FenPerUnit int64    `json:"fen_per_unit,omitempty"`
	BPS        int64    `json:"bps,omitempty"`
}

// MaxFenPerUnit bounds a purchase price (¥1,000,000 per base unit, as a
// variant's price is bounded).
const MaxFenPerUnit = 100_000_000

// Check reports what is wrong with the rule to add, keyed by the field of
// the lot's income_rule ("fen_per_unit", "bps", "kind").
func (r Rule) Check(add func(field, reason string)) {
	switch r.Kind {
	case PerUnit:
		if r.FenPerUnit <= 0 || r.FenPerUnit > MaxFenPerUnit {
			add("fen_per_unit", "must be a positive amount in fen")
		}
		if r.BPS != 0 {
			add("bps", "is only for revenue_share")
		}
	case RevenueShare:
		if r.BPS < 1 || r.BPS > 10000 {
			add("bps", "must be 1 to 10000 basis points")
		}
		if r.FenPerUnit != 0 {
			add("fen_per_unit", "is only for per_unit")
		}
	case "":
		add("kind", "required")
	default:
		add("kind", "must be per_unit or revenue_share")
	}
}

// Percent is a revenue share in percent: 3000 bps → "30", 1250 → "12.5".
func (r Rule) Percent() string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%d.%02d", r.BPS/100, r.BPS%100), "0"), ".")
}

// Contribution is one household's share of a lot (any consistent unit).
type Contribution struct {
	HouseholdID int64
	Quantity    int64
}

// UnitScale is how many Units make one base unit: quantities are held as
// thousandths (2.5 kg is 2500), exactly as numeric(14,3) stores them.
const UnitScale = 1000

// Allocation is the part of an order line served from one lot, in
// thousandths of a base unit.
type Allocation struct {
	LotID         int64
	Units         int64
	Rule          Rule
	Contributions []Contribution
}

// Share is the amount one household earns from one lot on one line.
type Share struct {
	LotID       int64
	HouseholdID int64
	AmountFen   int64
}

// Attribute applies the attribution rule to a line with net amount netFen
// served by allocs (in allocation order). The shares are ordered by
// allocation, then household id, and omit zero amounts.
//  1. Split netFen over the allocations in proportion to their units
//     (largest remainder, ties to the earlier allocation): R.
//  2. Attributable amount P: per_unit → ⌊units × fen_per_unit⌋ (units in
//     base units; a fraction of a fen is not attributed);
//     revenue_share → ⌊R × bps / 10000⌋.
//  3. Split P over the lot's contributions in proportion to quantity
//     (largest remainder, ties to the lower household id).
func Attribute(netFen int64, allocs []Allocation) []Share {
	weights := make([]int64, len(allocs))
	for i, a := range allocs {
		weights[i] = a.Units
	}
	revenue := Apportion(netFen, weights)
	var out []Share
	for i, a := range allocs {
		var p int64
		switch a.Rule.Kind {
		case PerUnit:
			p = mulDiv(a.Units, a.Rule.FenPerUnit, UnitScale)
		case RevenueShare:
			p = mulDiv(revenue[i], a.Rule.BPS, 10000)
		}
		contribs := append([]Contribution(nil), a.Contributions...)
		sort.SliceStable(contribs, func(x, y int) bool { return contribs[x].HouseholdID < contribs[y].HouseholdID })
		qty := make([]int64, len(contribs))
		for j, c := range contribs {
			qty[j] = c.Quantity
		}
		for j, amount := range Apportion(p, qty) {
			if amount != 0 {
				out = append(out, Share{LotID: a.LotID, HouseholdID: contribs[j].HouseholdID, AmountFen: amount})
			}
		}
	}
	return out
}

// Apportion splits total (≥ 0) in proportion to weights (≥ 0) by the
// largest-remainder method; ties go to the earlier weight. The parts sum to
// total exactly; with all weights zero everything is zero (total must then be
// zero too, or it goes to the first part so that nothing is lost).
func Apportion(total int64, weights []int64) []int64 {
	parts := make([]int64, len(weights))
	if len(weights) == 0 {
		return parts
	}
	var sum int64
	for _, w := range weights {
		sum += w
	}
	if sum == 0 {
		parts[0] = total
		return parts
	}
	rems := make([]int64, len(weights))
	var given int64
	for i, w := range weights {
		parts[i], rems[i] = mulDivRem(total, w, sum)
		given += parts[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rems[order[a]] > rems[order[b]] })
	for k := int64(0); k < total-given; k++ {
		parts[order[k]]++
	}
	return parts
}

// mulDivRem returns ⌊a×b/c⌋ and (a×b) mod c with a 128-bit intermediate, for
// non-negative a, b and positive c with a quotient that fits in int64.
func mulDivRem(a, b, c int64) (int64, int64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, r := bits.Div64(hi, lo, uint64(c))
	return int64(q), int64(r)
}

func mulDiv(a, b, c int64) int64 {
	q, _ := mulDivRem(a, b, c)
	return q
}

// Keep returns the allocations the buyer keeps after returning
// refundedUnits base units, taken back from the last allocation first.
func Keep(allocs []Allocation, refundedUnits int64) []Allocation {
	kept := make([]Allocation, len(allocs))
	copy(kept, allocs)
	for i := len(kept) - 1; i >= 0 && refundedUnits > 0; i-- {
		take := min(kept[i].Units, refundedUnits)
		kept[i].Units -= take
		refundedUnits -= take
	}
	return kept
}

// Difference returns, per (lot, household), want − have: the entries to
// append so that the ledger's sum equals want. Zero differences are omitted;
// the result is ordered by lot then household.
func Difference(want, have []Share) []Share {
	type key struct{ lot, hh int64 }
	sum := map[key]int64{}
	for _, s := range want {
		sum[key{s.LotID, s.HouseholdID}] += s.AmountFen
	}
	for _, s := range have {
		sum[key{s.LotID, s.HouseholdID}] -= s.AmountFen
	}
	var out []Share
	for k, v := range sum {
		if v != 0 {
			out = append(out, Share{LotID: k.lot, HouseholdID: k.hh, AmountFen: v})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].LotID != out[j].LotID {
			return out[i].LotID < out[j].LotID
		}
		return out[i].HouseholdID < out[j].HouseholdID
	})
	return out
}
