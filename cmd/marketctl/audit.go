package main

import (
	"context"
	"fmt"

	"github.com/fupinmarket/market/internal/attribution"
)

// auditCmd checks the ledger invariants I1–I7 on the live database and
// fails, naming the rows, on any violation.
func auditCmd(ctx context.Context, e *env, args []string) error {
	violations, err := attribution.Audit(ctx, e.infra.DB)
	if err != nil {
		return err
	}
	for _, v := range violations {
		fmt.Fprintln(e.out, v)
	}
	if len(violations) > 0 {
		return fmt.Errorf("audit found %d violation(s)", len(violations))
	}
	fmt.Fprintln(e.out, "audit clean: I1–I7 hold")
	return nil
}
