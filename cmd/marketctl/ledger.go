package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/fupinmarket/market/internal/ledger"
)

// ledgerCmd seals the ledger's new entries now (`ledger seal`, what
// marketd's job does every minute) or recomputes every seal from the
// entries as they are (`ledger verify`), failing with the first entry or
// seal that no longer matches (docs/LEDGER.md).
func ledgerCmd(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: marketctl ledger seal|verify")
	}
	switch args[0] {
	case "seal":
		// It waits its turn: "nothing to seal" while marketd's job held the
		// lock would be untrue, entries being left to seal.
		seals, err := ledger.Sealer{DB: e.infra.DB, WaitTurn: true}.Seal(ctx)
		if len(seals) > 0 {
			first, last := seals[0], seals[len(seals)-1]
			n := 0
			for _, s := range seals {
				n += s.Entries
			}
			fmt.Fprintf(e.out, "sealed %d entries (%d to %d) in seals %d to %d; head %s\n",
				n, first.FirstEntryID, last.LastEntryID, first.Seq, last.Seq, last.Hash())
		} else if err == nil {
			fmt.Fprintln(e.out, "nothing to seal")
		}
		return err
	case "verify":
		r, err := ledger.Verify(ctx, e.infra.DB)
		if err != nil {
			return err
		}
		for _, p := range r.Problems {
			fmt.Fprintln(e.out, p)
		}
		if len(r.Problems) > 0 {
			return fmt.Errorf("ledger verify: %s (%d problem(s))", r.Problems[0], len(r.Problems))
		}
		fmt.Fprintf(e.out, "ledger verified: %d seals, %d entries\n", r.Seals, r.Entries)
		return nil
	}
	return fmt.Errorf("unknown ledger command %q: seal or verify", args[0])
}
