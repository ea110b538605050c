package ledger_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/ledger"
	"github.com/fupinmarket/market/internal/platform/clock"
)

// TestLeafBytes pins the canonical bytes of docs/LEDGER.md's three
// examples (a sale, a wage without order, line and lot, and a refund),
// which were written out from the documented format by a separate encoder.
func TestLeafBytes(t *testing.T) {
	p := func(v int64) *int64 { return &v }
	village := "653224100001"
	at := clock.Clock{}.In(time.Date(2026, 11, 28, 2, 30, 0, 123456000, time.UTC)) // 10:30 in Beijing: the zone does not matter
	cases := []struct {
		name  string
		entry ledger.Entry
		leaf  string
		hash  string
	}{
		{"sale", ledger.Entry{ID: 1234, HouseholdID: p(56), OrderID: p(78), LineID: p(90), LotID: p(12), CooperativeID: p(3),
			VillageCode: &village, AmountFen: 1990, Kind: "sale", IncomeType: "operating", At: at},
			"0100000000000004d201000000000000003801000000000000004e01000000000000005a01000000000000000c010000000000000003010000000c36353332323431303030303100000000000007c60000000473616c65000000096f7065726174696e670000000006614cf40c5c40",
			"d12f0a90386a0d9fcae92a8dc583837d36df8164ccc742e8f3641ca973760206"},
		{"wage", ledger.Entry{ID: 1235, HouseholdID: p(56), CooperativeID: p(3), VillageCode: &village, AmountFen: 20000,
			Kind: "wage", IncomeType: "wage", WageID: p(41), At: at},
			"0100000000000004d3010000000000000038000000010000000000000003010000000c3635333232343130303030310000000000004e200000000477616765000000047761676500010000000000000029000006614cf40c5c40",
			"28ba34b2c21aa4dbb8f965a5045af9f54e8e2e2cef11565fbbc0584aa0b58075"},
		{"refund", ledger.Entry{ID: 1236, HouseholdID: p(56), OrderID: p(78), LineID: p(90), LotID: p(12), CooperativeID: p(3),
			VillageCode: &village, AmountFen: -995, Kind: "refund", IncomeType: "operating", RefundID: p(7), At: at.UTC()},
			"0100000000000004d401000000000000003801000000000000004e01000000000000005a01000000000000000c010000000000000003010000000c363533323234313030303031fffffffffffffc1d00000006726566756e64000000096f7065726174696e6701000000000000000700000006614cf40c5c40",
			"bbeca51ae53f4849287a4697c71282bd1d86a365e44fd4480b553352e08c3abc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			leaf := c.entry.Leaf()
			if got := hex.EncodeToString(leaf); got != c.leaf {
				t.Fatalf("leaf\n%s, want\n%s", got, c.leaf)
			}
			if got := ledger.LeafHash(leaf).String(); got != c.hash {
				t.Fatalf("leaf hash %s, want %s", got, c.hash)
			}
		})
	}
}

// TestDocumentedExample pins docs/LEDGER.md's worked example: the tree of
// the three leaves above, a proof in it, and the hash of a first seal of it.
func TestDocumentedExample(t *testing.T) {
	var leaves []ledger.Hash
	for _, s := range []string{"d12f0a90386a0d9fcae92a8dc583837d36df8164ccc742e8f3641ca973760206",
		"28ba34b2c21aa4dbb8f965a5045af9f54e8e2e2cef11565fbbc0584aa0b58075",
		"bbeca51ae53f4849287a4697c71282bd1d86a365e44fd4480b553352e08c3abc"} {
		var h ledger.Hash
		if err := h.UnmarshalText([]byte(s)); err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, h)
	}
	root := ledger.Root(leaves)
	if root.String() != "a46c7b09f96751fd6e25aa3d2836244126f54f7ddbceed42b17b025beb30e847" {
		t.Fatalf("root %s", root)
	}
	path := ledger.Paths(leaves, []int{2})[2]
	if len(path) != 1 || path[0].String() != "7898e0c47ca64676deb4fd804ccb74f11316433aae497175534859a1c3b8c9ac" {
		t.Fatalf("path of leaf 2: %v", path)
	}
	seal := ledger.Seal{Seq: 1, FirstEntryID: 1234, LastEntryID: 1236, Entries: 3, Root: root}
	if got := hex.EncodeToString(seal.Bytes()); got != "02000000000000000100000000000004d200000000000004d40000000000000003"+
		root.String()+"0000000000000000000000000000000000000000000000000000000000000000" {
		t.Fatalf("seal bytes %s", got)
	}
	if got := seal.Hash().String(); got != "82f8025e717d5571c66a4589ccc690ab8e0b8764a46b7175b8f81ddf6996bc80" {
		t.Fatalf("seal hash %s", got)
	}
}
