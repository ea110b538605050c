package household

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// FuzzImportCSV feeds arbitrary bytes to the parse layer of Import: it must
// never panic, and every row must come out either as a record that passes
// validation or as problems keyed "row N: column" of that row.
func FuzzImportCSV(f *testing.F) {
	header := strings.Join(Columns[:], ",") + "\n"
	good := "H1,653224100001,阿依古丽,11010519491231002X,4,lifted,3520.50,2019\n"
	gbHeader, _ := simplifiedchinese.GB18030.NewEncoder().String(strings.Join(ChineseColumns[:], ",") + "\n" +
		"H1,653224100001,阿依古丽,11010519491231002X,4,已脱贫,3520.50,2019\n")
	for _, seed := range []string{
		"",
		header,
		header + good,
		"\xEF\xBB\xBF" + header + good + good,
		gbHeader,
		header + "H1,\"6532\"24,x\n",
		header + "\"unterminated\n",
		header + ",,,,,,,\n" + good,
		header + "a,b\n",
		"户编号,村代码\n\xff\xfe",
		header + "H1,653224100001,\xff\xff,11010519491231002X,31,rich,1.001,1999\n",
	} {
		f.Add([]byte(seed))
	}
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := newCSVRows(bytes.NewReader(data), now)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Fields["header"] == "" {
				t.Fatalf("header error %v is no validation error under \"header\"", err)
			}
			return
		}
		last := 0
		for i := 0; i < 10000; i++ {
			rec, n, bad, err := rows.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("reading from memory failed: %v", err)
			}
			if n <= last {
				t.Fatalf("row number %d after %d", n, last)
			}
			last = n
			if bad != nil {
				prefix := rowKey(n, "")
				for k, v := range bad {
					if !strings.HasPrefix(k, prefix) || v == "" {
						t.Fatalf("problem %q: %q not of row %d", k, v, n)
					}
				}
				continue
			}
			checkRecord(t, rec, now)
		}
	})
}

func checkRecord(t *testing.T, rec record, now time.Time) {
	t.Helper()
	if checkRegistryNo(rec.RegistryNo) != "" || checkVillageCode(rec.VillageCode) != "" || checkName(rec.HeadName) != "" {
		t.Fatalf("accepted record with bad text fields: %+v", rec)
	}
	if rec.Members < 1 || rec.Members > MaxMembers || !rec.Status.Valid() || rec.IncomeFen < 0 {
		t.Fatalf("accepted record out of range: %+v", rec)
	}
	if rec.BaselineYear < 2000 || rec.BaselineYear > now.Year() {
		t.Fatalf("accepted baseline year %d", rec.BaselineYear)
	}
	if err := idcheck.ValidIDNumberAt(rec.HeadID, now); err != nil {
		t.Fatalf("accepted invalid ID number: %v", err)
	}
}
