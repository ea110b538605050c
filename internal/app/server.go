package app

import (
	"log/slog"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/web/site"
)

// NewHTTP builds the application (package site) on the infrastructure,
// after checking the data key against the one the database was written
// with.
func NewHTTP(cfg config.Config, in *Infra, log *slog.Logger) (*site.App, error) {
	cfg.DataKey = in.DataKey // resolved: MARKET_DATA_KEY or the key file under the data dir
	if err := syncDataKeys(cfg, in.DB); err != nil {
		return nil, err
	}
	return site.New(cfg, in.DB, in.Redis, log, site.Pools{Direct: in.Direct, Reads: in.Reads})
}
