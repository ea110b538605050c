package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDrainBehindHAProxyFinishesRequestsInFlight: marketd behind HAProxy
// configured as scripts/cluster.sh configures it. On SIGTERM marketd's
// /readyz answers 503 (Drain) while it goes on serving; HAProxy takes the
// node out of rotation, and a request that was running on it still gets its
// whole answer (cluster.sh roll relies on it). It is skipped where HAProxy
// is not installed.
func TestDrainBehindHAProxyFinishesRequestsInFlight(t *testing.T) {
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/haproxy"); err != nil {
			t.Skip("haproxy is not installed")
		}
	}
	s := startSlow(t)
	a, ln, entered, release := s.app, s.ln, s.entered, s.release
	defer a.HTTP.ShutdownWithContext(context.Background())

	front, stats := freePort(t), freePort(t)
	gen := exec.Command("bash", "-c", ". scripts/cluster-lib.sh && haproxy_cfg")
	gen.Dir = filepath.Join("..", "..")
	gen.Env = append(os.Environ(), "MARKETD_NODES="+ln.Addr().String(), "CLUSTER_LISTEN=127.0.0.1",
		fmt.Sprintf("HAPROXY_PORT=%d", front), fmt.Sprintf("HAPROXY_STATS_PORT=%d", stats), "CLUSTER_DIR="+t.TempDir())
	cfg, err := gen.Output()
	if err != nil {
		t.Fatalf("haproxy_cfg: %v", err)
	}
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	proxy := exec.Command(bin, "-db", "-f", path)
	if err := proxy.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Process.Kill(); proxy.Wait() })
	base := fmt.Sprintf("http://127.0.0.1:%d", front)
	status := func(path string) int {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	eventually(t, "the node in rotation", func() bool { return status("/readyz") == http.StatusOK })

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	<-entered
	a.Drain() // what marketd does on SIGTERM, for MARKET_DRAIN_DELAY
	// HAProxy cuts a down server's sessions (shutdown-sessions) as it marks
	// it down, before it answers 503 for want of a server.
	eventually(t, "HAProxy took the draining node out", func() bool { return status("/healthz") == http.StatusServiceUnavailable })
	close(release)
	r := <-got
	if r.err != nil || r.status != http.StatusOK || r.body != "finished" {
		t.Fatalf("the request in flight on the draining node: status %d, body %q, err %v; want 200 finished", r.status, r.body, r.err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
