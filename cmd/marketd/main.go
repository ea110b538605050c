// Command marketd serves Fupin Market: the JSON API, the storefront and the
// portals.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fupinmarket/market/internal/app"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/jobs"
	"github.com/fupinmarket/market/internal/schema"
	"github.com/fupinmarket/market/internal/web/site"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "marketd:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cfg, _, err := config.FromEnv("marketd", args)
	if err != nil {
		return err
	}
	log, flushLog := app.NewServiceLogger(cfg.LogLevel)
	defer flushLog()
	log.Info("starting marketd", "config", cfg.String())

	infra, err := app.OpenInfra(ctx, cfg, log, app.Service, true)
	if err != nil {
		return err
	}
	defer infra.Close()
	if err := schema.EnsureCurrent(ctx, infra.Direct); err != nil {
		return err
	}
	a, err := app.NewHTTP(cfg, infra, log)
	if err != nil {
		return err
	}
	handler := a.HTTP
	if err := jobs.Start(ctx, a.Jobs); err != nil {
		return fmt.Errorf("start background jobs: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	log.Info("serving", "addr", ln.Addr().String(), "payments", app.PaymentMode(cfg))
	if cfg.MetricsAddr != "" {
		metrics, err := site.ServeMetrics(cfg.MetricsAddr, a.Metrics, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer metrics.Shutdown(context.Background())
		log.Info("serving metrics", "addr", metrics.Addr())
	}

	served := make(chan error, 1)
	go func() { served <- handler.Listener(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	if cfg.DrainDelay > 0 {
		// Behind a load balancer: fail its health check first, keep serving
		// what it still sends until it has noticed, then close.
		a.Drain()
		log.Info("draining: /readyz answers 503", "for", cfg.DrainDelay)
		time.Sleep(cfg.DrainDelay)
	}
	log.Info("shutting down: draining in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := handler.ShutdownWithContext(shutdownCtx); err != nil {
		log.Error("shutdown", "err", err)
	}
	if err := a.Jobs.Stop(shutdownCtx); err != nil {
		log.Error("stop background jobs", "err", err)
	}
	log.Info("stopped")
	return nil
}
