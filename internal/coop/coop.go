// Package coop registers cooperatives (合作社), the selling entities of the
// marketplace, and runs their lifecycle:
//
//	applied → recommended (by an office whose jurisdiction holds the county)
//	        → approved or rejected (by a platform administrator)
//	approved → suspended (by a platform administrator)
//
// Each step is allowed only from its state (else a Conflict error), locks the
// cooperative's row and is recorded in cooperative_events with who, when and
// why. A cooperative's member households must live in its county.
//
// Anyone sees approved cooperatives; offices see every cooperative of their
// jurisdiction, platform administrators all, a coop_admin its own. A
// cooperative's administrator also sets its shipping terms here.
//
// The package alone writes cooperatives, cooperative_events and
// cooperative_members (docs/ARCHITECTURE.md, "Table owners"); loaders of
// ready-made data use the *Tx functions of load.go.
package coop

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// Status is a cooperative's place in its lifecycle.
type Status string

// The lifecycle states.
const (
	StatusApplied     Status = "applied"
	StatusRecommended Status = "recommended"
	StatusApproved    Status = "approved"
	StatusRejected    Status = "rejected"
	StatusSuspended   Status = "suspended"
)

// Valid reports whether s is a lifecycle state.
func (s Status) Valid() bool {
	switch s {
	case StatusApplied, StatusRecommended, StatusApproved, StatusRejected, StatusSuspended:
		return true
	}
	return false
}

// Cooperative is a cooperative as the API serves it. Contact details, the
// reject reason and who recommended or approved it are shown only to those
// who govern it (its county's offices, platform administrators, its own
// coop_admin); others get them empty.
type Cooperative struct {
	ID            ids.ID     `json:"id"`
	Name          string     `json:"name"`
	CreditCode    string     `json:"credit_code"`
	CountyCode    string     `json:"county_code"`
	ContactName   string     `json:"contact_name,omitempty"`
	ContactPhone  string     `json:"contact_phone,omitempty"`
	Status        Status     `json:"status"`
	RejectReason  string     `json:"reject_reason,omitempty"`
	AppliedBy     *ids.ID    `json:"applied_by,omitempty"`
	RecommendedBy *ids.ID    `json:"recommended_by,omitempty"`
	RecommendedAt *time.Time `json:"recommended_at,omitempty"`
	ApprovedBy    *ids.ID    `json:"approved_by,omitempty"`
	ApprovedAt    *time.Time `json:"approved_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	NameUg        string     `json:"name_ug,omitempty"`
	NameEn        string     `json:"name_en,omitempty"`
	// Names is the name in the three languages (set by scanCoop).
	Names text.Names `json:"names" db:"-"`
}

// NameIn is the cooperative's name in lang, Chinese when it has none there.
func (c Cooperative) NameIn(lang string) string { return c.Names.In(lang) }

// cols are the columns of a Cooperative, in struct order.
const cols = `id, name, credit_code, county_code, contact_name, contact_phone, status, reject_reason,
	applied_by, recommended_by, recommended_at, approved_by, approved_at, created_at, updated_at, name_ug, name_en`

// scanCoop reads a row of cols and fills in the names.
func scanCoop(row pgx.CollectableRow) (Cooperative, error) {
	c, err := pgx.RowToStructByPos[Cooperative](row)
	c.Names = text.Names{Zh: c.Name, Ug: c.NameUg, En: c.NameEn}
	return c, err
}

// Application is what a signed-in user submits to register a cooperative.
type Application struct {
	Name         string `json:"name"`
	CreditCode   string `json:"credit_code"` // 统一社会信用代码, GB 32100
	CountyCode   string `json:"county_code"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	// NameUg and NameEn are the name in Uyghur and English, optional.
	NameUg string `json:"name_ug,omitempty"`
	NameEn string `json:"name_en,omitempty"`
}

// Event is one recorded lifecycle step. FromStatus is empty for the
// application itself.
type Event struct {
	ID          ids.ID    `json:"id"`
	FromStatus  Status    `json:"from_status,omitempty"`
	ToStatus    Status    `json:"to_status"`
	ActorUserID *ids.ID   `json:"actor_user_id,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	At          time.Time `json:"at"`
}

// Membership is a member household and the day it joined.
type Membership struct {
	HouseholdID ids.ID `json:"household_id"`
	// JoinedOn is a date. In SetMembers a zero JoinedOn keeps a member's
	// recorded date, or is today for a new member.
	JoinedOn time.Time `json:"joined_on"`
}

// Page is one page of a list with the cursor of the next ("" at the end).
type Page struct {
	Items      []Cooperative `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

// governs reports whether the actor oversees a cooperative in county: a
// platform administrator, or an office whose jurisdiction holds the county.
func governs(a auth.Actor, county string) bool { return a.Governs(county) }

// officeHolds reports whether the actor is an office whose jurisdiction holds
// county (platform administrators excluded).
func officeHolds(a auth.Actor, county string) bool {
	p := a.OfficePrefix()
	return p != "" && len(county) >= len(p) && county[:len(p)] == p
}

// redact clears what only those who govern c, or administer it, may see.
func redact(a auth.Actor, c Cooperative) Cooperative {
	if governs(a, c.CountyCode) || a.ManagesCoop(int64(c.ID)) {
		return c
	}
	c.ContactName, c.ContactPhone, c.RejectReason = "", "", ""
	c.AppliedBy, c.RecommendedBy, c.ApprovedBy = nil, nil, nil
	return c
}
