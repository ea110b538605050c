// Command importbench measures the household CSV import against
// plain PostgreSQL COPY of the same rows, on a scratch database it creates
// and drops:
//
//	go run ./cmd/importbench [--database-url URL] [--rows 1000000] [--markdown]
//
// It creates the demo villages for --rows households (internal/demo), writes
// the demo households to a temporary CSV file in the import format, and then
// times, in one run against one server:
//
//  1. COPY plain: the CSV file as it is into a scratch table of text and
//     numbers (COPY … FROM STDIN (FORMAT csv)), no index — the floor;
//  2. COPY stored: the same rows as the import stores them (sealed name and
//     ID number precomputed, keyed hash, masks) into a copy of the households
//     table with its indexes, constraints and foreign key;
//  3. Import: household.Service.Import of the CSV file by a province office,
//     in a child process (this binary re-executed), so that the peak resident
//     memory the kernel reports for it (getrusage ru_maxrss, and VmHWM from
//     /proc/self/status) is the import's own.
//
// Rows per second count data rows over the time of the COPY statement or of
// the Import call. The database URL names any database on the server (the
// default is the test server's postgres database): importbench needs the
// right to create databases there.
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/benchkit"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/schema"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == childCommand {
		err = runChild(ctx, os.Args[2:])
	} else {
		err = run(ctx, os.Args[1:])
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "importbench:", err)
		os.Exit(1)
	}
}

func defaultURL() string {
	if v := os.Getenv("MARKET_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// result is one measured step.
type result struct {
	Name    string
	Rows    int
	Seconds float64
}

func (r result) rate() float64 { return float64(r.Rows) / r.Seconds }

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("importbench", flag.ContinueOnError)
	adminURL := fs.String("database-url", defaultURL(), "a database on the server to benchmark; a scratch database is created beside it and dropped")
	rows := fs.Int("rows", 1_000_000, "households in the file")
	markdown := fs.Bool("markdown", false, "print the results as a Markdown table too")
	keep := fs.Bool("keep", false, "keep the scratch database and the files (for inspection)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "importbench: "+format+"\n", a...) }

	scratch, err := benchkit.CreateScratch(ctx, *adminURL, "importbench")
	if err != nil {
		return err
	}
	dbURL := scratch.URL
	if !*keep {
		defer func() {
			if err := scratch.Drop(time.Minute); err != nil {
				logf("drop %s: %v", scratch.Name, err)
			}
		}()
	} else {
		logf("keeping database %s", scratch.Name)
	}
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := schema.Up(ctx, pool); err != nil {
		return err
	}
	key, err := pii.GenerateKey()
	if err != nil {
		return err
	}
	ring, err := pii.ParseRing(key)
	if err != nil {
		return err
	}
	opts := demo.RegistryOptions{Households: *rows}
	if err := demo.LoadVillages(ctx, pool, opts); err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "importbench-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	plainFile, storedFile := filepath.Join(dir, "households.csv"), filepath.Join(dir, "households-stored.csv")
	logf("writing %d households to %s", *rows, dir)
	if err := writeFiles(ctx, pool, ring, opts, plainFile, storedFile); err != nil {
		return err
	}
	plainSize, storedSize := fileSize(plainFile), fileSize(storedFile)

	var results []result
	// 1. COPY of the file as it is.
	const plainTable = `CREATE TABLE bench_plain (registry_no text, village_code text, head_name text,
		head_id_number text, members int, status text, baseline_income_yuan numeric(17, 2), baseline_year int)`
	r, err := timeCopy(ctx, pool, "COPY plain (CSV text into an unindexed table)", plainTable, plainFile,
		`COPY bench_plain (`+strings.Join(household.Columns[:], ", ")+`) FROM STDIN (FORMAT csv, HEADER true)`)
	if err != nil {
		return err
	}
	results = append(results, r)
	logf("%s: %.1f s", r.Name, r.Seconds)
	// 2. COPY of the rows as stored.
	const storedTable = `CREATE TABLE bench_households (LIKE households INCLUDING ALL);
		ALTER TABLE bench_households ADD FOREIGN KEY (village_code) REFERENCES regions (code)`
	r, err = timeCopy(ctx, pool, "COPY stored (sealed rows into a copy of households)", storedTable, storedFile,
		`COPY bench_households (`+strings.Join(storedColumns, ", ")+`) FROM STDIN (FORMAT csv)`)
	if err != nil {
		return err
	}
	results = append(results, r)
	logf("%s: %.1f s", r.Name, r.Seconds)
	// 3. The import, in a child process.
	child, err := importInChild(ctx, pool, dbURL, key, plainFile)
	if err != nil {
		return err
	}
	if child.Imported != *rows {
		return fmt.Errorf("import wrote %d households, want %d", child.Imported, *rows)
	}
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM households`).Scan(&stored); err != nil || stored != *rows {
		return fmt.Errorf("households after the import: %d, %v", stored, err)
	}
	imp := result{"household.Service.Import (child process)", *rows, child.Seconds}
	results = append(results, imp)
	logf("%s: %.1f s", imp.Name, imp.Seconds)

	var version string
	pool.QueryRow(ctx, `SHOW server_version`).Scan(&version)
	fmt.Printf("date            %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Printf("machine         %d CPUs (nproc), %s memory, %s/%s, %s\n", runtime.NumCPU(), benchkit.MemTotal(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Printf("postgresql      %s\n", version)
	fmt.Printf("rows            %d (CSV %d MB, stored form %d MB)\n", *rows, plainSize>>20, storedSize>>20)
	for _, r := range results {
		fmt.Printf("%-58s %7.1f s %9.0f rows/s\n", r.Name, r.Seconds, r.rate())
	}
	fmt.Printf("import / COPY stored   %.2f\n", imp.rate()/results[1].rate())
	fmt.Printf("import / COPY plain    %.2f\n", imp.rate()/results[0].rate())
	fmt.Printf("import peak RSS        %d MB (getrusage ru_maxrss; VmHWM %d MB), peak Go heap in use %d MB\n",
		child.MaxRSSKB>>10, child.VmHWMKB>>10, child.PeakHeapBytes>>20)
	fmt.Println("import's statements of 50 ms or more:")
	for _, s := range child.Steps {
		fmt.Printf("  %6.1f s  %s\n", s.Seconds, s.SQL)
	}
	if *markdown {
		fmt.Println()
		fmt.Println("| step | seconds | rows/s | import's share |")
		fmt.Println("|---|---:|---:|---:|")
		for _, r := range results {
			fmt.Printf("| %s | %.1f | %s | %.2f |\n", r.Name, r.Seconds, benchkit.GroupDigits(int(r.rate())), imp.rate()/r.rate())
		}
	}
	return nil
}

// storedColumns are the households columns Import writes, in the order of
// the stored-form file.
var storedColumns = []string{"registry_no", "village_code", "members", "status", "baseline_income_fen",
	"baseline_year", "head_name_enc", "head_id_enc", "head_id_hash", "head_name_mask", "head_id_mask", "key_version"}

// writeFiles writes the households of opts in the import format to plain
// and, sealed as the import seals them, in the stored form to stored.
func writeFiles(ctx context.Context, pool *pgxpool.Pool, ring *pii.Ring, opts demo.RegistryOptions, plain, stored string) error {
	gen, err := demo.GenerateHouseholds(ctx, pool, opts)
	if err != nil {
		return err
	}
	pf, err := os.Create(plain)
	if err != nil {
		return err
	}
	defer pf.Close()
	sf, err := os.Create(stored)
	if err != nil {
		return err
	}
	defer sf.Close()
	pb, sb := bufio.NewWriterSize(pf, 1<<20), bufio.NewWriterSize(sf, 1<<20)
	pw, sw := csv.NewWriter(pb), csv.NewWriter(sb)
	pw.Write(household.Columns[:])
	prec, srec := make([]string, len(household.Columns)), make([]string, len(storedColumns))
	hexBytes := func(b []byte) string { return `\x` + hex.EncodeToString(b) }
	for h := range gen {
		prec[0], prec[1], prec[2], prec[3] = h.RegistryNo, h.VillageCode, h.HeadName, h.HeadIDNumber
		prec[4], prec[5] = strconv.Itoa(h.Members), h.Status
		prec[6], prec[7] = money.Yuan(h.BaselineIncomeFen), strconv.Itoa(h.BaselineYear)
		if err := pw.Write(prec); err != nil {
			return err
		}
		nameEnc, err := ring.Seal(h.HeadName, "household:"+h.RegistryNo+":head_name")
		if err != nil {
			return err
		}
		idEnc, err := ring.Seal(h.HeadIDNumber, "household:"+h.RegistryNo+":head_id")
		if err != nil {
			return err
		}
		srec[0], srec[1], srec[2], srec[3] = h.RegistryNo, h.VillageCode, strconv.Itoa(h.Members), h.Status
		srec[4], srec[5] = strconv.FormatInt(h.BaselineIncomeFen, 10), strconv.Itoa(h.BaselineYear)
		srec[6], srec[7] = hexBytes(nameEnc), hexBytes(idEnc)
		srec[8] = hexBytes(ring.Hash(household.HashPurpose, h.HeadIDNumber))
		srec[9], srec[10] = pii.MaskName(h.HeadName), pii.MaskIDNumber(h.HeadIDNumber)
		srec[11] = strconv.Itoa(ring.Current())
		if err := sw.Write(srec); err != nil {
			return err
		}
	}
	pw.Flush()
	sw.Flush()
	for _, err := range []error{pw.Error(), sw.Error(), pb.Flush(), sb.Flush()} {
		if err != nil {
			return err
		}
	}
	return nil
}

// timeCopy creates a table with setup and times the COPY statement copy
// streaming file to the server.
func timeCopy(ctx context.Context, pool *pgxpool.Pool, name, setup, file, copy string) (result, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return result{}, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, setup); err != nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	checkpoint(ctx, conn.Conn())
	f, err := os.Open(file)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	start := time.Now()
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, bufio.NewReaderSize(f, 1<<20), copy)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	return result{name, int(tag.RowsAffected()), time.Since(start).Seconds()}, nil
}

// checkpoint flushes dirty buffers before a measured step, so that no step
// pays for the one before it. It needs the right to CHECKPOINT; without it
// the steps run regardless.
func checkpoint(ctx context.Context, conn *pgx.Conn) {
	conn.Exec(ctx, "CHECKPOINT")
}

func fileSize(name string) int64 {
	fi, err := os.Stat(name)
	if err != nil {
		return 0
	}
	return fi.Size()
}
