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
	coopID, err := ensureCoop(ctx, db)
	if err != nil {
		return err
	}
	orgID, err := ensureOrg(ctx, db)
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

// rowQuerier is a pool or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func ensureCoop(ctx context.Context, db rowQuerier) (int64, error) {
	const q = `WITH ins AS (
			INSERT INTO cooperatives (name, credit_code, county_code, contact_name, contact_phone, status)
			VALUES ($1, $2, $3, '阿卜杜拉·买买提', '13899912345', 'approved')
			ON CONFLICT (credit_code) DO NOTHING RETURNING id)
		SELECT id FROM ins UNION ALL SELECT id FROM cooperatives WHERE credit_code = $2 LIMIT 1`
	var id int64
	if err := db.QueryRow(ctx, q, CoopName, CoopCreditCode, CoopCounty).Scan(&id); err != nil {
		return 0, fmt.Errorf("demo cooperative: %w", err)
	}
	return id, nil
}

func ensureOrg(ctx context.Context, db *pgxpool.Pool) (int64, error) {
	const q = `WITH found AS (SELECT id FROM buyer_orgs WHERE name = $1),
		ins AS (INSERT INTO buyer_orgs (name, kind, public_ranking)
			SELECT $1, 'budget_unit', true WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id)
		SELECT id FROM found UNION ALL SELECT id FROM ins LIMIT 1`
	var id int64
	if err := db.QueryRow(ctx, q, OrgName).Scan(&id); err != nil {
		return 0, fmt.Errorf("demo buyer org: %w", err)
	}
	return id, nil
}
