package main

import (
	"context"
	"fmt"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/feed"
)

// auditCmd checks the ledger invariants I1–I7 (sales, refunds, wages and
// dividends, per income type; the seals) and the feed's outbox (events
// undelivered for more than a day) on the live database and fails, naming
// the rows, on any violation.
func auditCmd(ctx context.Context, e *env, args []string) error {
	violations, err := attribution.Audit(ctx, e.infra.DB)
	if err != nil {
		return err
	}
	stuck, err := feed.Audit(ctx, e.infra.DB)
	if err != nil {
		return err
	}
	violations = append(violations, stuck...)
	for _, v := range violations {
		fmt.Fprintln(e.out, v)
	}
	if len(violations) > 0 {
		return fmt.Errorf("audit found %d violation(s)", len(violations))
	}
	fmt.Fprintln(e.out, "audit clean: I1–I7 hold, and the feed has no event waiting for more than a day")
	return nil
}
