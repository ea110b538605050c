package config

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	_, _, err := Load("marketd", []string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v", err)
	}
	for _, name := range []string{"MARKET_ADDR", "MARKET_DATA_DIR", "DATABASE_URL", "REDIS_URL", "MARKET_DATA_KEY",
		"STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "(default :8080)", "(default ./var)"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("--help lacks %s", name)
		}
	}
}

func TestPrecedenceFlagsOverEnvOverDefaults(t *testing.T) {
	cfg, rest, err := Load("x", []string{"--addr", ":9000", "migrate", "up"}, env(map[string]string{"MARKET_ADDR": ":7000", "MARKET_DATA_DIR": "/srv/m"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9000" || cfg.DataDir != "/srv/m" || cfg.RedisPrefix != "market:" {
		t.Fatalf("cfg = %+v", cfg)
	}
	if strings.Join(rest, " ") != "migrate up" {
		t.Fatalf("rest = %v", rest)
	}
}

func TestSecretsAreMasked(t *testing.T) {
	cfg, _, err := Load("x", nil, env(map[string]string{
		"DATABASE_URL":          "postgres://market:s3cret-pw@db.internal:5432/market?sslmode=require",
		"REDIS_URL":             "redis://:r3dis-pw@cache:6379/0",
		"STRIPE_SECRET_KEY":     "sk_test_abcdef123456",
		"STRIPE_WEBHOOK_SECRET": "whsec_zzz999",
		"MARKET_DATA_KEY":       strings.Repeat("ab", 32),
		"MARKET_FEED_URL":       "https://platform.example/feed?token=f33d-t0ken",
		"MARKET_FEED_SECRET":    "feed-signing-secret-42",
	}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.String()
	for _, secret := range []string{"s3cret-pw", "r3dis-pw", "sk_test_abcdef123456", "whsec_zzz999", strings.Repeat("ab", 32),
		"f33d-t0ken", "feed-signing-secret-42"} {
		if strings.Contains(s, secret) {
			t.Errorf("config string leaks %s: %s", secret, s)
		}
	}
	if !strings.Contains(s, "db.internal:5432") {
		t.Errorf("masked URL lost its host: %s", s)
	}
}

func TestInvalidSettings(t *testing.T) {
	for name, e := range map[string]map[string]string{
		"log level":    {"MARKET_LOG_LEVEL": "loud"},
		"body limit":   {"MARKET_BODY_LIMIT": "-1"},
		"session idle": {"MARKET_SESSION_IDLE": "200h"},
		"feed url":     {"MARKET_FEED_URL": "ftp://platform.example/feed", "MARKET_FEED_SECRET": "feed-signing-secret-42"},
		"feed secret":  {"MARKET_FEED_URL": "https://platform.example/feed"},
		"smtp url":     {"MARKET_SMTP_URL": "https://mail.example"},
		"mail from":    {"MARKET_MAIL_FROM": "Market <noreply@market.example>"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := Load("x", nil, env(e), &bytes.Buffer{}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestStringShowsEverySetting: a setting added to settings() but not to
// valueOf would log as empty.
func TestStringShowsEverySetting(t *testing.T) {
	cfg, _, err := Load("x", nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cfg.settings() {
		if s.def != "" && valueOf(&cfg, s.flag) == "" {
			t.Errorf("%s (default %q) shows as empty", s.flag, s.def)
		}
	}
}

// TestEnvironmentIsParsedAsFlagsAre: a variable that its flag would refuse
// is refused, naming it, instead of becoming zero; values the flags accept
// are taken; an empty text setting is set, an empty number keeps its default.
func TestEnvironmentIsParsedAsFlagsAre(t *testing.T) {
	refused := map[string]string{
		"MARKET_STATEMENT_TIMEOUT":  "30",
		"MARKET_LOGIN_LIMIT_WINDOW": "15",
		"MARKET_BODY_LIMIT":         "8MB",
		"MARKET_ALLOW_DB_OWNER":     "yes",
		"MARKET_TRUST_PROXY":        "on",
		"MARKET_MAX_UNPAID_ORDERS":  "five",
	}
	for name, value := range refused {
		t.Run(name+"="+value, func(t *testing.T) {
			_, _, err := Load("x", nil, env(map[string]string{name: value}), &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("err = %v, want a refusal naming %s", err, name)
			}
		})
	}
	t.Run("a zero login window is refused", func(t *testing.T) {
		_, _, err := Load("x", nil, env(map[string]string{"MARKET_LOGIN_LIMIT_WINDOW": "0s"}), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "login-limit-window must be positive") {
			t.Fatalf("a zero login window: %v, want a refusal", err)
		}
	})
	t.Run("accepted values", func(t *testing.T) {
		cfg, _, err := Load("x", nil, env(map[string]string{"MARKET_STATEMENT_TIMEOUT": "45s", "MARKET_ALLOW_DB_OWNER": "1",
			"MARKET_TRUST_PROXY": "TRUE", "MARKET_BODY_LIMIT": "1024", "MARKET_METRICS_ADDR": "", "MARKET_DRAIN_DELAY": ""}), &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.StatementTimeout != 45*time.Second || !cfg.AllowDBOwner || !cfg.TrustProxy || cfg.BodyLimit != 1024 {
			t.Errorf("cfg = %+v", cfg)
		}
		if cfg.MetricsAddr != "" {
			t.Errorf("MARKET_METRICS_ADDR= gave %q, want no metrics listener", cfg.MetricsAddr)
		}
		if cfg.DrainDelay != 0 || cfg.RequestTimeout != 30*time.Second {
			t.Errorf("an empty MARKET_DRAIN_DELAY: drain %v, request timeout %v", cfg.DrainDelay, cfg.RequestTimeout)
		}
	})
}

// TestMailDefaults: mail is sent from noreply@ the site's host, and from
// noreply@localhost when the site is addressed by an IP address (an
// address is no mail domain); a site on this machine is a development one.
func TestMailDefaults(t *testing.T) {
	for _, tc := range []struct {
		base, from string
		local      bool
	}{
		{"https://market.example", "noreply@market.example", false},
		{"http://localhost:8080", "noreply@localhost", true},
		{"http://[::1]:8080", "noreply@localhost", true},
		{"http://127.0.0.1:8080", "noreply@localhost", true},
		{"http://203.0.113.9", "noreply@localhost", false},
	} {
		t.Run(tc.base, func(t *testing.T) {
			cfg, _, err := Load("x", nil, env(map[string]string{"MARKET_BASE_URL": tc.base}), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MailFrom != tc.from || cfg.LocalSite() != tc.local {
				t.Errorf("mail from %q, local %v; want %q, %v", cfg.MailFrom, cfg.LocalSite(), tc.from, tc.local)
			}
		})
	}
}
