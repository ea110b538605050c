package site_test

import (
	"fmt"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestLoginLimitsBehindAProxyCountTheAddressTheProxySaw: behind a proxy
// (MARKET_TRUST_PROXY=true) the client's address is the one the proxy adds
// to X-Forwarded-For, the last. What a client writes into the header
// itself comes before it (HAProxy's "option forwardfor" adds a header line
// after the client's; nginx's $proxy_add_x_forwarded_for appends to the
// client's list) and must not give each guess a fresh budget.
func TestLoginLimitsBehindAProxyCountTheAddressTheProxySaw(t *testing.T) {
	s := webtest.Start(t, func(c *config.Config) {
		c.TrustProxy = true
		c.LoginLimitAccount = 100
		c.LoginLimitClient = 3
	})
	s.CreateUser("victim@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	// The attacker's address, as the proxy saw it: one for each proxy, so
	// that each starts with a fresh budget.
	for name, header := range map[string]func(i int) []string{
		"HAProxy adds a header line": func(i int) []string { return []string{fmt.Sprintf("198.51.100.%d", i), "203.0.113.7"} },
		"nginx appends to the list":  func(i int) []string { return []string{fmt.Sprintf("198.51.100.%d, 203.0.113.8", i)} },
	} {
		t.Run(name, func(t *testing.T) {
			limited := false
			for i := 1; i <= 10 && !limited; i++ {
				c := s.Client()
				c.Header["X-Forwarded-For"] = header(i)
				r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "victim@example.com", "password": "guess-number-" + fmt.Sprint(i)})
				switch r.Status {
				case 401:
				case 429:
					limited = true
					if i != 4 {
						t.Errorf("limited at attempt %d, want 4", i)
					}
				default:
					t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
				}
			}
			if !limited {
				t.Fatal("10 guesses from one address, each with another forged X-Forwarded-For, were never limited (limit 3)")
			}
		})
	}
}

// TestLoginLimitsCountAnIPv6ClientByItsSlash64: a client given a /64 (the
// usual allocation) that takes a new address for each guess still draws on
// one budget; another /64 has its own.
func TestLoginLimitsCountAnIPv6ClientByItsSlash64(t *testing.T) {
	s := webtest.Start(t, func(c *config.Config) {
		c.TrustProxy = true
		c.LoginLimitAccount = 100
		c.LoginLimitClient = 3
	})
	s.CreateUser("victim@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	login := func(addr, password string) int {
		c := s.Client()
		c.Header["X-Forwarded-For"] = []string{addr}
		return c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "victim@example.com", "password": password}).Status
	}
	for i := 1; i <= 3; i++ {
		if st := login(fmt.Sprintf("2001:db8:77:1:%x::1", i), "guess-number-"+fmt.Sprint(i)); st != 401 {
			t.Fatalf("guess %d: %d, want 401", i, st)
		}
	}
	if st := login("2001:db8:77:1:ffff::1", "guess-number-4"); st != 429 {
		t.Errorf("a fourth guess from another address of the /64: %d, want 429", st)
	}
	if st := login("2001:db8:77:2::1", pw); st != 200 {
		t.Errorf("the owner from another /64: %d, want 200", st)
	}
}

// TestProxyAddressWithAPort: some proxies write the client's address with
// its port ("203.0.113.7:51000", "[2001:db8::7]:443"). The address is
// still the client's, not the proxy's: one client limited for its guesses
// leaves another client behind the same proxy its own budget.
func TestProxyAddressWithAPort(t *testing.T) {
	for _, tc := range []struct{ name, guesser, other string }{
		{"IPv4", "203.0.113.7:51000", "203.0.113.9:52000"},
		{"IPv6", "[2001:db8:1::7]:443", "[2001:db8:2::9]:443"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := webtest.Start(t, func(c *config.Config) {
				c.TrustProxy = true
				c.LoginLimitAccount = 100
				c.LoginLimitClient = 3
			})
			s.CreateUser("victim@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
			login := func(addr string) int {
				c := s.Client()
				c.Header["X-Forwarded-For"] = []string{addr}
				return c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "victim@example.com", "password": "a-wrong-guess"}).Status
			}
			for i := 1; i <= 3; i++ {
				if st := login(tc.guesser); st != 401 {
					t.Fatalf("guess %d: %d, want 401", i, st)
				}
			}
			if st := login(tc.guesser); st != 429 {
				t.Errorf("the guesser's fourth guess: %d, want 429", st)
			}
			if st := login(tc.other); st != 401 {
				t.Errorf("another client behind the proxy: %d, want 401 (its own budget)", st)
			}
		})
	}
}
