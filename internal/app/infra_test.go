package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/app"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/postgres"
)

// TestServiceRefusesTheOwner: marketd will not run with credentials that
// could rewrite the ledger, unless told to (MARKET_ALLOW_DB_OWNER).
func TestServiceRefusesTheOwner(t *testing.T) {
	db := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	open := func(url string, allow bool, role app.Role) (*app.Infra, error) {
		cfg := testConfig(t, "infra:")
		cfg.DatabaseURL, cfg.AllowDBOwner = url, allow
		return app.OpenInfra(context.Background(), cfg, log, role, false)
	}
	if _, err := open(db.URL, false, app.Service); !errors.Is(err, postgres.ErrPrivileged) || !strings.Contains(err.Error(), "MARKET_ALLOW_DB_OWNER") {
		t.Fatalf("as the owner: %v, want a refusal naming MARKET_ALLOW_DB_OWNER", err)
	}
	for _, c := range []struct {
		name  string
		url   string
		allow bool
		role  app.Role
	}{{"the service's role", db.AppURL, false, app.Service}, {"the owner, allowed", db.URL, true, app.Service},
		{"marketctl as the owner", db.URL, false, app.Owner}} {
		in, err := open(c.url, c.allow, c.role)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		in.Close()
	}
	cfg := testConfig(t, "infra:")
	cfg.DatabaseURL, cfg.DatabaseDirectURL = db.AppURL, db.URL
	if _, err := app.OpenInfra(context.Background(), cfg, log, app.Service, false); !errors.Is(err, postgres.ErrPrivileged) ||
		!strings.Contains(err.Error(), "DATABASE_DIRECT_URL") {
		t.Fatalf("the service's role, but the owner on the direct connection: %v, want a refusal naming DATABASE_DIRECT_URL", err)
	}
	cfg.DatabaseDirectURL = db.AppURL
	direct, err := app.OpenInfra(context.Background(), cfg, log, app.Service, false)
	if err != nil {
		t.Fatalf("the service's role on both connections: %v", err)
	}
	direct.Close()
	in, err := open(db.AppURL, false, app.Owner)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if in.AppPassword != dbtest.AppPassword {
		t.Fatalf("marketctl would set the role's password to %q, want DATABASE_URL's", in.AppPassword)
	}
}
