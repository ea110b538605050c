package catalog

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
)

// Qty is a quantity in a product's base unit with three decimals, held
// exactly as thousandths (2.5 kg is Qty(2500)). It travels in JSON as a
// number (2.5) and in SQL as numeric(14,3). No float ever holds one.
type Qty int64

// QtyScale is the number of Qty steps in one base unit.
const QtyScale = 1000

// MaxQty bounds every quantity (numeric(14,3) holds 11 integer digits).
const MaxQty = Qty(99_999_999_999_999)

// Units returns q for n whole base units.
func Units(n int64) Qty { return Qty(n * QtyScale) }

// String formats q without trailing zeros: 2500 → "2.5", 3000 → "3".
func (q Qty) String() string {
	sign := ""
	v := int64(q)
	if v < 0 {
		sign, v = "-", -v
	}
	whole, frac := v/QtyScale, v%QtyScale
	if frac == 0 {
		return sign + strconv.FormatInt(whole, 10)
	}
	f := strings.TrimRight(fmt.Sprintf("%03d", frac), "0")
	return sign + strconv.FormatInt(whole, 10) + "." + f
}

// ParseQty reads a decimal with at most three decimals ("2.5", "120").
func ParseQty(s string) (Qty, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty quantity")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, fmt.Errorf("not a number")
	}
	if hasDot && frac == "" {
		return 0, fmt.Errorf("not a number")
	}
	if len(frac) > 3 {
		// Allow trailing zeros beyond the third decimal (1.2500).
		if strings.Trim(frac[3:], "0") != "" {
			return 0, fmt.Errorf("at most three decimals")
		}
		frac = frac[:3]
	}
	if strings.Trim(whole+frac, "0123456789") != "" {
		return 0, fmt.Errorf("not a number")
	}
	if len(strings.TrimLeft(whole, "0")) > 11 {
		return 0, fmt.Errorf("too large")
	}
	var w int64
	if whole != "" {
		w, _ = strconv.ParseInt(whole, 10, 64)
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "00")[:3], 10, 64)
	}
	q := Qty(w*QtyScale + f)
	if neg {
		q = -q
	}
	return q, nil
}

// MarshalJSON writes q as a JSON number.
func (q Qty) MarshalJSON() ([]byte, error) { return []byte(q.String()), nil }

// UnmarshalJSON reads a JSON number or a string holding one, exactly.
func (q *Qty) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	s = strings.Trim(s, `"`)
	if strings.ContainsAny(s, "eE") {
		return fmt.Errorf("quantity %q: use plain decimals", s)
	}
	v, err := ParseQty(s)
	if err != nil {
		return fmt.Errorf("quantity %q: %w", s, err)
	}
	*q = v
	return nil
}

// ScanNumeric lets pgx scan a numeric column into q.
func (q *Qty) ScanNumeric(n pgtype.Numeric) error {
	if !n.Valid {
		*q = 0
		return nil
	}
	if n.NaN || n.InfinityModifier != pgtype.Finite {
		return fmt.Errorf("quantity is not finite")
	}
	v := new(big.Int).Set(n.Int)
	exp := int(n.Exp) + 3
	switch {
	case exp > 0:
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
	case exp < 0:
		v.Quo(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-exp)), nil))
	}
	if !v.IsInt64() {
		return fmt.Errorf("quantity out of range")
	}
	*q = Qty(v.Int64())
	return nil
}

// NumericValue lets pgx write q into a numeric column.
func (q Qty) NumericValue() (pgtype.Numeric, error) {
	return pgtype.Numeric{Int: big.NewInt(int64(q)), Exp: -3, Valid: true}, nil
}

// Fen returns ⌊q × fenPerUnit⌋: what q base units are worth at a price per
// base unit.
func (q Qty) Fen(fenPerUnit int64) int64 {
	v := new(big.Int).Mul(big.NewInt(int64(q)), big.NewInt(fenPerUnit))
	return new(big.Int).Quo(v, big.NewInt(QtyScale)).Int64()
}
