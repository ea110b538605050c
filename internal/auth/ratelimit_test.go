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

// TestIPv6ClientsAreLimitedByTheirSlash64: a customer is given a /64 of
// IPv6 addresses and may use any of them, so the login limits count an
// IPv6 client by its /64: every address of one /64 draws on one budget,
// per client and per account alike, and another /64 has its own. An IPv4
// client is counted by its whole address, and an IPv4-mapped IPv6 address
// as the IPv4 address it maps.
func TestIPv6ClientsAreLimitedByTheirSlash64(t *testing.T) {
	limited := func(err error) bool { return errs.Is(err, errs.RateLimited) }
	t.Run("per client", func(t *testing.T) {
		svc, ctx := newService(t, auth.LoginLimits{PerAccount: 100, PerClient: 3, Window: 15 * time.Minute})
		for i, addr := range []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2:a::b"} {
			if _, err := svc.Login(ctx, fmt.Sprintf("nobody%d@example.com", i), "x", addr); limited(err) {
				t.Fatalf("attempt %d from %s: %v", i+1, addr, err)
			}
		}
		if _, err := svc.Login(ctx, "nobody@example.com", "x", "2001:db8:1:2:1234:5678:9abc:def0"); !limited(err) {
			t.Errorf("a fourth address of the /64: %v, want rate limited", err)
		}
		if _, err := svc.Login(ctx, "owner@example.com", password, "2001:db8:1:3::1"); err != nil {
			t.Errorf("another /64: %v", err)
		}
		for i := range 3 {
			if _, err := svc.Login(ctx, "nobody@example.com", "x", "192.0.2.1"); limited(err) {
				t.Fatalf("IPv4 attempt %d: %v", i+1, err)
			}
		}
		if _, err := svc.Login(ctx, "nobody@example.com", "x", "::ffff:192.0.2.1"); !limited(err) {
			t.Errorf("the IPv4-mapped form of a spent IPv4 address: %v, want rate limited", err)
		}
		if _, err := svc.Login(ctx, "owner@example.com", password, "192.0.2.2"); err != nil {
			t.Errorf("the next IPv4 address: %v", err)
		}
	})
	t.Run("per account", func(t *testing.T) {
		svc, ctx := newService(t, auth.LoginLimits{PerAccount: 3, PerClient: 100, Window: 15 * time.Minute})
		for i := range 3 {
			addr := fmt.Sprintf("2001:db8:5:6:%x::1", i+1)
			if _, err := svc.Login(ctx, "owner@example.com", "wrong", addr); !errs.Is(err, errs.Unauthenticated) {
				t.Fatalf("wrong password %d from %s: %v", i+1, addr, err)
			}
		}
		// Three failures start the back-off: the next attempt from any
		// address of the /64 waits it out.
		if _, err := svc.Login(ctx, "owner@example.com", password, "2001:db8:5:6:4::1"); !limited(err) {
			t.Errorf("the account from a fourth address of the /64: %v, want rate limited", err)
		}
		if _, err := svc.Login(ctx, "owner@example.com", password, "2001:db8:5:7::1"); err != nil {
			t.Errorf("the owner from another /64: %v", err)
		}
	})
}

func TestClientNetwork(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1":                          "192.0.2.1",
		"::ffff:192.0.2.1":                   "192.0.2.1",
		"2001:db8:1:2:3:4:5:6":               "2001:db8:1:2::/64",
		"2001:DB8:1:2:ffff:ffff:ffff:ffff":   "2001:db8:1:2::/64",
		"2001:db8:1:3::":                     "2001:db8:1:3::/64",
		"fe80::1%eth0":                       "fe80::/64",
		"0.0.0.0":                            "0.0.0.0",
		"not an address":                     "not an address",
		"2001:0db8:0001:0002:0000:0000:0:01": "2001:db8:1:2::/64",
	} {
		if got := auth.ClientNetwork(addr); got != want {
			t.Errorf("ClientNetwork(%q) = %q, want %q", addr, got, want)
		}
	}
}
