package pgembed

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
)

// StartStandby makes dir a streaming replica of c (pg_basebackup -R) and
// starts it on a free port, for tests of what reads a replica: its Stop and
// Restart work as a primary's do. dir must not hold a cluster yet. A nil log
// discards messages.
func (c *Cluster) StartStandby(ctx context.Context, dir string, log *slog.Logger) (*Cluster, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err == nil {
		return nil, fmt.Errorf("pgembed: %s already holds a cluster", dir)
	}
	if err := prepareDir(dir, c.r.cred, log); err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	r := runner{bin: c.r.bin, dir: dir, cred: c.r.cred}
	if _, err := r.run(ctx, "pg_basebackup", "-D", dir, "-R", "-X", "stream", "-c", "fast",
		"-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres"); err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	// The copy carries the primary's postmaster.opts and log; the standby
	// writes its own.
	os.Remove(filepath.Join(dir, "postmaster.opts"))
	return Start(ctx, dir, log)
}
