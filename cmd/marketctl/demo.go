package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/schema"
)

func demoCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := schema.EnsureCurrent(ctx, e.infra.DB); err != nil {
		return err
	}
	if err := demo.LoadAccounts(ctx, e.infra.DB, auth.NewUsers(e.infra.DB)); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "demo data ready; accounts use password %s\n", demo.Password)
	for _, a := range demo.Accounts {
		fmt.Fprintf(e.out, "  %-20s %s\n", a.Email, a.Role)
	}
	return nil
}
