package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/region"
)

// childCommand as the first argument makes importbench the import child.
const childCommand = "child-import"

// officeRegion is the jurisdiction of the importing office: the province,
// which holds every listed county.
const officeRegion = "650000"

// childReport is what the import child prints, as JSON, on stdout.
type childReport struct {
	Rows, Imported, Updated int
	Seconds                 float64
	VmHWMKB                 int64
	PeakHeapBytes           uint64
	MaxRSSKB                int64  `json:"-"` // filled in by the parent from getrusage
	Steps                   []step // the import's SQL statements that took 50 ms or more
}

// step is one SQL statement of the import and how long it took.
type step struct {
	SQL     string
	Seconds float64
}

// stepTracer times the import's statements (pgx tracing), to show where an
// import's time goes.
type stepTracer struct {
	mu    sync.Mutex
	steps []step
}

type traceStart struct{}

type traced struct {
	start time.Time
	what  string
}

func (t *stepTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	what := strings.Join(strings.Fields(d.SQL), " ")
	if r := []rune(what); len(r) > 90 {
		what = string(r[:90]) + "…"
	}
	return context.WithValue(ctx, traceStart{}, traced{time.Now(), what})
}

func (t *stepTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	t.record(ctx)
}

func (t *stepTracer) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceCopyFromStartData) context.Context {
	return context.WithValue(ctx, traceStart{}, traced{time.Now(), "COPY " + d.TableName.Sanitize() + " (read, validate, seal, stream)"})
}

func (t *stepTracer) TraceCopyFromEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromEndData) {
	t.record(ctx)
}

func (t *stepTracer) record(ctx context.Context) {
	tr, ok := ctx.Value(traceStart{}).(traced)
	if !ok {
		return
	}
	if d := time.Since(tr.start); d >= 50*time.Millisecond {
		t.mu.Lock()
		t.steps = append(t.steps, step{tr.what, d.Seconds()})
		t.mu.Unlock()
	}
}

// importInChild runs the import of file in a child process as a new office
// user of the province and returns its report with the child's peak RSS.
// The data key travels in the environment, not on the command line.
func importInChild(ctx context.Context, pool *pgxpool.Pool, dbURL, key, file string) (childReport, error) {
	var user int64
	const q = `WITH u AS (INSERT INTO users (email, name, password_hash)
			VALUES ('importbench@example.com', '新疆维吾尔自治区乡村振兴局', 'x') RETURNING id),
		r AS (INSERT INTO user_roles (user_id, role, region_code) SELECT id, 'office', $1 FROM u)
		SELECT id FROM u`
	if err := pool.QueryRow(ctx, q, officeRegion).Scan(&user); err != nil {
		return childReport{}, fmt.Errorf("importing office: %w", err)
	}
	pool.Exec(ctx, "CHECKPOINT")
	self, err := os.Executable()
	if err != nil {
		return childReport{}, err
	}
	cmd := exec.CommandContext(ctx, self, childCommand, "--database-url", dbURL, "--file", file, "--user", strconv.FormatInt(user, 10))
	cmd.Env = append(os.Environ(), "MARKET_DATA_KEY="+key)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return childReport{}, fmt.Errorf("import child: %w", err)
	}
	var rep childReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return childReport{}, fmt.Errorf("import child's report: %w", err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rep.MaxRSSKB = ru.Maxrss // kilobytes on Linux
	}
	return rep, nil
}

// runChild imports the file and prints a childReport.
func runChild(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet(childCommand, flag.ContinueOnError)
	dbURL := fs.String("database-url", "", "database")
	file := fs.String("file", "", "CSV file")
	user := fs.Int64("user", 0, "office user id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ring, err := pii.ParseRing(os.Getenv("MARKET_DATA_KEY"))
	if err != nil {
		return err
	}
	cfg, err := pgxpool.ParseConfig(*dbURL)
	if err != nil {
		return err
	}
	tracer := &stepTracer{}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	actor := auth.Actor{UserID: *user, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: officeRegion, OfficeLevel: region.Province}
	var rep childReport
	sample := func(rows int) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		rep.PeakHeapBytes = max(rep.PeakHeapBytes, m.HeapInuse)
		fmt.Fprintf(os.Stderr, "\rimportbench: import %d rows", rows)
	}
	start := time.Now()
	res, err := household.NewService(pool, ring).Import(ctx, actor, f, household.ImportOptions{Progress: sample, ProgressEvery: 50_000})
	rep.Seconds = time.Since(start).Seconds()
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	rep.Rows, rep.Imported, rep.Updated = res.Rows, res.Imported, res.Updated
	rep.VmHWMKB = vmHWM()
	rep.Steps = tracer.steps
	return json.NewEncoder(os.Stdout).Encode(rep)
}

// vmHWM is the process's peak resident set size in kB, from
// /proc/self/status (0 where there is none).
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
