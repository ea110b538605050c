package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

const password = "right-password-1"

// clock is a settable time for the limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newService(t *testing.T, limits auth.LoginLimits) (*auth.Service, context.Context) {
	svc, ctx, _ := newServiceAt(t, limits)
	return svc, ctx
}

func newServiceAt(t *testing.T, limits auth.LoginLimits) (*auth.Service, context.Context, *clock) {
	t.Helper()
	db := dbtest.New(t)
	rdb, prefix := dbtest.Redis(t)
	users := auth.NewUsers(db.Pool)
	clk := &clock{t: time.Now()}
	limiter := auth.NewLimiter(rdb, prefix)
	limiter.SetClock(clk.now)
	svc := auth.NewService(users, auth.NewSessions(rdb, prefix, time.Hour, 2*time.Hour), auth.NewTokens(db.Pool),
		limiter, limits, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	for _, email := range []string{"owner@example.com", "admin@example.com"} {
		if _, err := users.Create(ctx, auth.NewUser{Email: email, Name: "用户", Password: password}, auth.Grant{Role: auth.RoleBuyer}); err != nil {
			t.Fatal(err)
		}
	}
	return svc, ctx, clk
}

// TestParallelWrongPasswordsAreCheckedAtMostLimitTimes: 200 wrong passwords
// sent at once for one account from one address reach the password check
// at most the limit's number of times; the rest are refused (429) first.
func TestParallelWrongPasswordsAreCheckedAtMostLimitTimes(t *testing.T) {
	svc, ctx := newService(t, auth.LoginLimits{PerAccount: 5, PerClient: 1000, Window: 15 * time.Minute})
	var wg sync.WaitGroup
	var mu sync.Mutex
	kinds := map[errs.Kind]int{}
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Login(ctx, "owner@example.com", "wrong-password", "203.0.113.7")
			mu.Lock()
			kinds[errs.KindOf(err)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := svc.PasswordChecks(); n > 5 {
		t.Errorf("%d password checks for 200 parallel attempts, want at most 5 (answers %v)", n, kinds)
	}
	if kinds[errs.Unauthenticated] > 5 || kinds[errs.RateLimited] < 195 {
		t.Errorf("answers %v, want at most 5 wrong-password answers and the rest rate-limited", kinds)
	}
}

// TestOwnerIsNotLockedOut: an attacker's failures slow the attacker (from
// their address) with a back-off that doubles, while the owner and an
// admin sign in from elsewhere; a success forgets the streak.
func TestOwnerIsNotLockedOut(t *testing.T) {
	svc, ctx, clk := newServiceAt(t, auth.LoginLimits{PerAccount: 3, PerClient: 1000, Window: 15 * time.Minute})
	const attacker, home = "198.51.100.66", "203.0.113.10"
	login := func(pw, addr string) error {
		_, err := svc.Login(ctx, "owner@example.com", pw, addr)
		return err
	}
	for i := range 3 {
		if err := login("guess", attacker); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("guess %d: %v, want a wrong-password answer", i+1, err)
		}
	}
	var e *errs.Error
	if err := login("guess", attacker); !errors.As(err, &e) || e.Kind != errs.RateLimited || e.RetryAfter != 30 {
		t.Fatalf("fourth guess at once: %v, want a 30 s back-off", err)
	}
	if err := login(password, home); err != nil {
		t.Fatalf("the owner from home during the attack: %v", err)
	}
	if _, err := svc.Login(ctx, "admin@example.com", password, attacker); err != nil {
		t.Fatalf("another account from the attacker's address: %v", err)
	}
	for _, wait := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute} {
		clk.advance(wait - time.Second)
		if err := login("guess", attacker); !errs.Is(err, errs.RateLimited) {
			t.Fatalf("a guess a second before the %v back-off ends: %v", wait, err)
		}
		clk.advance(time.Second)
		if err := login("guess", attacker); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("a guess after the %v back-off: %v", wait, err)
		}
	}
	clk.advance(15 * time.Minute) // the cap
	if err := login(password, attacker); err != nil {
		t.Fatalf("the right password from that address after the back-off: %v", err)
	}
	if err := login("typo", attacker); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("a typo after a success: %v, want a fresh streak", err)
	}
}

// TestClientAddressLimit: one address gets PerClient attempts per window,
// however many accounts it tries and however fast.
func TestClientAddressLimit(t *testing.T) {
	svc, ctx := newService(t, auth.LoginLimits{PerAccount: 100, PerClient: 10, Window: 15 * time.Minute})
	var wg sync.WaitGroup
	var mu sync.Mutex
	limited := 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Login(ctx, fmt.Sprintf("nobody%d@example.com", i), "x", "192.0.2.1")
			if errs.Is(err, errs.RateLimited) {
				mu.Lock()
				limited++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if limited != 30 || svc.PasswordChecks() != 10 {
		t.Errorf("%d of 40 attempts limited, %d checked; want 30 and 10", limited, svc.PasswordChecks())
	}
	if _, err := svc.Login(ctx, "owner@example.com", password, "192.0.2.2"); err != nil {
		t.Errorf("another address: %v", err)
	}
}
