package catalog

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// IncomeRule decides what of a sale from a lot reaches its households; it
// is the ledger's rule (attribution.Rule), stored with each lot.
type IncomeRule = attribution.Rule

// Income rule kinds (收益规则).
const (
	RulePerUnit      = attribution.PerUnit      // fen per base unit sold (收购价)
	RuleRevenueShare = attribution.RevenueShare // basis points of the net sale amount
)

// perVariantUnit is about how much of one variant unit (priceFen for
// baseQty base units) reaches the households under r, rounded down.
func perVariantUnit(r IncomeRule, priceFen int64, baseQty Qty) int64 {
	switch r.Kind {
	case RulePerUnit:
		return baseQty.Fen(r.FenPerUnit)
	case RuleRevenueShare:
		return priceFen * r.BPS / 10000
	}
	return 0
}

// Lot is a lot as the API serves it to its cooperative.
type Lot struct {
	ID            ids.ID         `json:"id"`
	ProductID     ids.ID         `json:"product_id"`
	TraceCode     string         `json:"trace_code"`
	TraceURL      string         `json:"trace_url"`
	Quantity      Qty            `json:"quantity"`
	Remaining     Qty            `json:"remaining"`
	ReceivedOn    string         `json:"received_on"`
	IncomeRule    IncomeRule     `json:"income_rule"`
	Contributions []Contribution `json:"contributions"`
	CreatedAt     time.Time      `json:"created_at"`
}

// Contribution is one household's share of a lot.
type Contribution struct {
	HouseholdID ids.ID `json:"household_id"`
	Quantity    Qty    `json:"quantity"`
}

// LotInput is a new lot, as POST /api/v1/products/{id}/lots takes it.
type LotInput struct {
	ReceivedOn    string         `json:"received_on"`
	Quantity      Qty            `json:"quantity"`
	IncomeRule    IncomeRule     `json:"income_rule"`
	Contributions []Contribution `json:"contributions"`
}

const maxContributions = 500

// validate checks the lot's own fields (membership is checked against the
// database by CreateLot).
func (in *LotInput) validate(today time.Time, f map[string]string) (time.Time, bool) {
	add := func(k, v string) {
		if _, ok := f[k]; !ok {
			f[k] = v
		}
	}
	var received time.Time
	ok := false
	if in.ReceivedOn == "" {
		add("received_on", "required")
	} else if d, err := time.Parse("2006-01-02", in.ReceivedOn); err != nil {
		add("received_on", "must be a date as YYYY-MM-DD")
	} else if d.Year() < 2000 || d.After(today) {
		add("received_on", "must be a day from 2000 up to today")
	} else {
		received, ok = d, true
	}
	switch {
	case in.Quantity <= 0:
		add("quantity", "must be greater than zero")
	case in.Quantity > Units(10_000_000):
		add("quantity", "is too large")
	}
	in.IncomeRule.Check(func(field, reason string) { add("income_rule."+field, reason) })
	switch {
	case len(in.Contributions) == 0:
		add("contributions", "at least one household contribution is required")
	case len(in.Contributions) > maxContributions:
		add("contributions", fmt.Sprintf("at most %d contributions", maxContributions))
	}
	seen := map[ids.ID]int{}
	var sum Qty
	sumOK := true
	for i, c := range in.Contributions {
		k := fmt.Sprintf("contributions[%d].", i)
		if c.HouseholdID <= 0 {
			add(k+"household_id", "required")
		} else if j, dup := seen[c.HouseholdID]; dup {
			add(k+"household_id", fmt.Sprintf("repeats contribution %d", j))
		} else {
			seen[c.HouseholdID] = i
		}
		if c.Quantity <= 0 {
			add(k+"quantity", "must be greater than zero")
			sumOK = false
		}
		sum += c.Quantity
	}
	if sumOK && len(in.Contributions) > 0 && in.Quantity > 0 && sum != in.Quantity {
		add("contributions", fmt.Sprintf("the contributions add up to %s, not to the lot quantity %s", sum, in.Quantity))
	}
	return received, ok
}

// NewTraceCode returns a fresh trace code: 72 random bits, URL-safe, 12
// characters. Codes are printed on packages, so they must not be guessable
// from one another.
func NewTraceCode() string {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Trace is a lot's public origin: places and counts, never people.
type Trace struct {
	TraceCode       string  `json:"trace_code"`
	ProductID       ids.ID  `json:"product_id"`
	ProductTitle    string  `json:"product_title"`
	Category        string  `json:"category"`
	BaseUnit        string  `json:"base_unit"`
	CooperativeID   ids.ID  `json:"cooperative_id"`
	CooperativeName string  `json:"cooperative_name"`
	CountyCode      string  `json:"county_code"`
	CountyName      string  `json:"county_name"`
	PrefectureName  string  `json:"prefecture_name"`
	Villages        []Place `json:"villages"`
	Households      int     `json:"households"`
	ReceivedOn      string  `json:"received_on"`
	Quantity        Qty     `json:"quantity"`
	Certified       bool    `json:"certified"`
	ProductVisible  bool    `json:"product_visible"`
	// The product's title and the cooperative's, county's and prefecture's
	// names in every language entered (the fields above are the Chinese).
	Names            text.Names `json:"names"`
	CooperativeNames text.Names `json:"cooperative_names"`
	CountyNames      text.Names `json:"county_names"`
	PrefectureNames  text.Names `json:"prefecture_names"`
}
