// Package ledger seals the attribution ledger (attribution_entries) so that
// anyone can check it, as Certificate Transparency does (RFC 9162): the
// entries, in id order and without a gap, are sealed in batches into Merkle
// trees whose leaves are the entries' canonical bytes; each seal records the
// hash of the one before. It owns ledger_seals and only reads the entries.
// docs/LEDGER.md fixes the byte formats and says what the seals prove.
package ledger

import (
	"encoding/binary"
	"encoding/hex"
	"time"
)

// LeafVersion is the first byte of a leaf in the format below. A change of
// the entries' columns that matters to a receipt needs a new version (and
// the entries sealed before it keep theirs).
const LeafVersion = 1

// Entry is a ledger entry as it is sealed: every column of
// attribution_entries. The ids some kinds of entry lack (a wage or a
// dividend has no order, line or lot; only refunds name a refund, only
// wages a wage, only dividends a dividend) are nil.
type Entry struct {
	ID            int64
	HouseholdID   *int64
	OrderID       *int64
	LineID        *int64
	LotID         *int64
	CooperativeID *int64
	VillageCode   *string
	AmountFen     int64
	Kind          string
	IncomeType    string
	RefundID      *int64
	WageID        *int64
	DividendID    *int64
	At            time.Time
}

// entryColumns selects an Entry's columns in its fields' order.
const entryColumns = `e.id, e.household_id, e.order_id, e.line_id, e.lot_id, e.cooperative_id, e.village_code,
	e.amount_fen, e.kind::text, e.income_type::text, e.refund_id, e.wage_id, e.dividend_id, e.at`

// Leaf is the entry's canonical bytes (docs/LEDGER.md, "Leaf"):
//
//	version 0x01
//	id                    int64
//	household_id          optional int64
//	order_id              optional int64
//	line_id               optional int64
//	lot_id                optional int64
//	cooperative_id        optional int64
//	village_code          optional text
//	amount_fen            int64
//	kind                  text
//	income_type           text
//	refund_id             optional int64
//	wage_id               optional int64
//	dividend_id           optional int64
//	at                    int64, microseconds since 1970-01-01 00:00 UTC
//
// Integers are 8 bytes, big-endian, two's complement. Text is its UTF-8
// bytes after their length as a 4-byte big-endian unsigned integer. An
// optional field is one byte, 0x00 when it is NULL (nothing follows) or
// 0x01 followed by the value.
func (e Entry) Leaf() []byte {
	b := make([]byte, 0, 128)
	b = append(b, LeafVersion)
	b = appendInt(b, e.ID)
	for _, id := range []*int64{e.HouseholdID, e.OrderID, e.LineID, e.LotID, e.CooperativeID} {
		b = appendOptInt(b, id)
	}
	if e.VillageCode == nil {
		b = append(b, 0)
	} else {
		b = appendText(append(b, 1), *e.VillageCode)
	}
	b = appendInt(b, e.AmountFen)
	b = appendText(b, e.Kind)
	b = appendText(b, e.IncomeType)
	for _, id := range []*int64{e.RefundID, e.WageID, e.DividendID} {
		b = appendOptInt(b, id)
	}
	return appendInt(b, e.At.UnixMicro())
}

func appendInt(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

func appendOptInt(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, 0)
	}
	return appendInt(append(b, 1), *v)
}

func appendText(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Bytes travel as lowercase hex in JSON.
type Bytes []byte

// MarshalText writes the bytes as hex.
func (b Bytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(b)), nil }
