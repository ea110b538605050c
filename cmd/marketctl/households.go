package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/benchkit"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/schema"
)

const householdsUsage = "usage: marketctl households import FILE --region CODE [--quiet]"

// householdsCmd runs `marketctl households import FILE --region CODE`: the
// file is imported as an office of that region would import it (same
// validation, same jurisdiction), with a progress bar on stderr.
func householdsCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New(householdsUsage)
	}
	if err := schema.EnsureCurrent(ctx, e.infra.DB); err != nil {
		return err
	}
	ring, err := syncedRing(ctx, e)
	if err != nil {
		return err
	}
	svc := household.NewService(e.infra.DB, ring)
	return importHouseholds(ctx, svc, region.NewStore(e.infra.DB), args[1:], e.out, os.Stderr)
}

// syncedRing parses MARKET_DATA_KEY (or the key file) and checks it against
// the fingerprints the database records, so that a mistyped key never
// seals anything.
func syncedRing(ctx context.Context, e *env) (*pii.Ring, error) {
	ring, err := pii.ParseRing(e.infra.DataKey)
	if err != nil {
		return nil, fmt.Errorf("MARKET_DATA_KEY: %w", err)
	}
	if err := pii.SyncKeys(ctx, e.infra.DB, ring); err != nil {
		return nil, err
	}
	return ring, nil
}

// importHouseholds parses `FILE --region CODE` (in either order), imports
// the file and prints the counts on out; the progress bar and, when the file
// is refused, every problem go to errw.
func importHouseholds(ctx context.Context, svc *household.Service, regions *region.Store, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("households import", flag.ContinueOnError)
	fs.SetOutput(errw)
	code := fs.String("region", "", "region code of the importing office's jurisdiction (a county such as 653224, a prefecture, a township)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var file string
	if rest := fs.Args(); len(rest) > 0 {
		file = rest[0]
		if err := fs.Parse(rest[1:]); err != nil {
			return err
		}
	}
	if file == "" || fs.NArg() > 0 || *code == "" {
		return errors.New(householdsUsage)
	}
	r, err := regions.Get(ctx, strings.TrimSpace(*code))
	if err != nil {
		return err
	}
	// The operator acts as an office of the region: the import checks its
	// villages against that jurisdiction as it would for the office itself.
	actor := auth.Actor{Name: "marketctl", Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: r.Code, OfficeLevel: r.Level}

	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	src := &countingReader{r: f}
	opts := household.ImportOptions{ProgressEvery: 1000}
	var bar *importBar
	if !*quiet {
		bar = &importBar{w: errw, size: st.Size(), read: src, start: time.Now()}
		opts.Progress = bar.update
	}
	res, err := svc.Import(ctx, actor, src, opts)
	if bar != nil {
		bar.finish()
	}
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.Invalid {
		printProblems(errw, e)
		return fmt.Errorf("%s: %s", file, e.Message)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d households imported, %d updated (%d rows, %s) into %s %s\n",
		file, res.Imported, res.Updated, res.Rows, res.Encoding, r.Name, r.Code)
	return nil
}

// printProblems lists a refused file's problems by row, then column; those
// of the whole file (header, more) last.
func printProblems(w io.Writer, e *errs.Error) {
	type problem struct {
		row       int
		key, text string
	}
	ps := make([]problem, 0, len(e.Fields))
	for k, v := range e.Fields {
		p := problem{row: 1 << 30, key: k, text: v}
		if rest, ok := strings.CutPrefix(k, "row "); ok {
			if n, _, ok := strings.Cut(rest, ":"); ok {
				if row, err := strconv.Atoi(n); err == nil {
					p.row = row
				}
			}
		}
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b problem) int {
		if a.row != b.row {
			return a.row - b.row
		}
		return strings.Compare(a.key, b.key)
	})
	fmt.Fprintln(w, e.Message)
	for _, p := range ps {
		fmt.Fprintf(w, "  %s: %s\n", p.key, p.text)
	}
}

// countingReader counts the bytes read through it (from the import's copy
// goroutine while the bar reads the count).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// importBar draws a one-line progress bar on stderr, redrawn in place with
// a carriage return: the share of the file read, the rows and the rate.
//
//	households [############........]  61%  610,000 rows  95,300 rows/s
type importBar struct {
	mu    sync.Mutex
	w     io.Writer
	size  int64
	read  *countingReader
	start time.Time
	drawn bool
	last  time.Time
	rows  int
}

// update is an ImportOptions.Progress; it redraws at most ten times a
// second.
func (b *importBar) update(rows int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rows = rows
	if now := time.Now(); !b.drawn || now.Sub(b.last) >= 100*time.Millisecond {
		b.last = now
		b.draw()
	}
}

func (b *importBar) draw() {
	const width = 30
	frac := 1.0
	if b.size > 0 {
		frac = min(1, float64(b.read.n.Load())/float64(b.size))
	}
	filled := int(frac * width)
	rate := float64(b.rows) / max(time.Since(b.start).Seconds(), 1e-3)
	fmt.Fprintf(b.w, "\rhouseholds [%s%s] %3d%%  %s rows  %s rows/s\x1b[K",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), int(frac*100),
		benchkit.GroupDigits(b.rows), benchkit.GroupDigits(int(rate)))
	b.drawn = true
}

// finish draws the final state and ends the line.
func (b *importBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rows > 0 || b.drawn {
		b.draw()
		fmt.Fprintln(b.w)
	}
}
