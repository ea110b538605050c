package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/dbtest"
)

// deadlineServer is a Server built by New, with its whole middleware chain,
// and one probe route whose handler h sees the request as domain code does.
func deadlineServer(t *testing.T, timeout time.Duration, h fiber.Handler) *fiber.App {
	t.Helper()
	s, err := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), RequestTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	s.App().Get("/probe", h)
	return s.App()
}

func probe(t *testing.T, app *fiber.App) {
	t.Helper()
	res, err := app.Test(httptest.NewRequest("GET", "/probe", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != fiber.StatusNoContent {
		t.Fatalf("probe: %d", res.StatusCode)
	}
}

// TestRequestContextHasADeadline: a handler's context (Ctx, what every
// domain call gets) ends RequestTimeout after the request came in, and is
// cancelled once the request is over.
func TestRequestContextHasADeadline(t *testing.T) {
	for _, tt := range []struct {
		name       string
		configured time.Duration
		want       time.Duration
	}{
		{"the configured timeout", 7 * time.Minute, 7 * time.Minute},
		{"unset: the default of 30s", 0, 30 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ctx context.Context
			app := deadlineServer(t, tt.configured, func(c *fiber.Ctx) error {
				ctx = Ctx(c)
				return c.SendStatus(fiber.StatusNoContent)
			})
			before := time.Now()
			probe(t, app)
			after := time.Now()
			dl, ok := ctx.Deadline()
			if !ok {
				t.Fatal("the request's context has no deadline")
			}
			if dl.Before(before.Add(tt.want)) || dl.After(after.Add(tt.want)) {
				t.Fatalf("deadline %v after the request, want %v", dl.Sub(before), tt.want)
			}
			if !errors.Is(ctx.Err(), context.Canceled) {
				t.Fatalf("the request's context after the response: %v, want it cancelled", ctx.Err())
			}
		})
	}
}

// TestRequestDeadlineCancelsASlowQuery: a statement run with the request's
// context on a pool without statement_timeout is cancelled at the request's
// deadline instead of running on.
func TestRequestDeadlineCancelsASlowQuery(t *testing.T) {
	pool := dbtest.New(t).AppPool(t)
	var err error
	app := deadlineServer(t, 200*time.Millisecond, func(c *fiber.Ctx) error {
		_, err = pool.Exec(Ctx(c), "SELECT pg_sleep(5)")
		return c.SendStatus(fiber.StatusNoContent)
	})
	probe(t, app)
	if !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
		t.Fatalf("pg_sleep(5) within a 200ms request: %v, want it cut at the deadline", err)
	}
	// The connection went back to the pool in a usable state.
	var one int
	if err := pool.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("the pool after the cancellation: %d %v", one, err)
	}
}
