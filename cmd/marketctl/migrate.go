package main

import (
	"context"
	"fmt"

	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/schema"
)

func migrateCmd(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: marketctl migrate up|down|status")
	}
	switch args[0] {
	case "up":
		n, err := schema.Up(ctx, e.infra.DB)
		if err != nil {
			return err
		}
		if err := schema.EnsureAppRole(ctx, e.infra.DB, e.infra.AppPassword); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "applied %d migration(s); reference data loaded; role %s granted\n", n, schema.AppRole)
		return nil
	case "down":
		m, err := postgres.NewMigrator(e.infra.DB)
		if err != nil {
			return err
		}
		defer m.Close()
		version, err := m.Down(ctx)
		if err != nil {
			return err
		}
		if version == 0 {
			fmt.Fprintln(e.out, "no migration is applied: nothing to roll back")
			return nil
		}
		fmt.Fprintf(e.out, "rolled back migration %05d\n", version)
		return nil
	case "status":
		m, err := postgres.NewMigrator(e.infra.DB)
		if err != nil {
			return err
		}
		defer m.Close()
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			applied := "pending"
			if !s.AppliedAt.IsZero() {
				applied = "applied " + s.AppliedAt.Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(e.out, "%05d  %-40s %s\n", s.Source.Version, s.Source.Path, applied)
		}
		return nil
	}
	return fmt.Errorf("usage: marketctl migrate up|down|status")
}
