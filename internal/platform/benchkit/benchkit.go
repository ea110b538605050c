// Package benchkit holds what the benchmark commands (cmd/importbench,
// cmd/reportbench) share: a scratch database beside the server they are
// pointed at, a description of the machine for their reports, and numbers
// written with thousands separators.
package benchkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Scratch is a database created for one run.
type Scratch struct {
	Name string
	URL  string // adminURL with the scratch database's name
	adm  string
}

// CreateScratch creates a database named prefix_<random> on the server of
// adminURL (a connection to any database of it, as a role that may create
// databases).
func CreateScratch(ctx context.Context, adminURL, prefix string) (*Scratch, error) {
	b := make([]byte, 6)
	rand.Read(b)
	s := &Scratch{Name: prefix + "_" + hex.EncodeToString(b), adm: adminURL}
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	u.Path = "/" + s.Name
	s.URL = u.String()
	if err := adminExec(ctx, adminURL, "CREATE DATABASE "+s.Name); err != nil {
		return nil, fmt.Errorf("create scratch database: %w", err)
	}
	return s, nil
}

// Drop drops the database, closing whatever is still connected to it. It
// runs on a fresh context of its own, so that it also cleans up after an
// interrupt.
func (s *Scratch) Drop(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return adminExec(ctx, s.adm, "DROP DATABASE IF EXISTS "+s.Name+" WITH (FORCE)")
}

func adminExec(ctx context.Context, adminURL, sql string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// MemTotal is the machine's memory as /proc/meminfo gives it ("unknown"
// elsewhere).
func MemTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

// GroupDigits writes n with thousands separators: 1234567 → 1,234,567.
func GroupDigits(n int) string {
	if n < 0 {
		return "-" + GroupDigits(-n)
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
