package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/povertyline"
)

// Registry is the household and cooperative registry: the services that
// hold personal data and the key ring that seals it.
type Registry struct {
	Ring         *pii.Ring
	Households   *household.Service
	Coops        *coop.Service
	PovertyLines *povertyline.Store
}

// NewRegistry builds the registry services on db with the ring of
// cfg.DataKey (see DataRing).
func NewRegistry(cfg config.Config, db *pgxpool.Pool, log *slog.Logger) (Registry, error) {
	ring, err := DataRing(cfg, log)
	if err != nil {
		return Registry{}, err
	}
	return Registry{
		Ring:         ring,
		Households:   household.NewService(db, ring),
		Coops:        coop.NewService(db),
		PovertyLines: povertyline.NewStore(db),
	}, nil
}

// DataRing parses cfg.DataKey (MARKET_DATA_KEY: one hex key, or
// "2:newhex,1:oldhex" while rotating). marketd and marketctl always have a
// key (OpenInfra reads or creates one under the data dir and NewHTTP passes
// it in); a configuration without one — tests that build the server on
// their own pool — gets a random key that lives as long as the process, so
// nothing sealed under it survives a restart.
func DataRing(cfg config.Config, log *slog.Logger) (*pii.Ring, error) {
	spec := cfg.DataKey
	if spec == "" {
		k, err := pii.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("data key: %w", err)
		}
		if log != nil {
			log.Warn("no data key configured: using a throw-away key; personal data written now is unreadable after a restart")
		}
		spec = k
	}
	ring, err := pii.ParseRing(spec)
	if err != nil {
		return nil, fmt.Errorf("MARKET_DATA_KEY: %w", err)
	}
	return ring, nil
}

// syncDataKeys records the fingerprints of the configured keys and refuses
// a key that differs from the one the database was written with (a typo in
// MARKET_DATA_KEY, a key file from another installation).
func syncDataKeys(cfg config.Config, db *pgxpool.Pool) error {
	ring, err := DataRing(cfg, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pii.SyncKeys(ctx, db, ring); err != nil {
		return fmt.Errorf("data key: %w", err)
	}
	return nil
}
