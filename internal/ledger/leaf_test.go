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
			"0100000000000004d201000000000000003801000000000000004e01000000000000005a01000000000000000c010000000000000003010000000c36353332323431303030303100000000000007c60000000473616c65000000096f7065726174696e67000006614cf40c5c40",
			"d06bc52c17084cdab41ba06b8547b4ccbd97c936715c8f83a05ca9194a281da9"},
		{"wage", ledger.Entry{ID: 1235, HouseholdID: p(56), CooperativeID: p(3), VillageCode: &village, AmountFen: 20000,
			Kind: "wage", IncomeType: "wage", At: at},
			"0100000000000004d3010000000000000038000000010000000000000003010000000c3635333232343130303030310000000000004e2000000004776167650000000477616765000006614cf40c5c40",
			"99c2504aed36ce9b6077c18f14e2db7de23e42209cbec71977b4023bf3ffe1f4"},
		{"refund", ledger.Entry{ID: 1236, HouseholdID: p(56), OrderID: p(78), LineID: p(90), LotID: p(12), CooperativeID: p(3),
			VillageCode: &village, AmountFen: -995, Kind: "refund", IncomeType: "operating", RefundID: p(7), At: at.UTC()},
			"0100000000000004d401000000000000003801000000000000004e01000000000000005a01000000000000000c010000000000000003010000000c363533323234313030303031fffffffffffffc1d00000006726566756e64000000096f7065726174696e670100000000000000070006614cf40c5c40",
			"5bd0396951a8fc2a9b942f09aa0950d8b9b80a83309d05096afa01a30e4ae909"},
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
	for _, s := range []string{"d06bc52c17084cdab41ba06b8547b4ccbd97c936715c8f83a05ca9194a281da9",
		"99c2504aed36ce9b6077c18f14e2db7de23e42209cbec71977b4023bf3ffe1f4",
		"5bd0396951a8fc2a9b942f09aa0950d8b9b80a83309d05096afa01a30e4ae909"} {
		var h ledger.Hash
		if err := h.UnmarshalText([]byte(s)); err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, h)
	}
	root := ledger.Root(leaves)
	if root.String() != "68122039fc412b4a4b0067c946ad7fd851845a46199d233ff77cab7268a0592e" {
		t.Fatalf("root %s", root)
	}
	path := ledger.Paths(leaves, []int{2})[2]
	if len(path) != 1 || path[0].String() != "990fda543a034261b478f685e0e48468aeda8d2f4fe9e5a69241a0c966c5624f" {
		t.Fatalf("path of leaf 2: %v", path)
	}
	seal := ledger.Seal{Seq: 1, FirstEntryID: 1234, LastEntryID: 1236, Entries: 3, Root: root}
	if got := hex.EncodeToString(seal.Bytes()); got != "02000000000000000100000000000004d200000000000004d40000000000000003"+
		root.String()+"0000000000000000000000000000000000000000000000000000000000000000" {
		t.Fatalf("seal bytes %s", got)
	}
	if got := seal.Hash().String(); got != "bad26a853d833061e5bf4c13532021f272dca4ea038d7e22fb22a8ccb0493e7f" {
		t.Fatalf("seal hash %s", got)
	}
}
