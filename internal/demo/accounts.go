// Package demo loads the demonstration data of `make run`: the five demo
// accounts and, from later issues, villages, households, cooperatives,
// products and orders. Every step is idempotent and seeded, so running it
// twice changes nothing.
package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// Password of every demo account (listed in the README).
const Password = "demo-pass-2020"

// The demo cooperative of coop@demo.local and the demo budget unit.
const (
	CoopName       = "洛浦县布亚乡红枣种植农民专业合作社"
	CoopCreditCode = "93653224MA78L2Q45T"
	CoopCounty     = "653224" // 洛浦县
	OrgName        = "和田地区机关事务管理局食堂"
	OfficeRegion   = "653200" // 和田地区
)

// Account is one demo login.
type Account struct {
	Email, Name string
	Role        auth.Role
}

// Accounts are the five demo logins; later issues never change them.
var Accounts = []Account{
	{"admin@demo.local", "平台管理员", auth.RolePlatformAdmin},
	{"office@demo.local", "和田地区乡村振兴局", auth.RoleOffice},
	{"coop@demo.local", "布亚乡合作社管理员", auth.RoleCoopAdmin},
	{"buyer@demo.local", "古丽米热", auth.RoleBuyer},
	{"org@demo.local", "机关食堂采购员", auth.RoleBuyerOrgAdmin},
}

// LoadAccounts creates the demo cooperative (approved), the demo budget unit
// and the five accounts, unless they exist.
func LoadAccounts(ctx context.Context, db *pgxpool.Pool, users *auth.Users) error {
	var coopID, orgID int64
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		if coopID, err = ensureCoop(ctx, tx); err != nil {
			return err
		}
		orgID, err = ensureOrg(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	for _, a := range Accounts {
		g := auth.Grant{Role: a.Role}
		switch a.Role {
		case auth.RoleOffice:
			g.RegionCode = OfficeRegion
		case auth.RoleCoopAdmin:
			g.CooperativeID = coopID
		case auth.RoleBuyerOrgAdmin:
			g.BuyerOrgID = orgID
		}
		id, err := users.IDByEmail(ctx, a.Email)
		if errs.Is(err, errs.NotFound) {
			_, err = users.Create(ctx, auth.NewUser{Email: a.Email, Name: a.Name, Password: Password}, g)
		} else if err == nil {
			err = users.Grant(ctx, id, g)
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.Email, err)
		}
	}
	return nil
}

// demoCoop is the demo cooperative of coop@demo.local.
var demoCoop = coop.Application{Name: CoopName, CreditCode: CoopCreditCode, CountyCode: CoopCounty,
	ContactName: "阿卜杜拉·买买提", ContactPhone: "13899912345",
	NameUg: "لوپ ناھىيىسى بۇيا يېزىسى قىزىل چىلان تېرىش دېھقانلار كەسپىي كوپېراتىپى",
	NameEn: "Lop County Buya Township Red Date Growers' Cooperative"}

// ensureCoop registers the demo cooperative, approved, unless it exists,
// and returns its id.
func ensureCoop(ctx context.Context, tx pgx.Tx) (int64, error) {
	id, _, err := coop.RegisterApprovedTx(ctx, tx, demoCoop, nil)
	if err == nil {
		err = coop.NameTranslationsTx(ctx, tx, id, demoCoop.NameUg, demoCoop.NameEn)
	}
	if err != nil {
		return 0, fmt.Errorf("demo cooperative: %w", err)
	}
	return int64(id), nil
}

// ensureOrg creates the demo budget unit unless it exists, and returns its
// id.
func ensureOrg(ctx context.Context, tx pgx.Tx) (int64, error) {
	id, err := buyerorg.EnsureTx(ctx, tx, buyerorg.Org{Name: OrgName, Kind: "budget_unit", PublicRanking: true})
	if err != nil {
		return 0, fmt.Errorf("demo buyer org: %w", err)
	}
	return id, nil
}
