package income

import (
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/fupinmarket/market/internal/platform/ids"
)

// TestSplitSumsToTheTotal is the property of every dividend split, for any
// basis (shares or assets in fen are both just weights): the parts sum to
// the total to the fen, each part is its exact proportional share rounded
// down or up by one fen, and the split does not depend on the order the
// households come in.
func TestSplitSumsToTheTotal(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 832))
	for i := range 2000 {
		n := 1 + r.IntN(40)
		parts := make([]Part, n)
		seen := map[ids.ID]bool{}
		for j := range parts {
			id := ids.ID(1 + r.Int64N(100000))
			for seen[id] {
				id++
			}
			seen[id] = true
			var w int64
			switch i % 3 {
			case 0: // shares
				w = 1 + r.Int64N(1000)
			case 1: // assets in fen, large
				w = 1 + r.Int64N(100_000_000_000)
			default: // many equal weights: ties everywhere
				w = 1 + r.Int64N(3)
			}
			parts[j] = Part{HouseholdID: id, Weight: w}
		}
		total := 1 + r.Int64N(10_000_000_000)
		got := Split(total, parts)
		var sum, weights int64
		for _, p := range got {
			sum += p.AmountFen
			weights += p.Weight
		}
		if sum != total {
			t.Fatalf("case %d: parts sum to %d, total %d", i, sum, total)
		}
		for _, p := range got {
			exact := new(big.Int).Mul(big.NewInt(total), big.NewInt(p.Weight))
			floor := new(big.Int).Div(exact, big.NewInt(weights)).Int64()
			if p.AmountFen != floor && p.AmountFen != floor+1 {
				t.Fatalf("case %d: household %d gets %d, its share is %d…%d", i, p.HouseholdID, p.AmountFen, floor, floor+1)
			}
		}
		shuffled := append([]Part(nil), parts...)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		if again := Split(total, shuffled); !reflect.DeepEqual(again, got) {
			t.Fatalf("case %d: the split depends on the order of the households", i)
		}
	}
}

// TestSplitTiesGoToTheLowerHousehold: equal remainders give the leftover
// fen to the lower household id, as sales do.
func TestSplitTiesGoToTheLowerHousehold(t *testing.T) {
	got := Split(100, []Part{{HouseholdID: 30, Weight: 1}, {HouseholdID: 10, Weight: 1}, {HouseholdID: 20, Weight: 1}})
	want := []Part{{HouseholdID: 10, Weight: 1, AmountFen: 34}, {HouseholdID: 20, Weight: 1, AmountFen: 33}, {HouseholdID: 30, Weight: 1, AmountFen: 33}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	got = Split(10, []Part{{HouseholdID: 2, Weight: 3}, {HouseholdID: 1, Weight: 3}, {HouseholdID: 3, Weight: 4}})
	if got[0].AmountFen != 3 || got[1].AmountFen != 3 || got[2].AmountFen != 4 {
		t.Fatalf("largest remainder: %v", got)
	}
}
