// Package redistest starts a private Redis Cluster for a test: three
// masters (redis-server processes on free loopback ports, slots split by
// `redis-cli --cluster create`), reached through the service's own client
// (platform/redisconn, a redis+cluster:// URL). Commands that name keys of
// several hash slots fail there with CROSSSLOT as they do in production,
// which the single Redis the other tests use never reports.
//
// A cluster takes two to three seconds to start (a new master waits 2 s
// before it reports the cluster ok): a package starts one in one test and
// runs its cases as subtests, each under its own key Prefix.
// The test is skipped when redis-server or redis-cli is not installed.
package redistest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/platform/redisconn"
)

// Masters is how many masters a cluster has (no replicas).
const Masters = 3

// Cluster is a running Redis Cluster of Masters nodes.
type Cluster struct {
	// URL names the cluster as REDIS_URL does: redis+cluster://h1,h2,h3.
	URL string
	// Addrs are the nodes, host:port.
	Addrs []string
	// Started is how long starting the cluster took.
	Started time.Duration

	dir   string
	nodes []*node
}

type node struct {
	port, bus int
	cmd       *exec.Cmd
	exited    chan struct{} // closed when the process has ended
	log       string
}

// Start starts a cluster, stopped (its processes killed) when tb ends. It
// skips tb when the Redis binaries are missing and fails it when the
// cluster does not come up.
func Start(tb testing.TB) *Cluster {
	tb.Helper()
	server, err1 := exec.LookPath("redis-server")
	cli, err2 := exec.LookPath("redis-cli")
	if err := errors.Join(err1, err2); err != nil {
		tb.Skipf("redistest: Redis Cluster tests need redis-server and redis-cli: %v", err)
	}
	t0 := time.Now()
	// Free ports are found by listening and closing: another process may
	// take one before redis-server binds it, so a start that loses the race
	// is tried again on new ports.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		c := &Cluster{dir: tb.TempDir()}
		err := c.start(server, cli)
		if err == nil {
			c.Started = time.Since(t0)
			tb.Logf("redistest: Redis Cluster %s started in %v", c.URL, c.Started.Round(time.Millisecond))
			tb.Cleanup(c.stop)
			return c
		}
		c.stop()
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	tb.Fatalf("redistest: start a Redis Cluster: %v", lastErr)
	return nil
}

var errPortTaken = errors.New("port taken")

func (c *Cluster) start(server, cli string) error {
	ports, err := freePorts(2 * Masters)
	if err != nil {
		return err
	}
	for i := 0; i < Masters; i++ {
		n := &node{port: ports[i], bus: ports[Masters+i]}
		n.log = filepath.Join(c.dir, fmt.Sprintf("redis-%d.log", n.port))
		logf, err := os.Create(n.log)
		if err != nil {
			return err
		}
		p := strconv.Itoa(n.port)
		// The bus port is set too: the default, port+10000, may be taken
		// or beyond 65535 for a port picked by the kernel.
		n.cmd = exec.Command(server, "--port", p, "--cluster-enabled", "yes",
			"--cluster-port", strconv.Itoa(n.bus),
			"--cluster-config-file", filepath.Join(c.dir, "nodes-"+p+".conf"),
			"--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--daemonize", "no", "--dir", c.dir)
		n.cmd.Stdout, n.cmd.Stderr = logf, logf
		n.cmd.SysProcAttr = sysProcAttr()
		err = n.cmd.Start()
		logf.Close()
		if err != nil {
			return fmt.Errorf("start redis-server: %w", err)
		}
		n.exited = make(chan struct{})
		go func() { n.cmd.Wait(); close(n.exited) }()
		c.nodes = append(c.nodes, n)
		c.Addrs = append(c.Addrs, "127.0.0.1:"+p)
	}
	c.URL = "redis+cluster://" + strings.Join(c.Addrs, ",")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, n := range c.nodes {
		// By its process id: a process that took the port first must not
		// be taken for this node (nor be made part of this cluster).
		pid := "process_id:" + strconv.Itoa(n.cmd.Process.Pid) + "\r\n"
		if err := c.until(ctx, n, "answer", func(rdb *redis.Client) bool {
			info, err := rdb.Info(ctx, "server").Result()
			return err == nil && strings.Contains(info, pid)
		}); err != nil {
			return err
		}
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Every node must see every slot served and every other node, or the
	// client's first commands may be sent by an incomplete slot map.
	for _, n := range c.nodes {
		if err := c.until(ctx, n, "report cluster_state:ok", func(rdb *redis.Client) bool {
			info, err := rdb.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_slots_ok:16384") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(Masters))
		}); err != nil {
			return err
		}
	}
	return nil
}

// until polls ok on node n, at most 300 times 20 ms apart, and fails early
// when the process ends.
func (c *Cluster) until(ctx context.Context, n *node, what string, ok func(*redis.Client) bool) error {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(n.port),
		DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	defer rdb.Close()
	for range 300 {
		select {
		case <-n.exited:
			log, _ := os.ReadFile(n.log)
			if bytes.Contains(log, []byte("Address already in use")) {
				return fmt.Errorf("redis-server on %d: %w\n%s", n.port, errPortTaken, log)
			}
			return fmt.Errorf("redis-server on %d exited before it would %s:\n%s", n.port, what, log)
		case <-ctx.Done():
			return fmt.Errorf("redis-server on %d did not %s: %w", n.port, what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		if ok(rdb) {
			return nil
		}
	}
	log, _ := os.ReadFile(n.log)
	return fmt.Errorf("redis-server on %d did not %s in 6 s:\n%s", n.port, what, log)
}

func (c *Cluster) stop() {
	for _, n := range c.nodes {
		n.cmd.Process.Kill()
		<-n.exited
	}
	c.nodes = nil
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Client opens the cluster through redisconn.Open, as marketd opens
// REDIS_URL; it is closed when tb ends.
func (c *Cluster) Client(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	u, err := redisconn.Open(c.URL)
	if err != nil {
		tb.Fatalf("redistest: open %s: %v", c.URL, err)
	}
	tb.Cleanup(func() { u.Close() })
	cc, ok := u.(*redis.ClusterClient)
	if !ok {
		tb.Fatalf("redistest: redisconn.Open(%s) returned a %T, not a cluster client", c.URL, u)
	}
	return cc
}

// Prefix returns a key prefix unique to tb, as dbtest.Redis does.
func Prefix(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	return "test:" + hex.EncodeToString(b) + ":"
}

// Keys lists the keys under prefix by the master holding them (its
// address), so that a test can check its keys span several slots and
// servers, or that none is left.
func Keys(tb testing.TB, rdb *redis.ClusterClient, prefix string) map[string][]string {
	tb.Helper()
	var mu sync.Mutex
	out := map[string][]string{}
	ctx := context.Background()
	err := rdb.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		keys, err := m.Keys(ctx, prefix+"*").Result()
		if err != nil || len(keys) == 0 {
			return err
		}
		mu.Lock()
		out[m.Options().Addr] = keys
		mu.Unlock()
		return nil
	})
	if err != nil {
		tb.Fatalf("redistest: list keys under %s: %v", prefix, err)
	}
	return out
}
