package attribution

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestApportionExamples(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		weights []int64
		want    []int64
	}{
		{"even", 100, []int64{1, 1}, []int64{50, 50}},
		{"tie goes to the earlier", 100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{"largest remainder", 10, []int64{3, 3, 4}, []int64{3, 3, 4}},
		{"remainders decide", 7, []int64{2, 5, 3}, []int64{1, 4, 2}},
		{"zero total", 0, []int64{2, 5}, []int64{0, 0}},
		{"zero weight gets nothing", 9, []int64{0, 3}, []int64{0, 9}},
		{"huge numbers do not overflow", 9_000_000_000_000, []int64{3_000_000_000, 6_000_000_000}, []int64{3_000_000_000_000, 6_000_000_000_000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Apportion(tc.total, tc.weights); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Apportion(%d, %v) = %v, want %v", tc.total, tc.weights, got, tc.want)
			}
		})
	}
}

func TestAttributeWorkedExample(t *testing.T) {
	// A line of 3 boxes of 2.5 kg (7.5 kg, held as 7500 thousandths) for
	// ¥99.00, served by two lots: 5 kg from a per-unit lot at ¥10.00/kg,
	// 2.5 kg from a 30% revenue-share lot.
	allocs := []Allocation{
		{LotID: 1, Units: 5000, Rule: Rule{Kind: PerUnit, FenPerUnit: 1000},
			Contributions: []Contribution{{HouseholdID: 20, Quantity: 100}, {HouseholdID: 10, Quantity: 200}}},
		{LotID: 2, Units: 2500, Rule: Rule{Kind: RevenueShare, BPS: 3000},
			Contributions: []Contribution{{HouseholdID: 30, Quantity: 1}, {HouseholdID: 40, Quantity: 1}, {HouseholdID: 50, Quantity: 1}}},
	}
	got := Attribute(9900, allocs)
	// R = 6600, 3300. P1 = 5000 split 200:100 → 3333.33 and 1666.67: the
	// larger remainder (household 20) gets the odd fen.
	// P2 = ⌊3300 × 0.3⌋ = 990 → 330 each.
	want := []Share{{1, 10, 3333}, {1, 20, 1667}, {2, 30, 330}, {2, 40, 330}, {2, 50, 330}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func randomAllocs(r *rand.Rand) []Allocation {
	n := 1 + r.IntN(4)
	allocs := make([]Allocation, n)
	hh := int64(1)
	for i := range allocs {
		a := Allocation{LotID: int64(i + 1), Units: 1 + r.Int64N(5000)}
		if r.IntN(2) == 0 {
			a.Rule = Rule{Kind: PerUnit, FenPerUnit: r.Int64N(300)}
		} else {
			a.Rule = Rule{Kind: RevenueShare, BPS: r.Int64N(10001)}
		}
		for j := 0; j < 1+r.IntN(6); j++ {
			hh += 1 + r.Int64N(3)
			a.Contributions = append(a.Contributions, Contribution{HouseholdID: hh, Quantity: 1 + r.Int64N(1000)})
		}
		r.Shuffle(len(a.Contributions), func(x, y int) { a.Contributions[x], a.Contributions[y] = a.Contributions[y], a.Contributions[x] })
		allocs[i] = a
	}
	return allocs
}

func TestAttributeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(2020, 1114))
	for iter := 0; iter < 3000; iter++ {
		allocs := randomAllocs(r)
		net := r.Int64N(10_000_000)
		shares := Attribute(net, allocs)
		if again := Attribute(net, allocs); !reflect.DeepEqual(shares, again) {
			t.Fatalf("not deterministic")
		}
		var units int64
		for _, a := range allocs {
			units += a.Units
		}
		revenue := Apportion(net, func() []int64 {
			w := make([]int64, len(allocs))
			for i, a := range allocs {
				w[i] = a.Units
			}
			return w
		}())
		var sumR int64
		for _, x := range revenue {
			sumR += x
		}
		if sumR != net {
			t.Fatalf("revenue split sums to %d, want %d", sumR, net)
		}
		for i, a := range allocs {
			var p int64
			if a.Rule.Kind == PerUnit {
				p = a.Units * a.Rule.FenPerUnit / UnitScale
			} else {
				p = revenue[i] * a.Rule.BPS / 10000
			}
			var lotQty, got int64
			for _, c := range a.Contributions {
				lotQty += c.Quantity
			}
			for _, s := range shares {
				if s.LotID != a.LotID {
					continue
				}
				got += s.AmountFen
				var q int64
				for _, c := range a.Contributions {
					if c.HouseholdID == s.HouseholdID {
						q = c.Quantity
					}
				}
				// Within one fen of proportional: |share×Q − P×q| < Q.
				if d := s.AmountFen*lotQty - p*q; d <= -lotQty || d >= lotQty {
					t.Fatalf("iter %d: household %d gets %d of %d, proportional %d/%d", iter, s.HouseholdID, s.AmountFen, p, p*q, lotQty)
				}
			}
			if got != p {
				t.Fatalf("iter %d: lot %d shares sum to %d, want %d", iter, a.LotID, got, p)
			}
		}
	}
}

// TestRefundSequences applies random partial refunds the way the order
// service does and checks I1 (ledger = attribution of what is kept) and I2
// (no negative household net) after each, and zero after a full refund.
func TestRefundSequences(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 20))
	for iter := 0; iter < 1000; iter++ {
		allocs := randomAllocs(r)
		baseQty := int64(1 + r.IntN(5))
		for i := range allocs {
			allocs[i].Units = baseQty * (1 + r.Int64N(20))
		}
		var totalUnits int64
		for _, a := range allocs {
			totalUnits += a.Units
		}
		quantity := totalUnits / baseQty
		amount := quantity * (100 + r.Int64N(10000))
		ledger := Attribute(amount, allocs) // the sale entries
		keptQty, keptAmount := quantity, amount
		for keptQty > 0 || keptAmount > 0 {
			rq := r.Int64N(keptQty + 1)
			ra := r.Int64N(keptAmount + 1)
			if r.IntN(4) == 0 { // sometimes refund everything left
				rq, ra = keptQty, keptAmount
			}
			keptQty, keptAmount = keptQty-rq, keptAmount-ra
			want := Attribute(keptAmount, Keep(allocs, (quantity-keptQty)*baseQty))
			ledger = append(ledger, Difference(want, ledger)...)
			net := Difference(ledger, nil)
			if !reflect.DeepEqual(net, Difference(want, nil)) {
				t.Fatalf("iter %d: I1 broken:\nnet  %v\nwant %v", iter, net, want)
			}
			for _, s := range net {
				if s.AmountFen < 0 {
					t.Fatalf("iter %d: I2 broken: household %d nets %d", iter, s.HouseholdID, s.AmountFen)
				}
			}
		}
		if rest := Difference(ledger, nil); len(rest) != 0 {
			t.Fatalf("iter %d: a full refund leaves %v", iter, rest)
		}
	}
}
