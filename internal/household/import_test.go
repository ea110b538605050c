package household

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fupinmarket/market/internal/platform/errs"
)

// rowsIn returns the row numbers named by a validation error's fields.
func rowsIn(tb testing.TB, err error) map[string]string {
	tb.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || !e.Unprocessable {
		tb.Fatalf("error %v is no validation error", err)
	}
	return e.Fields
}

func TestImportThousandRows(t *testing.T) {
	f := newFixture(t)
	rows := genRows(t, 1000, f.villages)
	bad := slices.Clone(rows)
	bad[16] = maps.Clone(rows[16])
	bad[16]["head_id_number"] = rows[16]["head_id_number"][:17] + map[bool]string{true: "1", false: "0"}[rows[16]["head_id_number"][17] == '0']
	bad[499] = maps.Clone(rows[499])
	bad[499]["members"] = "0"
	bad[999] = maps.Clone(rows[999])
	bad[999]["village_code"] = f.yarkVill

	_, err := f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(encodeCSV(t, bad, nil)), ImportOptions{})
	fields := rowsIn(t, err)
	want := map[string]bool{"row 17: head_id_number": true, "row 500: members": true, "row 1000: village_code": true}
	if len(fields) != len(want) {
		t.Fatalf("problems %v, want exactly %v", fields, want)
	}
	for k := range want {
		if fields[k] == "" {
			t.Fatalf("problems %v lack %q", fields, k)
		}
	}
	for _, msg := range fields {
		for _, r := range rows {
			if strings.Contains(msg, r["head_id_number"]) || strings.Contains(msg, r["head_name"]) {
				t.Fatal("a problem message repeats personal data")
			}
		}
	}
	if n := f.count(`SELECT count(*) FROM households`); n != 0 {
		t.Fatalf("%d households written by a failed import", n)
	}

	var progress []int
	res, err := f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(encodeCSV(t, rows, nil)),
		ImportOptions{ProgressEvery: 300, Progress: func(n int) { progress = append(progress, n) }})
	if err != nil || res.Imported != 1000 || res.Updated != 0 || res.Rows != 1000 || res.Encoding != EncodingUTF8 {
		t.Fatalf("Import = %+v, %v; want 1000 imported", res, err)
	}
	if !slices.Equal(progress, []int{300, 600, 900, 1000}) {
		t.Fatalf("progress %v", progress)
	}
	before := f.snapshot()
	res, err = f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(encodeCSV(t, rows, nil)), ImportOptions{})
	if err != nil || res.Imported != 0 || res.Updated != 1000 {
		t.Fatalf("re-import = %+v, %v; want 1000 updated", res, err)
	}
	if n := f.count(`SELECT count(DISTINCT registry_no) FROM households`); n != 1000 || f.count(`SELECT count(*) FROM households`) != 1000 {
		t.Fatalf("%d households after re-import, want 1000", n)
	}
	if after := f.snapshot(); !slices.Equal(before, after) {
		t.Fatal("re-importing the same file changed the data")
	}
}

// snapshot lists every household's stored values except the ciphertexts
// (random nonces) and times.
func (f *fixture) snapshot() []string {
	f.t.Helper()
	rows, err := f.db.Pool.Query(f.ctx, `SELECT concat_ws('|', registry_no, village_code, members, status, lifted_year,
		baseline_income_fen, baseline_year, encode(head_id_hash, 'hex'), head_name_mask, head_id_mask, key_version)
		FROM households ORDER BY registry_no`)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	if rows.Err() != nil {
		f.t.Fatal(rows.Err())
	}
	return out
}

func TestImportGB18030MatchesUTF8(t *testing.T) {
	rows := genRows(t, 40, []string{lopTown + "001", lopTown2 + "001"}) // the fixture's villages
	chineseStatus := map[string]string{"poor": "未脱贫", "lifted": "已脱贫", "monitored_unstable": "脱贫不稳定户",
		"monitored_edge": "边缘易致贫户", "monitored_hardship": "突发严重困难户"}
	headers := []string{"基线年份", "户主姓名", "户编号", "状态", "村代码", "人口数", "户主身份证号", "基线人均纯收入"}
	imports := map[string]func(f *fixture, rows []csvRow) []byte{
		"UTF-8": func(f *fixture, rows []csvRow) []byte { return encodeCSV(t, rows, nil) },
		"UTF-8 BOM, Chinese headers": func(f *fixture, rows []csvRow) []byte {
			return append([]byte{0xEF, 0xBB, 0xBF}, encodeCSV(t, rows, headers)...)
		},
		"GB18030, Chinese headers and statuses": func(f *fixture, rows []csvRow) []byte {
			cn := make([]csvRow, len(rows))
			for i, r := range rows {
				cn[i] = maps.Clone(r)
				cn[i]["status"] = chineseStatus[r["status"]]
			}
			gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(encodeCSV(t, cn, headers))
			if err != nil {
				t.Fatal(err)
			}
			return gb
		},
	}
	var reference []string
	for _, name := range []string{"UTF-8", "UTF-8 BOM, Chinese headers", "GB18030, Chinese headers and statuses"} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			rs := rows
			file := imports[name](f, rs)
			res, err := f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(file), ImportOptions{})
			if err != nil || res.Imported != 40 {
				t.Fatalf("Import = %+v, %v", res, err)
			}
			if strings.HasPrefix(name, "GB18030") != (res.Encoding == EncodingGB18030) {
				t.Fatalf("detected %s", res.Encoding)
			}
			snap := f.snapshot()
			if reference == nil {
				reference = snap
			} else if !slices.Equal(snap, reference) {
				t.Fatalf("%s import differs from the UTF-8 twin:\n%v\n%v", name, snap[:2], reference[:2])
			}
			page, _ := f.svc.List(f.ctx, f.lopOff, Filter{RegistryNo: rs[2]["registry_no"]})
			h, err := f.svc.Get(f.ctx, f.lopOff, page.Items[0].ID, true, "")
			if err != nil || h.HeadName != rs[2]["head_name"] || h.HeadIDNumber != rs[2]["head_id_number"] {
				t.Fatalf("revealed %q %q, %v", h.HeadName, h.HeadIDNumber, err)
			}
		})
	}
}

func TestImportProblems(t *testing.T) {
	f := newFixture(t)
	existing := input(t, f, 9000)
	existing.RegistryNo = "OTHER1"
	f.create(existing)
	yark := f.office("yark@example.com", yarkand)
	foreign := input(t, f, 9001)
	foreign.RegistryNo, foreign.VillageCode = "FOREIGN1", f.yarkVill
	if _, err := f.svc.Create(f.ctx, yark, foreign); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(rows []csvRow)
		want   []string
	}{
		{"registry repeated", func(r []csvRow) { r[3]["registry_no"] = r[1]["registry_no"] }, []string{"row 4: registry_no"}},
		{"ID repeated", func(r []csvRow) { r[4]["head_id_number"] = r[0]["head_id_number"] }, []string{"row 5: head_id_number"}},
		{"ID of a registered household", func(r []csvRow) { r[0]["head_id_number"] = existing.HeadIDNumber }, []string{"row 1: head_id_number"}},
		{"registry of another county", func(r []csvRow) { r[2]["registry_no"] = "FOREIGN1" }, []string{"row 3: registry_no"}},
		{"unknown village", func(r []csvRow) { r[1]["village_code"] = "653224100999" }, []string{"row 2: village_code"}},
		{"township code", func(r []csvRow) { r[1]["village_code"] = lopTown + "   " }, []string{"row 2: village_code"}},
		{"everything wrong", func(r []csvRow) {
			r[5] = csvRow{"registry_no": "a b", "village_code": "x", "head_name": "", "head_id_number": "123",
				"members": "three", "status": "富裕", "baseline_income_yuan": "-1", "baseline_year": "1999"}
		}, []string{"row 6: registry_no", "row 6: village_code", "row 6: head_name", "row 6: head_id_number",
			"row 6: members", "row 6: status", "row 6: baseline_income_yuan", "row 6: baseline_year"}},
		{"three decimals", func(r []csvRow) { r[0]["baseline_income_yuan"] = "1.005" }, []string{"row 1: baseline_income_yuan"}},
		{"31 members", func(r []csvRow) { r[0]["members"] = "31" }, []string{"row 1: members"}},
		{"65-rune name", func(r []csvRow) { r[0]["head_name"] = strings.Repeat("古", 65) }, []string{"row 1: head_name"}},
		{"future baseline year", func(r []csvRow) { r[0]["baseline_year"] = "2025" }, []string{"row 1: baseline_year"}},
		{"control character in name", func(r []csvRow) { r[6]["head_name"] = "\x00阿依" }, []string{"row 7: head_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := genRows(t, 8, f.villages)
			tt.change(rows)
			_, err := f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(encodeCSV(t, rows, nil)), ImportOptions{})
			fields := rowsIn(t, err)
			if got := slices.Sorted(maps.Keys(fields)); !slices.Equal(got, slices.Sorted(slices.Values(tt.want))) {
				t.Fatalf("problems %v, want %v", fields, tt.want)
			}
		})
	}
	if n := f.count(`SELECT count(*) FROM households`); n != 2 {
		t.Fatalf("%d households, want the 2 created", n)
	}
}

func TestImportFileProblems(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		file string
		key  string
	}{
		{"empty", "", "header"},
		{"missing columns", "registry_no,village_code\nH1,653224100001\n", "header"},
		{"repeated column", strings.Join(Columns[:], ",") + ",户编号\n", "header"},
		{"header only", strings.Join(Columns[:], ",") + "\n", "file"},
		{"syntax error", strings.Join(Columns[:], ",") + "\nH1,\"65322\"4100001,a,b,1,poor,1,2019\n", "row 1: csv"},
		{"too many problems", strings.Join(Columns[:], ",") + strings.Repeat("\nx,x,x,x,x,x,x,x", 200), "more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Import(f.ctx, f.lopOff, strings.NewReader(tt.file), ImportOptions{MaxProblems: 50})
			fields := rowsIn(t, err)
			if fields[tt.key] == "" {
				t.Fatalf("problems %v lack %q", fields, tt.key)
			}
		})
	}
}

func TestDecoder(t *testing.T) {
	gb := func(s string) []byte {
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	long := strings.Repeat("H1,653224100001\n", 2000) // past the buffer
	tests := []struct {
		name string
		in   []byte
		want string
		enc  string
	}{
		{"ASCII", []byte("a,b\n"), "a,b\n", ""},
		{"UTF-8", []byte("户编号,阿依古丽\n"), "户编号,阿依古丽\n", EncodingUTF8},
		{"UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, "a,阿\n"...), "a,阿\n", EncodingUTF8},
		{"GB18030", gb("户编号,阿依古丽\n"), "户编号,阿依古丽\n", EncodingGB18030},
		{"GB18030 after long ASCII", append([]byte(long), gb("阿依古丽,买买提\n")...), long + "阿依古丽,买买提\n", EncodingGB18030},
		{"UTF-8 after long ASCII", []byte(long + "阿依古丽\n"), long + "阿依古丽\n", EncodingUTF8},
		{"UTF-8 cut at the end", []byte("阿依古丽")[:10], "阿依古\uFFFD", EncodingGB18030},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDecoder(bytes.NewReader(tt.in))
			var out bytes.Buffer
			buf := make([]byte, 7) // small reads cross every boundary
			for {
				n, err := d.Read(buf)
				out.Write(buf[:n])
				if err != nil {
					break
				}
			}
			if tt.name != "UTF-8 cut at the end" && out.String() != tt.want {
				t.Fatalf("decoded %q…, want %q…", first(out.String()), first(tt.want))
			}
			if d.Encoding() != tt.enc {
				t.Fatalf("encoding %q, want %q", d.Encoding(), tt.enc)
			}
		})
	}
}

func first(s string) string {
	if len(s) > 40 {
		return s[len(s)-40:]
	}
	return s
}
