// Command marketctl administers Fupin Market: migrations, demo data, users,
// imports, exports, audits and the ledger's seals.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/fupinmarket/market/internal/app"
	"github.com/fupinmarket/market/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "marketctl:", err)
		os.Exit(1)
	}
}

// command is one marketctl subcommand.
type command struct {
	name, usage string
	run         func(ctx context.Context, env *env, args []string) error
}

// env is what every subcommand gets.
type env struct {
	cfg   config.Config
	log   *slog.Logger
	infra *app.Infra
	out   io.Writer
}

func commands() []command {
	return []command{
		{"migrate", "migrate up|down|status       apply, roll back one, or list migrations", migrateCmd},
		{"demo", "demo [--households N] [--seed S]   load the demo data (idempotent; N households, 2,000 by default, up to 4,000,000)", demoCmd},
		{"bench", "bench checkout [--mode hot|spread] [--workers N] [--duration D] [--seal-every D] [--feed]   load test checkout (sealing the ledger meanwhile) on a scratch database", benchCmd},
		{"audit", "audit                         check the attribution invariants I1–I7 and the feed's outbox; non-zero exit on any violation", auditCmd},
		{"ledger", "ledger seal|verify            seal the new ledger entries now; recompute every seal (non-zero exit naming the first entry or seal that no longer matches)", ledgerCmd},
		{"feed", "feed status | feed replay --since DATE   the sales feed's outbox; deliver what was delivered since DATE again", feedCmd},
		{"user", "user create --email E --name N --password P --role R [--coop ID] [--region CODE] [--org ID]", userCmd},
		{"households", "households import FILE --region CODE [--quiet]   import a household CSV as that region's office; all rows or none", householdsCmd},
		{"keys", "keys generate | keys rotate [--batch N]   new data key; re-seal personal data under the current key (README: Key rotation)", keysCmd},
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, rest, err := config.Load("marketctl", args, os.LookupEnv, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(os.Stderr)
		}
		return err
	}
	if len(rest) == 0 {
		usage(os.Stderr)
		return errors.New("no command given")
	}
	for _, c := range commands() {
		if c.name != rest[0] {
			continue
		}
		log := app.NewLogger(cfg.LogLevel)
		infra, err := app.OpenInfra(ctx, cfg, log, app.Owner, false)
		if err != nil {
			return err
		}
		defer infra.Close()
		return c.run(ctx, &env{cfg: cfg, log: log, infra: infra, out: out}, rest[1:])
	}
	usage(os.Stderr)
	return fmt.Errorf("unknown command %q", rest[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintln(w, "  marketctl [flags] "+c.usage)
	}
	fmt.Fprintln(w, "\nRun `marketctl --help` for the flags (every one also read from its environment variable).")
}
