package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/fupinmarket/market/internal/auth"
)

func userCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: marketctl user create --email E --name N --password P --role R [--coop ID] [--region CODE] [--org ID]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	var n auth.NewUser
	var g auth.Grant
	var role string
	fs.StringVar(&n.Email, "email", "", "email (the login)")
	fs.StringVar(&n.Name, "name", "", "display name")
	fs.StringVar(&n.Password, "password", "", "password, at least 8 characters")
	fs.StringVar(&role, "role", "buyer", "buyer, buyer_org_admin, coop_admin, office or platform_admin")
	fs.Int64Var(&g.CooperativeID, "coop", 0, "cooperative id, for coop_admin")
	fs.StringVar(&g.RegionCode, "region", "", "jurisdiction region code, for office")
	fs.Int64Var(&g.BuyerOrgID, "org", 0, "buyer organisation id, for buyer_org_admin")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	g.Role = auth.Role(role)
	id, err := auth.NewUsers(e.infra.DB).Create(ctx, n, g)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "created user %d (%s, %s)\n", id, n.Email, g.Role)
	return nil
}
