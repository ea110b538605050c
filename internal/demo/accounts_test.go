package demo_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/web/webtest"
)

func TestDemoAccountsLogIn(t *testing.T) {
	s := webtest.Start(t)
	ctx := context.Background()
	users := auth.NewUsers(s.DB.Pool)
	for i := 0; i < 2; i++ { // idempotent
		if err := demo.LoadAccounts(ctx, s.DB.Pool, users); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	var n int
	s.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	if n != len(demo.Accounts) {
		t.Fatalf("%d users after two runs, want %d", n, len(demo.Accounts))
	}
	for _, a := range demo.Accounts {
		t.Run(a.Email, func(t *testing.T) {
			c, _ := s.Login(a.Email, demo.Password)
			var me struct {
				Roles            []string `json:"roles"`
				OfficeRegionCode string   `json:"office_region_code"`
				CooperativeID    string   `json:"cooperative_id"`
				BuyerOrgID       string   `json:"buyer_org_id"`
			}
			c.Do("GET", "/api/v1/me", nil).JSON(t, &me)
			if len(me.Roles) != 1 || me.Roles[0] != string(a.Role) {
				t.Fatalf("roles %v, want %s", me.Roles, a.Role)
			}
			switch a.Role {
			case auth.RoleOffice:
				if me.OfficeRegionCode != "653200" {
					t.Errorf("office region %q", me.OfficeRegionCode)
				}
			case auth.RoleCoopAdmin:
				var status, county string
				s.DB.Pool.QueryRow(ctx, `SELECT status, county_code FROM cooperatives WHERE id = $1`, me.CooperativeID).Scan(&status, &county)
				if status != "approved" || county != "653224" {
					t.Errorf("coop %s: %s in %s", me.CooperativeID, status, county)
				}
			case auth.RoleBuyerOrgAdmin:
				if me.BuyerOrgID == "" {
					t.Fatal("no buyer org")
				}
				// The organisation starts with this year's target: the
				// canteen share of its canteen's food budget.
				var p struct {
					TargetFen        int64 `json:"target_fen"`
					CanteenBudgetFen int64 `json:"canteen_budget_fen"`
				}
				c.Do("GET", "/api/v1/buyer-orgs/"+me.BuyerOrgID+"/progress", nil).JSON(t, &p)
				if p.CanteenBudgetFen != demo.OrgCanteenBudgetFen || p.TargetFen != demo.OrgCanteenBudgetFen/10 {
					t.Errorf("this year's target %+v", p)
				}
			}
			page := s.LoginPage(a.Email, demo.Password)
			if r := page.Do("GET", "/api/v1/me", nil); r.Status != 200 {
				t.Errorf("after the login page /me: %d", r.Status)
			}
		})
	}
}
