package household

import (
	"bytes"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// TestConcurrentImportsQueue runs two imports of the same households at
// once, one file in reverse order, both changing every household's size
// (which re-counts the villages' rollups under their advisory locks). They
// must queue, not deadlock: every import succeeds, in every round.
func TestConcurrentImportsQueue(t *testing.T) {
	f := newFixture(t)
	rows := genRows(t, 400, f.villages)
	if _, err := f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(encodeCSV(t, rows, nil)), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// Income this year, so that a size change touches the rollups.
	if _, err := f.db.Pool.Exec(f.ctx, `INSERT INTO household_year_income (household_id, year, village_code, attributed_fen,
			operating_fen)
		SELECT id, 2024, village_code, 100, 100 FROM households`); err != nil {
		t.Fatal(err)
	}
	resize := func(shift int, reverse bool) []byte {
		out := make([]csvRow, len(rows))
		for i, r := range rows {
			c := csvRow{}
			for k, v := range r {
				c[k] = v
			}
			c["members"] = strconv.Itoa(1 + (i+shift)%8)
			out[i] = c
		}
		if reverse {
			slices.Reverse(out)
		}
		return encodeCSV(t, out, nil)
	}
	for round := range 4 {
		files := [][]byte{resize(round+1, false), resize(round+2, true)}
		errs := make([]error, len(files))
		var wg sync.WaitGroup
		for i, file := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(file), ImportOptions{})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, import %d: %v", round, i, err)
			}
		}
	}
}
