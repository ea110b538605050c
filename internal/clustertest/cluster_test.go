//go:build cluster

package clustertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is what scripts/cluster.sh started (its defaults, or the same
// environment variables).
type cluster struct {
	root, dir string
	haproxy   string   // http://host:port
	stats     string   // HAProxy's stats page
	nodes     []string // marketd, http://host:port
	redis     []string // ports, masters first
	owner     string   // superuser URL over the primary's socket
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func openCluster(t *testing.T) *cluster {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{root: root, dir: env("CLUSTER_DIR", filepath.Join(root, "var", "cluster"))}
	listen := env("CLUSTER_LISTEN", "127.0.0.1")
	c.haproxy = "http://" + listen + ":" + env("HAPROXY_PORT", "18100")
	c.stats = "http://" + listen + ":" + env("HAPROXY_STATS_PORT", "18199") + "/;csv"
	for _, p := range strings.Fields(env("MARKETD_PORTS", "18101 18102 18103")) {
		c.nodes = append(c.nodes, "http://"+listen+":"+p)
	}
	c.redis = strings.Fields(env("REDIS_PORTS", "27001 27002 27003 27004 27005 27006"))
	c.owner = fmt.Sprintf("postgres:///%s?host=%s&port=%s&user=postgres&sslmode=disable",
		env("CLUSTER_DB", "market"), filepath.Join(c.dir, "run"), env("PG_PRIMARY_PORT", "25432"))
	if err := exec.Command(filepath.Join(root, "scripts", "cluster.sh"), "status").Run(); err != nil {
		t.Skip("no cluster running: scripts/cluster.sh up first")
	}
	return c
}

// lib runs a function of scripts/cluster-lib.sh (start_node, start_redis).
func (c *cluster) lib(t *testing.T, call string) {
	t.Helper()
	cmd := exec.Command("bash", "-c", ". scripts/cluster-lib.sh && "+call)
	cmd.Dir = c.root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", call, err, out)
	}
}

func (c *cluster) pidOf(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, "run", name+".pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func (c *cluster) db(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), c.owner)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// waitFor polls cond every 50 ms for up to limit and returns how long it
// took; it fails the test after limit.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start).Round(10 * time.Millisecond)
}

func get(url string, header ...string) (int, []byte) {
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// backendState is HAProxy's view of server mN ("UP", "DOWN", …).
func (c *cluster) backendState(n int) string {
	_, b := get(c.stats)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ",")
		if len(f) > 17 && f[0] == "marketd" && f[1] == fmt.Sprintf("m%d", n) {
			return f[17]
		}
	}
	return ""
}

// metric reads one unlabelled metric of a node, from its metrics listener
// (its port + 100, as cluster.sh starts it).
func metric(node, name string) (float64, bool) {
	i := strings.LastIndex(node, ":")
	port, _ := strconv.Atoi(node[i+1:])
	_, b := get(node[:i+1] + strconv.Itoa(port+100) + "/metrics")
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	return v, err == nil
}

// load is `marketctl bench checkout --http` through HAProxy, in the
// background.
type load struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

func (c *cluster) startLoad(t *testing.T, d time.Duration) *load {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(c.dir, "secrets", "data_key"))
	if err != nil {
		t.Fatal(err)
	}
	l := &load{done: make(chan error, 1)}
	l.cmd = exec.Command(filepath.Join(c.dir, "bin", "marketctl"), "bench", "checkout", "--http", c.haproxy,
		"--workers", env("CLUSTER_TEST_WORKERS", "16"), "--warmup", "1s", "--duration", d.String())
	l.cmd.Env = append(os.Environ(), "MIGRATE_DATABASE_URL="+c.owner, "DATABASE_URL=", "MARKET_DATA_KEY="+string(key),
		"MARKET_DATA_DIR="+filepath.Join(c.dir, "data"), "MARKET_LOG_LEVEL=warn")
	l.cmd.Stdout, l.cmd.Stderr = &l.out, &l.out
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { l.done <- l.cmd.Wait() }()
	t.Cleanup(func() {
		if l.cmd.ProcessState == nil {
			l.cmd.Process.Kill()
		}
	})
	return l
}

// ordersPaid counts paid orders so far (progress of the load).
func ordersPaid(t *testing.T, conn *pgx.Conn) int {
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM orders WHERE paid_at IS NOT NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestClusterUnderFaults(t *testing.T) {
	c := openCluster(t)
	conn := c.db(t)
	ctx := context.Background()
	var started time.Time
	if err := conn.QueryRow(ctx, `SELECT now()`).Scan(&started); err != nil {
		t.Fatal(err)
	}
	loadFor := 70 * time.Second
	l := c.startLoad(t, loadFor)
	before := ordersPaid(t, conn)
	waitFor(t, "the load pays orders", 3*time.Minute, func() bool { return ordersPaid(t, conn) > before+200 })
	t.Logf("load: checkout through HAProxy (%s), %s measured", c.haproxy, loadFor)

	t.Run("a marketd killed with -9 and restarted", func(t *testing.T) {
		n := 2
		paid := ordersPaid(t, conn)
		if err := syscall.Kill(c.pidOf(t, fmt.Sprintf("marketd-%d", n)), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		down := waitFor(t, "HAProxy marks the node down", 10*time.Second, func() bool { return strings.HasPrefix(c.backendState(n), "DOWN") })
		c.lib(t, fmt.Sprintf("start_node %d", n))
		up := waitFor(t, "HAProxy takes the node back", 20*time.Second, func() bool { return c.backendState(n) == "UP" })
		t.Logf("FAULT marketd %d killed -9: HAProxy marked it down after %s; restarted, back in rotation %s after its start; %d orders paid meanwhile",
			n, down, up, ordersPaid(t, conn)-paid)
	})

	t.Run("a Redis master killed", func(t *testing.T) {
		port := firstMaster(t, c.redis)
		replica := replicaOf(t, port)
		paid := ordersPaid(t, conn)
		if err := syscall.Kill(c.pidOf(t, "redis-"+port), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		took := waitFor(t, "its replica takes over the dead master's slots", 30*time.Second, func() bool {
			role, _ := exec.Command("redis-cli", "-p", replica, "role").Output()
			info, _ := exec.Command("redis-cli", "-p", replica, "cluster", "info").Output()
			return bytes.HasPrefix(role, []byte("master")) && bytes.Contains(info, []byte("cluster_state:ok"))
		})
		c.lib(t, "start_redis "+port)
		waitFor(t, "the old master rejoins as a replica", 30*time.Second, func() bool {
			role, _ := exec.Command("redis-cli", "-p", port, "role").Output()
			return bytes.HasPrefix(role, []byte("slave"))
		})
		t.Logf("FAULT redis master :%s killed -9: its replica :%s took over its slots after %s; restarted, :%s rejoined as a replica; %d orders paid meanwhile",
			port, replica, took, port, ordersPaid(t, conn)-paid)
	})

	t.Run("the replica stops", func(t *testing.T) {
		replica := filepath.Join(c.dir, "pg-replica")
		onReplica := func(want float64) func() bool {
			return func() bool {
				for _, n := range c.nodes {
					if v, ok := metric(n, "market_db_replica_reads"); !ok || v != want {
						return false
					}
				}
				return true
			}
		}
		waitFor(t, "reads on the replica before the fault", 20*time.Second, onReplica(1))
		paid := ordersPaid(t, conn)
		pgctl(t, "-D", replica, "-m", "immediate", "stop")
		left := waitFor(t, "every node reads the primary", 10*time.Second, onReplica(0))
		for _, n := range c.nodes {
			if st, _ := get(n + "/api/v1/products?limit=5"); st != 200 {
				t.Errorf("%s: catalog answered %d without the replica", n, st)
			}
		}
		pgctl(t, "-D", replica, "-w", "-l", filepath.Join(c.dir, "log", "pg-replica.log"), "start")
		back := waitFor(t, "reads return to the replica", 30*time.Second, onReplica(1))
		t.Logf("FAULT replica stopped: every node read the primary after %s, catalog served; restarted, reads back on it after %s; %d orders paid meanwhile",
			left, back, ordersPaid(t, conn)-paid)
	})

	select {
	case err := <-l.done:
		if err != nil {
			t.Fatalf("load failed: %v\n%s", err, l.out.String())
		}
	case <-time.After(loadFor + 3*time.Minute):
		t.Fatal("load did not finish")
	}
	out := l.out.String()
	t.Logf("load result:\n%s", out)
	for _, want := range []string{"negative_stock_lots=0 audit_violations=0", "paid_orders_lost=0"} {
		if !strings.Contains(out, want) {
			t.Errorf("load output lacks %q", want)
		}
	}

	t.Run("marketctl audit", func(t *testing.T) {
		key, _ := os.ReadFile(filepath.Join(c.dir, "secrets", "data_key"))
		cmd := exec.Command(filepath.Join(c.dir, "bin", "marketctl"), "audit")
		cmd.Env = append(os.Environ(), "MIGRATE_DATABASE_URL="+c.owner, "DATABASE_URL=", "MARKET_DATA_KEY="+string(key),
			"MARKET_DATA_DIR="+filepath.Join(c.dir, "data"), "MARKET_LOG_LEVEL=warn")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("audit: %v\n%s", err, b)
		}
		t.Logf("CHECK %s", strings.TrimSpace(lastLine(string(b))))
	})

	t.Run("sessions valid on every node", func(t *testing.T) { c.sessionsEverywhere(t) })
	t.Run("a price changed on one node is served by all within 1 s", func(t *testing.T) { c.pricePropagates(t, conn) })
	t.Run("river jobs run once across nodes", func(t *testing.T) { c.riverOnce(t, conn, started) })
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// firstMaster is the first of ports whose server is a master.
func firstMaster(t *testing.T, ports []string) string {
	t.Helper()
	for _, p := range ports {
		if role, _ := exec.Command("redis-cli", "-p", p, "role").Output(); bytes.HasPrefix(role, []byte("master")) {
			return p
		}
	}
	t.Fatal("no Redis master answers")
	return ""
}

// replicaOf is the port of the replica of the master on port.
func replicaOf(t *testing.T, port string) string {
	t.Helper()
	id, err := exec.Command("redis-cli", "-p", port, "cluster", "myid").Output()
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := exec.Command("redis-cli", "-p", port, "cluster", "nodes").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(nodes), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && strings.Contains(f[2], "slave") && f[3] == strings.TrimSpace(string(id)) {
			addr, _, _ := strings.Cut(f[1], "@")
			return addr[strings.LastIndex(addr, ":")+1:]
		}
	}
	t.Fatalf("no replica of the master on :%s", port)
	return ""
}

func pgctl(t *testing.T, args ...string) {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		t.Fatal("no pg_ctl")
	}
	name, argv := bins[len(bins)-1], args
	if os.Geteuid() == 0 {
		name, argv = "runuser", append([]string{"-u", "postgres", "--", bins[len(bins)-1]}, args...)
	}
	if out, err := exec.Command(name, argv...).CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl %v: %v\n%s", args, err, out)
	}
}

type apiClient struct {
	base, token string
	cookies     []*http.Cookie
}

func (a apiClient) do(method, path string, body any, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	for _, c := range a.cookies {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return res.StatusCode, err
		}
	}
	return res.StatusCode, nil
}

// login signs in through base and keeps the token and the session cookie.
func login(t *testing.T, base, email string) apiClient {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"email": email, "password": "demo-pass-2020"})
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
		t.Fatalf("login %s: %d %v", email, res.StatusCode, err)
	}
	return apiClient{base: base, token: out.Token, cookies: res.Cookies()}
}

func (c *cluster) sessionsEverywhere(t *testing.T) {
	sess := login(t, c.haproxy, "buyer@demo.local")
	sess.token = "" // the browser session alone: it lives in the Redis Cluster
	for _, n := range c.nodes {
		sess.base = n
		var me struct {
			Email string `json:"email"`
		}
		if st, err := sess.do("GET", "/api/v1/me", nil, &me); st != 200 || err != nil || me.Email != "buyer@demo.local" {
			t.Errorf("%s: /api/v1/me with the session: %d %v %q", n, st, err, me.Email)
		}
	}
	t.Logf("CHECK a session made through HAProxy is valid on all %d nodes", len(c.nodes))
}

func (c *cluster) pricePropagates(t *testing.T, conn *pgx.Conn) {
	ctx := context.Background()
	var productID int64
	const q = `SELECT p.id FROM products p JOIN user_roles r ON r.cooperative_id = p.cooperative_id
		JOIN users u ON u.id = r.user_id WHERE u.email = 'coop@demo.local' AND p.status = 'active' ORDER BY p.id LIMIT 1`
	if err := conn.QueryRow(ctx, q).Scan(&productID); err != nil {
		t.Fatal(err)
	}
	admin := login(t, c.nodes[0], "coop@demo.local")
	type variant struct {
		ID       string `json:"id"`
		SKU      string `json:"sku"`
		Name     string `json:"name"`
		PriceFen int64  `json:"price_fen"`
		BaseQty  any    `json:"base_qty"`
	}
	var p struct {
		Variants []variant `json:"variants"`
	}
	path := fmt.Sprintf("/api/v1/products/%d", productID)
	if st, err := admin.do("GET", path, nil, &p); st != 200 || err != nil || len(p.Variants) == 0 {
		t.Fatalf("read product: %d %v", st, err)
	}
	// Every node has the page cached before the change.
	for _, n := range c.nodes {
		get(n + path)
	}
	p.Variants[0].PriceFen++
	want := p.Variants[0].PriceFen
	start := time.Now()
	if st, err := admin.do("PATCH", path, map[string]any{"variants": p.Variants}, nil); st != 200 || err != nil {
		t.Fatalf("change the price on node 1: %d %v", st, err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	seen := map[string]time.Duration{}
	for _, n := range c.nodes {
		wg.Add(1)
		go func(n string) {
			defer wg.Done()
			for time.Since(start) < 5*time.Second {
				var got struct {
					Variants []variant `json:"variants"`
				}
				st, b := get(n + path)
				if st == 200 && json.Unmarshal(b, &got) == nil && len(got.Variants) > 0 && got.Variants[0].PriceFen == want {
					mu.Lock()
					seen[n] = time.Since(start).Round(time.Millisecond)
					mu.Unlock()
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}(n)
	}
	wg.Wait()
	for _, n := range c.nodes {
		d, ok := seen[n]
		if !ok || d > time.Second {
			t.Errorf("%s served the new price after %v (seen %v), want within 1 s", n, d, ok)
		}
	}
	t.Logf("CHECK price changed through node 1, served by each node after %v", seen)
}

func (c *cluster) riverOnce(t *testing.T, conn *pgx.Conn, since time.Time) {
	ctx := context.Background()
	var jobs, retried, multi, nodes int
	var window float64
	const q = `SELECT count(*), count(*) FILTER (WHERE attempt > 1), count(*) FILTER (WHERE cardinality(attempted_by) > 1),
		count(DISTINCT attempted_by[1]), extract(epoch FROM max(created_at) - min(created_at))::float8
		FROM river_job WHERE kind = 'apply_rollups' AND created_at >= $1`
	if err := conn.QueryRow(ctx, q, since).Scan(&jobs, &retried, &multi, &nodes, &window); err != nil {
		t.Fatal(err)
	}
	// One periodic insert per 2 s by the one leader (three leaders would
	// insert three); a new leader runs it once at election.
	limit := int(window/2) + 4
	if jobs == 0 || jobs > limit || retried > 0 || multi > 0 {
		t.Errorf("apply_rollups over %.0f s: %d jobs (at most %d), %d retried, %d run by more than one client", window, jobs, limit, retried, multi)
	}
	t.Logf("CHECK river: %d apply_rollups jobs in %.0f s (one per 2 s), each run once, by %d clients across the nodes", jobs, window, nodes)
}
