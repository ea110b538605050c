// Command reportbench measures the income reports of issue 6 on a scratch
// database it creates and drops: region summaries read from the rollups
// beside the same figures computed by a plain GROUP BY over the ledger, in
// the same run, and the household export in rows per second.
//
//	go run ./cmd/reportbench [--database-url URL] [--households 1000000] [--entries 10000000] [--markdown]
//
// It loads what `marketctl demo --households N --orders K` loads (the demo
// accounts, the registry of N households, the catalog, K real orders placed
// and paid through order.Service), then tops the ledger up to --entries
// entries with INSERT … SELECT from generate_series in batches of --batch
// rows: sale entries that reference the real orders' lines, lots and
// cooperatives, spread over every household of the registry (each under its
// own village) and over the year so far. Every batch queues its entries and
// is then applied to the rollups in one pass (apply_pending_rollups), as in
// production; reportbench checks them against the ledger (I6) afterwards.
//
// It then times, interleaved, --runs calls of report.Service.Summary and of
// the GROUP BY for a county (653224 洛浦县), the largest county and the
// prefecture (653200 和田地区), as a platform administrator, and checks that
// both give the same figures; and the export of the prefecture: the rows of
// report.Service.EachHousehold encoded as CSV, GET
// /api/v1/attribution/export as CSV and XLSX from a server on 127.0.0.1, and
// PostgreSQL's COPY of the same rows as a baseline.
//
// The database URL names any database on the server (the default is the test
// server's postgres database): reportbench needs the right to create
// databases there. The web server uses the test Redis
// (MARKET_TEST_REDIS_URL, default redis://127.0.0.1:6379/0) under a key
// prefix of its own that it deletes at the end.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/fupinmarket/market/internal/platform/benchkit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "reportbench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	adminURL     string
	redisURL     string
	households   int
	entries      int
	orders       int
	batch        int
	runs         int
	baselineRuns int
	regions      string
	exportRegion string
	markdown     bool
	keep         bool
}

func defaultURL() string {
	if v := os.Getenv("MARKET_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func defaultRedisURL() string {
	if v := os.Getenv("MARKET_TEST_REDIS_URL"); v != "" {
		return v
	}
	return "redis://127.0.0.1:6379/0"
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("reportbench", flag.ContinueOnError)
	fs.StringVar(&o.adminURL, "database-url", defaultURL(), "a database on the server to benchmark; a scratch database is created beside it and dropped")
	fs.StringVar(&o.redisURL, "redis-url", defaultRedisURL(), "Redis for the web server (keys under a prefix of this run, deleted at the end)")
	fs.IntVar(&o.households, "households", 1_000_000, "households in the demo registry")
	fs.IntVar(&o.entries, "entries", 10_000_000, "ledger entries in all (the demo orders' and the generated ones)")
	fs.IntVar(&o.orders, "orders", 300, "real orders placed and paid through order.Service before the generated entries")
	fs.IntVar(&o.batch, "batch", 500_000, "generated entries per INSERT statement (each then applied to the rollups in one pass)")
	fs.IntVar(&o.runs, "runs", 50, "timed summaries per region")
	fs.IntVar(&o.baselineRuns, "baseline-runs", 0, "timed GROUP BY queries per region (default: --runs)")
	fs.StringVar(&o.regions, "regions", "653224,largest-county,653200", "regions to summarise, comma-separated; largest-county is the county with the most households")
	fs.StringVar(&o.exportRegion, "export-region", "653200", "region whose households are exported")
	fs.BoolVar(&o.markdown, "markdown", false, "print the results as Markdown tables too")
	fs.BoolVar(&o.keep, "keep", false, "keep the scratch database (for inspection)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.baselineRuns == 0 {
		o.baselineRuns = o.runs
	}
	if o.households < 1 || o.entries < 0 || o.orders < 1 || o.batch < 1 || o.runs < 1 || o.baselineRuns < 1 {
		return o, errors.New("--households, --orders, --batch, --runs and --baseline-runs must be positive, --entries not negative")
	}
	return o, nil
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "reportbench %s: "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}

func run(ctx context.Context, args []string) (err error) {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	// The web server needs Redis: better to know before loading for minutes.
	rdb, err := redisClient(ctx, o.redisURL)
	if err != nil {
		return err
	}
	rdb.Close()
	scratch, err := benchkit.CreateScratch(ctx, o.adminURL, "reportbench")
	if err != nil {
		return err
	}
	if !o.keep {
		defer func() {
			if err := scratch.Drop(2 * time.Minute); err != nil {
				logf("drop %s: %v", scratch.Name, err)
			}
		}()
	} else {
		logf("keeping database %s", scratch.Name)
	}
	dbURL := scratch.URL
	dir, err := os.MkdirTemp("", "reportbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	started := time.Now()
	loadBefore := loadAvg()
	b, err := load(ctx, o, dbURL, dir)
	if b != nil {
		defer b.pool.Close()
	}
	if err != nil {
		return err
	}
	lat, err := measureSummaries(ctx, b, o)
	if err != nil {
		return err
	}
	exp, err := measureExports(ctx, b, o, dir)
	if err != nil {
		return err
	}
	checks, err := checkRollups(ctx, b)
	if err != nil {
		return err
	}
	printResults(b, o, lat, exp, checks, loadBefore, time.Since(started))
	return nil
}

// printResults prints the results.
func printResults(b *bench, o options, lat []regionLatency, exp []exportResult, checks []string, loadBefore string, total time.Duration) {
	var version string
	b.pool.QueryRow(context.Background(), `SHOW server_version`).Scan(&version)
	fmt.Printf("date            %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Printf("machine         %d CPUs (nproc), %s memory, %s/%s, %s\n", runtime.NumCPU(), benchkit.MemTotal(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Printf("postgresql      %s (%s)\n", version, b.settings)
	fmt.Printf("load average    %s at the start, %s during the summaries, %s at the end\n", loadBefore, b.loadDuring, loadAvg())
	fmt.Printf("data            %s households, %s ledger entries (%s from %d orders through order.Service), year %d\n",
		benchkit.GroupDigits(b.households), benchkit.GroupDigits(b.entries), benchkit.GroupDigits(b.realEntries), b.orders, b.year)
	fmt.Printf("                %s household-years, %s village-years; database %s\n", benchkit.GroupDigits(b.householdYears), benchkit.GroupDigits(b.villageYears), b.dbSize)
	fmt.Println("loading:")
	for _, s := range b.steps {
		fmt.Printf("  %-96s %8.1f s\n", s.name, s.seconds)
	}
	fmt.Printf("  %-96s %8.1f s\n", "total, scratch database to measurements", b.loadSeconds)
	fmt.Printf("  generated entries: %s rows/s applied to the rollups (batches of %s: first %.1f s, last %.1f s, median %.1f s, slowest %.1f s)\n",
		benchkit.GroupDigits(int(b.genRate)), benchkit.GroupDigits(o.batch), b.batchFirst, b.batchLast, b.batchMedian, b.batchMax)
	fmt.Printf("summaries (%d runs of Summary, %d of GROUP BY, interleaved; ms):\n", o.runs, o.baselineRuns)
	for _, l := range lat {
		fmt.Printf("  %-28s %9s entries %7s households  rollup p50 %8.2f p95 %8.2f   GROUP BY p50 %9.1f p95 %9.1f   ratio p50 %6.0f× p95 %6.0f×\n",
			l.code+" "+l.name, benchkit.GroupDigits(l.entries), benchkit.GroupDigits(l.households), ms(l.rollup.p50), ms(l.rollup.p95),
			ms(l.groupBy.p50), ms(l.groupBy.p95), l.groupBy.p50.Seconds()/l.rollup.p50.Seconds(), l.groupBy.p95.Seconds()/l.rollup.p95.Seconds())
	}
	fmt.Printf("export of %s:\n", o.exportRegion)
	for _, e := range exp {
		fmt.Printf("  %-58s %8s rows %7.1f s %9s rows/s %7.1f MB\n", e.name, benchkit.GroupDigits(e.rows), e.seconds, benchkit.GroupDigits(int(e.rate())), float64(e.bytes)/(1<<20))
	}
	fmt.Println("rollups against the ledger (I6):")
	for _, c := range checks {
		fmt.Printf("  %s\n", c)
	}
	fmt.Printf("total run       %s\n", total.Round(time.Second))
	if !o.markdown {
		return
	}
	fmt.Println()
	fmt.Println("| region | entries | households | Summary p50 | Summary p95 | GROUP BY p50 | GROUP BY p95 | GROUP BY ÷ Summary (p50 / p95) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, l := range lat {
		fmt.Printf("| %s %s | %s | %s | %.2f ms | %.2f ms | %s ms | %s ms | %s× / %s× |\n", l.code, l.name, benchkit.GroupDigits(l.entries), benchkit.GroupDigits(l.households),
			ms(l.rollup.p50), ms(l.rollup.p95), benchkit.GroupDigits(int(ms(l.groupBy.p50))), benchkit.GroupDigits(int(ms(l.groupBy.p95))),
			benchkit.GroupDigits(int(l.groupBy.p50.Seconds()/l.rollup.p50.Seconds())), benchkit.GroupDigits(int(l.groupBy.p95.Seconds()/l.rollup.p95.Seconds())))
	}
	fmt.Println()
	fmt.Println("| export | rows | seconds | rows/s | size |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, e := range exp {
		fmt.Printf("| %s | %s | %.1f | %s | %.1f MB |\n", e.name, benchkit.GroupDigits(e.rows), e.seconds, benchkit.GroupDigits(int(e.rate())), float64(e.bytes)/(1<<20))
	}
	fmt.Println()
	fmt.Println("| loading step | seconds |")
	fmt.Println("|---|---:|")
	for _, s := range b.steps {
		fmt.Printf("| %s | %.1f |\n", s.name, s.seconds)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
