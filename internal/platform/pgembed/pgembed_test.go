package pgembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// needServer skips only where Start could not possibly work: no binaries and
// no root to install them. On a machine with PostgreSQL or as root it runs.
func needServer(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 && findBinDir(context.Background(), "pg_config", debianBinGlob) == "" {
		t.Skip("no PostgreSQL server binaries and not root to install them")
	}
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func startCluster(t *testing.T, ctx context.Context, dir string) *Cluster {
	t.Helper()
	c, err := Start(ctx, dir, testLog(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	// Registered after t.TempDir, so the server stops before its dir goes.
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("cleanup Stop: %v", err)
		}
	})
	return c
}

func TestClusterLifecycle(t *testing.T) {
	needServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "postgres")

	c := startCluster(t, ctx, dir)
	if !c.Owned() {
		t.Fatal("first Start: Owned() = false, want true")
	}
	u, err := url.Parse(c.URL())
	if err != nil {
		t.Fatalf("URL %q: %v", c.URL(), err)
	}
	if u.Scheme != "postgres" || u.User.Username() != "postgres" || u.Hostname() != "127.0.0.1" ||
		u.Path != "/market" || u.Query().Get("sslmode") != "disable" {
		t.Fatalf("URL() = %q, want postgres://postgres@127.0.0.1:PORT/market?sslmode=disable", c.URL())
	}
	if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf(".s.PGSQL.%s", u.Port()))); err != nil {
		t.Errorf("unix socket not in the cluster dir: %v", err)
	}
	if len(processesOf(dir)) == 0 {
		t.Fatal("no process of the data dir found while it runs; assertStopped would prove nothing")
	}
	// The server must not share our process group, or a Ctrl-C on the
	// terminal would kill it before marketd drains its requests.
	if pg := serverPgrp(t, c); pg == syscall.Getpgrp() {
		t.Errorf("postmaster is in our process group %d", pg)
	}
	exec1(t, ctx, c.URL(), "CREATE TABLE kept (v int)", "INSERT INTO kept VALUES (42)")

	// A second Start while the server runs reuses it and must not stop it.
	c2, err := Start(ctx, dir, testLog(t))
	if err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if c2.Owned() {
		t.Fatal("second Start: Owned() = true, want false")
	}
	if c2.URL() != c.URL() {
		t.Fatalf("second Start URL = %q, want %q", c2.URL(), c.URL())
	}
	if err := c2.Stop(ctx); err != nil {
		t.Fatalf("Stop of a reused cluster: %v", err)
	}
	if got := queryInt(t, ctx, c.URL(), "SELECT v FROM kept"); got != 42 {
		t.Fatalf("after non-owner Stop: v = %d, want 42", got)
	}

	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	assertStopped(t, ctx, c)
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	// Starting again reuses the data.
	c3 := startCluster(t, ctx, dir)
	if !c3.Owned() {
		t.Fatal("restart: Owned() = false, want true")
	}
	if got := queryInt(t, ctx, c3.URL(), "SELECT v FROM kept"); got != 42 {
		t.Fatalf("after restart: v = %d, want 42", got)
	}
	if err := c3.Stop(ctx); err != nil {
		t.Fatalf("Stop after restart: %v", err)
	}
	assertStopped(t, ctx, c3)
}

func TestStalePidFileIsRemoved(t *testing.T) {
	needServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "postgres")

	c := startCluster(t, ctx, dir)
	exec1(t, ctx, c.URL(), "CREATE TABLE kept (v int)", "INSERT INTO kept VALUES (7)")
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	assertStopped(t, ctx, c)

	// A crash leaves postmaster.pid behind naming a process that is gone.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf("%d\n%s\n1700000000\n%d\n%s\n127.0.0.1\n  1234567     98304\nready   \n",
		gone.Process.Pid, dir, 54321, dir)
	if err := os.WriteFile(c.pidFile(), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	if c.r.cred != nil {
		if err := os.Chown(c.pidFile(), int(c.r.cred.Uid), int(c.r.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}

	c2 := startCluster(t, ctx, dir)
	if !c2.Owned() {
		t.Fatal("Start over a stale postmaster.pid: Owned() = false, want true")
	}
	if strings.Contains(c2.URL(), ":54321/") {
		t.Fatalf("Start took the port of the stale pid file: %s", c2.URL())
	}
	if got := queryInt(t, ctx, c2.URL(), "SELECT v FROM kept"); got != 7 {
		t.Fatalf("v = %d, want 7", got)
	}
	if err := c2.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	assertStopped(t, ctx, c2)
}

// assertStopped checks that nothing of the cluster survives: no pid file,
// pg_ctl says no server, and no process runs from or names the data dir.
// Processes leave /proc a moment after the pid file goes, hence the polling.
func assertStopped(t *testing.T, ctx context.Context, c *Cluster) {
	t.Helper()
	if _, err := os.Stat(c.pidFile()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("postmaster.pid still present after Stop (stat err %v)", err)
	}
	err := c.r.command(ctx, "pg_ctl", "-D", c.dir, "status").Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("pg_ctl status after Stop: %v, want exit status 3 (not running)", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		pids := processesOf(c.dir)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of %s still running after Stop: %v", c.dir, pids)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serverPgrp reads the process group of the postmaster named in
// postmaster.pid from /proc/PID/stat (field 5, after the parenthesised name).
func serverPgrp(t *testing.T, c *Cluster) int {
	t.Helper()
	b, err := os.ReadFile(c.pidFile())
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.SplitN(string(b), "\n", 2)[0]
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	var pgrp int
	if _, err := fmt.Sscan(fields[2], &pgrp); err != nil {
		t.Fatalf("stat of %s: %v", pid, err)
	}
	return pgrp
}

// processesOf lists the processes whose working directory is dir (every
// PostgreSQL process chdirs to its data dir) or whose command line names it.
func processesOf(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		pid := e.Name()
		if pid == "" || pid[0] < '0' || pid[0] > '9' {
			continue
		}
		cwd, _ := os.Readlink(filepath.Join("/proc", pid, "cwd"))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		if cwd == dir || strings.Contains(string(cmdline), dir) {
			pids = append(pids, pid+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return pids
}

func exec1(t *testing.T, ctx context.Context, dbURL string, sqls ...string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect %s: %v", dbURL, err)
	}
	defer conn.Close(ctx)
	for _, sql := range sqls {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

func queryInt(t *testing.T, ctx context.Context, dbURL, sql string) int {
	t.Helper()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect %s: %v", dbURL, err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func TestEnsureBinDirWithoutRootNamesThePackage(t *testing.T) {
	installed := false
	_, err := ensureBinDir(context.Background(), testLog(t), false,
		func() string { return "" },
		func(context.Context) error { installed = true; return nil })
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	if installed {
		t.Fatal("tried to install without root")
	}
	for _, want := range []string{"postgresql", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestEnsureBinDirAsRootInstallsThenLooksAgain(t *testing.T) {
	found := ""
	dir, err := ensureBinDir(context.Background(), testLog(t), true,
		func() string { return found },
		func(context.Context) error { found = "/opt/pg/bin"; return nil })
	if err != nil || dir != "/opt/pg/bin" {
		t.Fatalf("ensureBinDir = %q, %v; want /opt/pg/bin", dir, err)
	}

	boom := errors.New("no network")
	_, err = ensureBinDir(context.Background(), testLog(t), true,
		func() string { return "" },
		func(context.Context) error { return boom })
	if !errors.Is(err, boom) || !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want both the install error and ErrNoBinaries", err)
	}
}

// fakeBinDir makes a directory with executables named like the server's.
func fakeBinDir(t *testing.T, dir string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindBinDir(t *testing.T) {
	root := t.TempDir()
	lib := filepath.Join(root, "lib")
	fakeBinDir(t, filepath.Join(lib, "9.6", "bin"), "initdb", "pg_ctl", "postgres")
	fakeBinDir(t, filepath.Join(lib, "10", "bin"), "initdb", "pg_ctl", "postgres")
	fakeBinDir(t, filepath.Join(lib, "17", "bin"), "pg_ctl") // client-only leftovers
	glob := filepath.Join(lib, "*", "bin")

	if got, want := findBinDir(context.Background(), "no-such-pg_config", glob), filepath.Join(lib, "10", "bin"); got != want {
		t.Errorf("highest complete version: got %q, want %q", got, want)
	}

	// pg_config wins when its bindir holds a server.
	chosen := filepath.Join(root, "chosen")
	fakeBinDir(t, chosen, "initdb", "pg_ctl", "postgres")
	tools := filepath.Join(root, "tools")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\necho %s\n", chosen)
	if err := os.WriteFile(filepath.Join(tools, "fake_pg_config"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", tools+string(os.PathListSeparator)+os.Getenv("PATH"))
	if got := findBinDir(context.Background(), "fake_pg_config", glob); got != chosen {
		t.Errorf("with pg_config: got %q, want %q", got, chosen)
	}

	if got := findBinDir(context.Background(), "no-such-pg_config", filepath.Join(root, "none", "*", "bin")); got != "" {
		t.Errorf("nothing installed: got %q, want empty", got)
	}
}

func TestVersionLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"9.6", "10", true},
		{"10", "9.6", false},
		{"15", "16", true},
		{"16", "16", false},
		{"9.5", "9.6", true},
	} {
		if got := versionLess(tc.a, tc.b); got != tc.want {
			t.Errorf("versionLess(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestReadPort(t *testing.T) {
	p := filepath.Join(t.TempDir(), "postmaster.pid")
	os.WriteFile(p, []byte("123\n/data\n1700000000\n5433\n/data\n127.0.0.1\n  1 2\nready   \n"), 0o600)
	if port, err := readPort(p); err != nil || port != 5433 {
		t.Fatalf("readPort = %d, %v; want 5433", port, err)
	}
	os.WriteFile(p, []byte("123\n/data\n"), 0o600)
	if _, err := readPort(p); err == nil {
		t.Fatal("readPort of a short file: want an error")
	}
}
