package config

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

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
