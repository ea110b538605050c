package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/xuri/excelize/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/platform/benchkit"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/web/site"
)

// exportResult is one timed export.
type exportResult struct {
	name    string
	rows    int
	bytes   int64
	seconds float64
}

func (e exportResult) rate() float64 { return float64(e.rows) / e.seconds }

// counter counts the bytes and newlines written through it.
type counter struct {
	w            io.Writer
	bytes, lines int64
}

func (c *counter) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	if c.w == nil {
		return len(p), nil
	}
	return c.w.Write(p)
}

// exportCopyQuery is the SELECT of report.EachHousehold (report's
// householdQuery with its ORDER BY): the rows of the export as PostgreSQL
// alone produces them, for COPY … TO STDOUT.
const exportCopyQuery = `WITH lines AS (
		SELECT poverty_line_fen AS pl, monitoring_line_fen AS ml FROM poverty_lines
		WHERE province_code = substr('%[1]s' || '0000', 1, 2) || '0000' AND year <= %[2]d ORDER BY year DESC LIMIT 1)
	SELECT h.id, h.registry_no, h.village_code, v.name, h.head_name_mask, h.status, h.members, h.baseline_income_fen,
		coalesce(i.attributed_fen, 0), coalesce(i.paid_fen, 0), coalesce(l.pl, 0), coalesce(l.ml, 0)
	FROM households h JOIN regions v ON v.code = h.village_code
	LEFT JOIN household_year_income i ON i.household_id = h.id AND i.year = %[2]d
	LEFT JOIN lines l ON true
	WHERE h.village_code LIKE '%[1]s' || '%%' ORDER BY h.village_code, h.registry_no`

// measureExports times the export of o.exportRegion four ways: COPY of the
// same rows (the baseline), report.Service.EachHousehold encoded as CSV in
// process, and GET /api/v1/attribution/export as CSV and as XLSX from a
// server on 127.0.0.1 (the web layer's own writers, over HTTP).
func measureExports(ctx context.Context, b *bench, o options, dir string) ([]exportResult, error) {
	r, err := b.reports.Region(ctx, b.admin, o.exportRegion)
	if err != nil {
		return nil, err
	}
	var want int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM households WHERE village_code LIKE $1 || '%'`, region.Prefix(r.Code, r.Level)).Scan(&want); err != nil {
		return nil, err
	}
	logf("export of %s %s: %s households", r.Code, r.Name, benchkit.GroupDigits(want))
	var out []exportResult
	add := func(e exportResult) error {
		if e.rows != want {
			return fmt.Errorf("%s: %d rows, want %d", e.name, e.rows, want)
		}
		logf("  %s: %.1f s, %s rows/s", e.name, e.seconds, benchkit.GroupDigits(int(e.rate())))
		out = append(out, e)
		return nil
	}

	// 1. COPY of the same SELECT.
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	c := &counter{}
	t0 := time.Now()
	_, err = conn.Conn().PgConn().CopyTo(ctx, c, "COPY ("+fmt.Sprintf(exportCopyQuery, region.Prefix(r.Code, r.Level), b.year)+") TO STDOUT (FORMAT csv)")
	conn.Release()
	if err != nil {
		return nil, fmt.Errorf("COPY: %w", err)
	}
	if err := add(exportResult{"baseline: COPY (the same SELECT) TO STDOUT (FORMAT csv)", int(c.lines), c.bytes, time.Since(t0).Seconds()}); err != nil {
		return nil, err
	}

	// 2. EachHousehold encoded as CSV, in process.
	c = &counter{}
	t0 = time.Now()
	cw := csv.NewWriter(c)
	rows := 0
	rec := make([]string, 16)
	err = b.reports.EachHousehold(ctx, b.admin, r.Code, b.year, func(h report.HouseholdRow) error {
		rec[0], rec[1], rec[2], rec[3], rec[4] = h.RegistryNo, h.VillageCode, h.VillageName, h.HeadName, h.Status
		rec[5] = strconv.Itoa(h.Members)
		for i, f := range []int64{h.BaselineFen, h.AttributedFen, h.PaidFen, h.OwedFen, h.PerCapitaGainFen, h.ProjectedFen, h.PovertyLineFen, h.MonitoringLineFen} {
			rec[6+i] = strconv.FormatInt(f, 10)
		}
		rec[14], rec[15] = strconv.FormatBool(h.AbovePovertyLine), strconv.FormatBool(h.AboveMonitoringLine)
		rows++
		return cw.Write(rec)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("EachHousehold: %w", err)
	}
	if err := add(exportResult{"report.Service.EachHousehold → encoding/csv (in process)", rows, c.bytes, time.Since(t0).Seconds()}); err != nil {
		return nil, err
	}

	// 3 and 4. Over HTTP.
	srv, err := startServer(ctx, b, o, dir)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	for _, format := range []string{"csv", "xlsx"} {
		url := fmt.Sprintf("%s/api/v1/attribution/export?region=%s&year=%d&format=%s", srv.base, r.Code, b.year, format)
		file := filepath.Join(dir, "export."+format)
		e, err := download(ctx, url, srv.token, file)
		if err != nil {
			return nil, err
		}
		e.name = "GET /api/v1/attribution/export?format=" + format + " (HTTP, loopback)"
		if format == "csv" {
			e.rows-- // the header
		} else if e.rows, err = xlsxRows(file); err != nil {
			return nil, err
		}
		os.Remove(file)
		if err := add(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// server is the web application on a loopback port.
type server struct {
	base, token string
	stop        func()
}

// startServer serves the web application (site.New) on 127.0.0.1 and
// issues an API token to the demo platform administrator.
func startServer(ctx context.Context, b *bench, o options, dir string) (*server, error) {
	cfg, _, err := config.Load("reportbench", nil, config.NoEnv, nil)
	if err != nil {
		return nil, err
	}
	prefix := "reportbench-" + randomHex(4) + ":"
	cfg.DataDir, cfg.DataKey, cfg.RedisPrefix, cfg.RedisURL = dir, b.dataKey, prefix, o.redisURL
	rdb, err := redisClient(ctx, o.redisURL)
	if err != nil {
		return nil, err
	}
	a, err := site.New(cfg, b.pool, rdb, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		rdb.Close()
		return nil, err
	}
	h := a.HTTP
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rdb.Close()
		return nil, err
	}
	go h.Listener(ln)
	token, err := auth.NewTokens(b.pool).Issue(ctx, b.adminID, "")
	s := &server{base: "http://" + ln.Addr().String(), token: token, stop: func() {
		h.ShutdownWithTimeout(10 * time.Second)
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	}}
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// redisClient connects to url and checks that it answers.
func redisClient(ctx context.Context, url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis %s: %w", url, err)
	}
	return rdb, nil
}

// download times GET url into file, from the request to the last byte.
func download(ctx context.Context, url, token, file string) (exportResult, error) {
	f, err := os.Create(file)
	if err != nil {
		return exportResult{}, err
	}
	defer f.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return exportResult{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return exportResult{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 2000))
		return exportResult{}, fmt.Errorf("GET %s: %s %s", url, res.Status, body)
	}
	c := &counter{w: f}
	if _, err := io.Copy(c, res.Body); err != nil {
		return exportResult{}, fmt.Errorf("GET %s: %w", url, err)
	}
	return exportResult{rows: int(c.lines), bytes: c.bytes, seconds: time.Since(t0).Seconds()}, nil
}

// xlsxRows reads the workbook back and counts its data rows (every sheet's
// rows but its header).
func xlsxRows(file string) (int, error) {
	f, err := excelize.OpenFile(file)
	if err != nil {
		return 0, fmt.Errorf("read the XLSX export back: %w", err)
	}
	defer f.Close()
	n := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			n++
		}
		if err := rows.Close(); err != nil {
			return 0, err
		}
		n-- // the header
	}
	return n, nil
}
