// Package pgembed runs a private PostgreSQL cluster under the data directory,
// so that `make run` works without DATABASE_URL and without a server set up
// beforehand. It drives the system's initdb and pg_ctl (installing Debian's
// postgresql package when root and they are missing) rather than bundling a
// server, so the cluster is an ordinary one a developer can inspect with psql.
package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Database is the database Start creates and URL names.
const Database = "market"

// maxSocketPath is the longest Unix socket path Linux accepts (sun_path less
// its terminating NUL).
const maxSocketPath = 107

// Cluster is a PostgreSQL cluster in one data directory, either started by
// this process (Owned) or found already running and merely used.
type Cluster struct {
	r     runner
	dir   string
	port  int
	owned bool
	log   *slog.Logger

	mu      sync.Mutex
	stopped bool
}

// Start makes the cluster in dir available: it creates it on first use,
// starts it on a free 127.0.0.1 port, or reuses it when a server of dir is
// already running (then Owned is false and Stop leaves it alone, so that
// marketctl can work while marketd serves). Either way the database "market"
// exists afterwards. A nil log discards messages.
func Start(ctx context.Context, dir string, log *slog.Logger) (*Cluster, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	// pg_ctl hands the data dir and our -o options to /bin/sh; refuse what
	// the shell would reinterpret rather than quote for two layers.
	if strings.ContainsAny(dir, "\"'$`\\\n") {
		return nil, fmt.Errorf("pgembed: data directory %q contains quotes, $, ` or \\, which pg_ctl cannot pass through its shell", dir)
	}
	root := os.Geteuid() == 0
	bin, err := ensureBinDir(ctx, log, root,
		func() string { return findBinDir(ctx, "pg_config", debianBinGlob) }, aptInstallPostgres)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	var cred *syscall.Credential
	if root {
		if cred, err = postgresUser(ctx, log); err != nil {
			return nil, fmt.Errorf("pgembed: %w", err)
		}
	}

	unlock, err := lockDir(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	defer unlock()

	if err := prepareDir(dir, cred, log); err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	c := &Cluster{r: runner{bin: bin, dir: dir, cred: cred}, dir: dir, log: log}
	if err := c.initdb(ctx); err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	port, running, err := c.running(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	if running {
		c.port = port
		log.Info("reusing running PostgreSQL cluster", "dir", dir, "port", port)
	} else {
		if err := c.start(ctx); err != nil {
			return nil, fmt.Errorf("pgembed: %w", err)
		}
		c.owned = true
		log.Info("started PostgreSQL cluster", "dir", dir, "port", c.port, "bin", bin)
	}
	if err := c.createDatabase(ctx); err != nil {
		if c.owned {
			c.Stop(context.WithoutCancel(ctx))
		}
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	return c, nil
}

// URL is the connection URL of the database "market" as user postgres, the
// cluster's superuser and the tables' owner.
func (c *Cluster) URL() string {
	return c.url(Database)
}

// URLAs is the connection URL of the database "market" as another role.
func (c *Cluster) URLAs(user, password string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password),
		Host: fmt.Sprintf("127.0.0.1:%d", c.port), Path: "/" + Database, RawQuery: "sslmode=disable"}
	return u.String()
}

func (c *Cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// Owned reports whether this process started the server and Stop stops it.
func (c *Cluster) Owned() bool { return c.owned }

// Stop shuts the server down (fast mode: open sessions are ended, nothing is
// lost) and waits for it to exit, when this process started it; otherwise it
// does nothing. Pass a context that is not already cancelled, or the server
// stays up. Stopping twice is harmless.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.owned || c.stopped {
		return nil
	}
	c.log.Info("stopping PostgreSQL cluster", "dir", c.dir)
	if _, err := c.r.run(ctx, "pg_ctl", "-D", c.dir, "-m", "fast", "-w", "-t", "120", "stop"); err != nil {
		if _, statErr := os.Stat(c.pidFile()); errors.Is(statErr, fs.ErrNotExist) {
			c.stopped = true // someone else stopped it first
			return nil
		}
		return fmt.Errorf("pgembed: stop: %w", err)
	}
	c.stopped = true
	return nil
}

// Restart starts a cluster this process stopped again, on the same port when
// it is still free, so that open pools reconnect by themselves.
func (c *Cluster) Restart(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.owned || !c.stopped {
		return nil
	}
	if err := c.start(ctx); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	c.stopped = false
	return nil
}

func (c *Cluster) pidFile() string { return filepath.Join(c.dir, "postmaster.pid") }
func (c *Cluster) logFile() string { return filepath.Join(c.dir, "server.log") }

// initdb creates the cluster unless PG_VERSION shows there is one already.
// Some systems lack the C.UTF-8 locale; --no-locale works everywhere.
func (c *Cluster) initdb(ctx context.Context) error {
	_, err := os.Stat(filepath.Join(c.dir, "PG_VERSION"))
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	c.log.Info("creating PostgreSQL cluster", "dir", c.dir)
	base := []string{"-D", c.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"}
	_, err = c.r.run(ctx, "initdb", append(base, "--locale=C.UTF-8")...)
	if err == nil {
		return nil
	}
	c.log.Info("initdb with locale C.UTF-8 failed; retrying with --no-locale", "err", err)
	if _, err := c.r.run(ctx, "initdb", append(base, "--no-locale")...); err != nil {
		return err
	}
	return nil
}

// running reports whether a server of this data dir is up and on which port.
// A postmaster.pid whose process is gone (a crash, a reboot) is removed.
func (c *Cluster) running(ctx context.Context) (int, bool, error) {
	if _, err := os.Stat(c.pidFile()); errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	out, err := c.r.command(ctx, "pg_ctl", "-D", c.dir, "status").CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		port, err := readPort(c.pidFile())
		return port, err == nil, err
	case errors.As(err, &exit) && exit.ExitCode() == 3: // not running
		c.log.Info("removing stale postmaster.pid", "dir", c.dir)
		if err := os.Remove(c.pidFile()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, false, fmt.Errorf("remove stale postmaster.pid: %w", err)
		}
		return 0, false, nil
	default:
		return 0, false, fmt.Errorf("pg_ctl status: %w: %s", err, tail(out, 1000))
	}
}

// readPort takes the port from line 4 of postmaster.pid.
func readPort(pidFile string) (int, error) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, fmt.Errorf("read postmaster.pid: %w", err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, fmt.Errorf("postmaster.pid has no port line (server still starting?)")
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil || port <= 0 {
		return 0, fmt.Errorf("postmaster.pid: bad port %q", lines[3])
	}
	return port, nil
}

// start launches the server on a free port. The port is free when chosen but
// another program may take it before the server binds, so that one failure
// is retried with a new port.
func (c *Cluster) start(ctx context.Context) error {
	socketDir := c.dir
	if len(socketDir)+len("/.s.PGSQL.65535") > maxSocketPath {
		c.log.Info("data directory path too long for a Unix socket; listening on TCP only", "dir", c.dir)
		socketDir = ""
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		port := c.port // a restart keeps the port clients know
		if port == 0 || attempt > 0 {
			if port, err = freePort(); err != nil {
				return err
			}
		}
		logStart := fileSize(c.logFile())
		opts := fmt.Sprintf("-p %d -k '%s' -h 127.0.0.1", port, socketDir)
		_, err = c.r.run(ctx, "pg_ctl", "-D", c.dir, "-l", c.logFile(), "-w", "-t", "120", "-o", opts, "start")
		if err == nil {
			c.port = port
			return nil
		}
		serverLog := readFrom(c.logFile(), logStart)
		err = fmt.Errorf("%w\nserver log (%s):\n%s", err, c.logFile(), tail([]byte(serverLog), 2000))
		if !strings.Contains(serverLog, "could not bind") && !strings.Contains(serverLog, "already in use") {
			break
		}
	}
	return fmt.Errorf("start postgres: %w", err)
}

// freePort asks the kernel for a port nobody listens on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readFrom returns what was appended to path after offset, for the error of
// a failed start.
func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	var b bytes.Buffer
	io.Copy(&b, io.LimitReader(f, 1<<20))
	return b.String()
}

// createDatabase makes sure the database "market" exists. A server that was
// found running may still be starting up, so connecting is retried for a
// while.
func (c *Cluster) createDatabase(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var conn *pgx.Conn
	var err error
	for {
		if conn, err = pgx.Connect(ctx, c.url("postgres")); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("connect to postgres on port %d: %w", c.port, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", Database).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", Database, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+Database)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", Database, err)
	}
	c.log.Info("created database", "name", Database)
	return nil
}

// lockDir serialises Start calls on one data dir across processes (marketctl
// and marketd started together), so that two never run initdb or start the
// same cluster at once. The lock file sits beside the data dir because
// initdb wants that directory empty.
func lockDir(ctx context.Context, dir string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	path := dir + ".lock"
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for lock %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
