package household

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestImportMillionRows imports 1,000,000 generated rows streamed through a
// pipe and checks that the heap stays bounded. It takes minutes, so it runs
// only with MARKET_TEST_LARGE_IMPORT=1.
func TestImportMillionRows(t *testing.T) {
	if os.Getenv("MARKET_TEST_LARGE_IMPORT") == "" {
		t.Skip("set MARKET_TEST_LARGE_IMPORT=1 to import a million rows")
	}
	const n = 1_000_000
	f := newFixture(t)
	pr, pw := io.Pipe()
	go func() {
		w := csv.NewWriter(pw)
		w.Write(Columns[:])
		rec := make([]string, len(Columns))
		for i := range n {
			rec[0] = fmt.Sprintf("H%08d", i+1)
			rec[1] = f.villages[i%len(f.villages)]
			rec[2] = names[i%len(names)]
			rec[3] = makeID(i + 1)
			rec[4] = strconv.Itoa(1 + i%8)
			rec[5] = "lifted"
			rec[6] = strconv.Itoa(2000 + i%5000)
			rec[7] = "2019"
			w.Write(rec)
		}
		w.Flush()
		pw.CloseWithError(w.Error())
	}()
	var peak uint64
	sample := func(int) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapInuse)
	}
	res, err := f.svc.Import(f.ctx, f.lopOff, pr, ImportOptions{Progress: sample, ProgressEvery: 50_000})
	pr.Close()
	if err != nil || res.Imported != n {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	t.Logf("peak heap in use %d MiB", peak>>20)
	if peak > 200<<20 {
		t.Fatalf("peak heap %d MiB, want under 200 MiB", peak>>20)
	}
	if c := f.count(`SELECT count(*) FROM households`); c != n {
		t.Fatalf("%d households, want %d", c, n)
	}
}
