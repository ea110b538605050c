package auth

import "github.com/fupinmarket/market/internal/region"

// Role is what a user may do; coop_admin, office and buyer_org_admin carry a scope.
type Role string

const (
	RoleBuyer         Role = "buyer"
	RoleBuyerOrgAdmin Role = "buyer_org_admin"
	RoleCoopAdmin     Role = "coop_admin"
	RoleOffice        Role = "office"
	RolePlatformAdmin Role = "platform_admin"
)

// ValidRole reports whether r is one of the known roles.
func ValidRole(r Role) bool {
	switch r {
	case RoleBuyer, RoleBuyerOrgAdmin, RoleCoopAdmin, RoleOffice, RolePlatformAdmin:
		return true
	}
	return false
}

// Actor is the signed-in user a use case runs for. The zero Actor is an
// anonymous visitor. Domain packages take an Actor and enforce scope in
// their queries.
type Actor struct {
	UserID int64
	Email  string
	Name   string
	Roles  []Role
	// CooperativeID is set for a coop_admin.
	CooperativeID int64
	// OfficeRegion and OfficeLevel are set for an office user: its
	// jurisdiction is every region whose code starts with
	// region.Prefix(OfficeRegion, OfficeLevel).
	OfficeRegion string
	OfficeLevel  region.Level
	// BuyerOrgID is set for a buyer_org_admin.
	BuyerOrgID int64
}

// Anonymous reports whether nobody is signed in.
func (a Actor) Anonymous() bool { return a.UserID == 0 }

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool {
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// IsAdmin reports whether the actor is a platform administrator.
func (a Actor) IsAdmin() bool { return a.Has(RolePlatformAdmin) }

// OfficePrefix is the code prefix of the office's jurisdiction, "" when the
// actor is no office user.
func (a Actor) OfficePrefix() string {
	if !a.Has(RoleOffice) || a.OfficeRegion == "" {
		return ""
	}
	return region.Prefix(a.OfficeRegion, a.OfficeLevel)
}

// Governs reports whether the actor's office jurisdiction holds regionCode.
// Platform admins govern everything.
func (a Actor) Governs(regionCode string) bool {
	if a.IsAdmin() {
		return true
	}
	p := a.OfficePrefix()
	return p != "" && len(regionCode) >= len(p) && regionCode[:len(p)] == p
}

// ManagesCoop reports whether the actor administers cooperative id.
func (a Actor) ManagesCoop(id int64) bool {
	return a.Has(RoleCoopAdmin) && a.CooperativeID == id
}
