package pgembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries means no PostgreSQL server binaries were found and they could
// not be installed (installing needs root).
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (initdb, pg_ctl, postgres): " +
	"install the Debian package postgresql (apt-get install postgresql), " +
	"or set DATABASE_URL to an existing PostgreSQL server")

// debianBinGlob is where Debian and Ubuntu put each major version's server
// binaries; pg_config, when installed, usually points at one of them.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// findBinDir returns the directory holding initdb, pg_ctl and postgres, or ""
// when there is none. pg_config (looked up in PATH under the name pgConfig)
// wins because it names the installation the user chose; otherwise the
// highest version matching glob.
func findBinDir(ctx context.Context, pgConfig, glob string) string {
	if path, err := exec.LookPath(pgConfig); err == nil {
		out, err := exec.CommandContext(ctx, path, "--bindir").Output()
		if dir := strings.TrimSpace(string(out)); err == nil && hasServer(dir) {
			return dir
		}
	}
	dirs, _ := filepath.Glob(glob)
	sort.Slice(dirs, func(i, j int) bool {
		return versionLess(filepath.Base(filepath.Dir(dirs[i])), filepath.Base(filepath.Dir(dirs[j])))
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if hasServer(dirs[i]) {
			return dirs[i]
		}
	}
	return ""
}

// hasServer reports whether dir holds the three programs a cluster needs;
// pg_config may point at a client-only installation.
func hasServer(dir string) bool {
	if dir == "" {
		return false
	}
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionLess compares dotted version directory names numerically, so that
// 10 sorts above 9.6.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if as[i] != bs[i] {
				return as[i] < bs[i]
			}
			continue
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// ensureBinDir finds the server binaries and, when root and none exist,
// installs Debian's postgresql package and looks again. An unprivileged user
// gets ErrNoBinaries, which says what to install and how to avoid needing it.
func ensureBinDir(ctx context.Context, log *slog.Logger, root bool, find func() string, install func(context.Context) error) (string, error) {
	if dir := find(); dir != "" {
		return dir, nil
	}
	if !root {
		return "", ErrNoBinaries
	}
	log.Info("no PostgreSQL binaries found; installing the Debian package postgresql with apt-get")
	if err := install(ctx); err != nil {
		return "", fmt.Errorf("install postgresql: %w (%w)", err, ErrNoBinaries)
	}
	if dir := find(); dir != "" {
		return dir, nil
	}
	return "", fmt.Errorf("apt-get installed postgresql but no binaries were found: %w", ErrNoBinaries)
}

// aptInstallPostgres runs apt-get update and apt-get install -y postgresql.
func aptInstallPostgres(ctx context.Context) error {
	for _, args := range [][]string{{"update"}, {"install", "-y", "postgresql"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %w: %s", strings.Join(args, " "), err, tail(out, 2000))
		}
	}
	return nil
}

// tail keeps the last n bytes of a command's output for an error message.
func tail(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}
