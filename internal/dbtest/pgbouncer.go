package dbtest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/schema"
)

// PgBouncer runs PgBouncer in transaction pooling, as scripts/cluster.sh
// sets it up, in front of db for the service's role, and returns its URL
// (with no default_query_exec_mode: callers add what they test). It is
// stopped when tb ends, and tb is skipped where PgBouncer is not
// installed. Server connections are handed out round robin: a pooler gives
// each transaction whichever server connection is free, and round robin
// makes that independent of the traffic a real node has.
func PgBouncer(tb testing.TB, db *DB) string {
	tb.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/pgbouncer"); err != nil {
			tb.Skip("pgbouncer is not installed")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "pgbouncer")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777) // PgBouncer refuses to run as root: it runs as postgres then
	u, err := url.Parse(AdminURL())
	if err != nil {
		tb.Fatal(err)
	}
	ini := fmt.Sprintf(`[databases]
%s = host=%s port=%s dbname=%s user=%s password=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 4
server_round_robin = 1
ignore_startup_parameters = extra_float_digits
server_reset_query =
pidfile = %s
`, db.Name, u.Hostname(), portOf(u), db.Name, schema.AppRole, AppPassword, port, filepath.Join(dir, "pgbouncer.pid"))
	path := filepath.Join(dir, "pgbouncer.ini")
	if err := os.WriteFile(path, []byte(ini), 0o644); err != nil {
		tb.Fatal(err)
	}
	args := []string{path}
	if os.Geteuid() == 0 {
		args = []string{"-u", "postgres", path}
	}
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// In the foreground PgBouncer logs to stderr; it is ready once it says
	// it listens.
	lines := bufio.NewScanner(stderr)
	var said []string
	for lines.Scan() {
		said = append(said, lines.Text())
		if strings.Contains(lines.Text(), "listening on 127.0.0.1") {
			break
		}
	}
	if len(said) == 0 || !strings.Contains(said[len(said)-1], "listening on 127.0.0.1") {
		tb.Fatalf("pgbouncer did not start:\n%s", strings.Join(said, "\n"))
	}
	go io.Copy(io.Discard, stderr)
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", schema.AppRole, port, db.Name)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return "5432"
}
