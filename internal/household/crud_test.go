package household

import (
	"bytes"
	"testing"

	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

func (f *fixture) create(in Input) Household {
	f.t.Helper()
	h, err := f.svc.Create(f.ctx, f.lopOff, in)
	if err != nil {
		f.t.Fatalf("create %s: %v", in.RegistryNo, err)
	}
	return h
}

func input(tb testing.TB, f *fixture, n int) Input {
	tb.Helper()
	return Input{RegistryNo: "H" + ids.ID(n).String(), VillageCode: f.villages[0], Members: 4, Status: StatusLifted,
		LiftedYear: ptr(2019), BaselineIncomeFen: 352050, BaselineYear: 2019,
		HeadName: "阿依古丽", HeadIDNumber: idNumber(tb, n)}
}

func TestCreateGetReveal(t *testing.T) {
	f := newFixture(t)
	in := input(t, f, 1)
	h := f.create(in)
	if h.HeadName != "阿**" || h.HeadIDNumber != in.HeadIDNumber[:4]+"**********"+in.HeadIDNumber[14:] || h.Revealed {
		t.Fatalf("created household not masked: %+v", h)
	}
	admin := f.admin("admin@example.com")
	tests := []struct {
		name     string
		reveal   bool
		actor    string
		revealed bool
	}{
		{"office masked", false, "office", false},
		{"office reveals", true, "office", true},
		{"admin asks to reveal, sees masks", true, "admin", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.lopOff
			if tt.actor == "admin" {
				a = admin
			}
			before := f.count(`SELECT count(*) FROM pii_access_log`)
			got, err := f.svc.Get(f.ctx, a, h.ID, tt.reveal, "203.0.113.7")
			if err != nil {
				t.Fatal(err)
			}
			logged := f.count(`SELECT count(*) FROM pii_access_log`) - before
			if got.Revealed != tt.revealed {
				t.Fatalf("Revealed = %v, want %v", got.Revealed, tt.revealed)
			}
			if tt.revealed {
				if got.HeadName != in.HeadName || got.HeadIDNumber != in.HeadIDNumber {
					t.Fatalf("revealed %q %q", got.HeadName, got.HeadIDNumber)
				}
				if logged != 1 {
					t.Fatalf("%d audit rows written, want 1", logged)
				}
				n := f.count(`SELECT count(*) FROM pii_access_log WHERE actor_user_id = $1 AND household_id = $2
					AND client_addr = '203.0.113.7' AND fields = '{head_name,head_id_number}'`, a.UserID, h.ID)
				if n != 1 {
					t.Fatal("audit row does not name actor, household, fields and address")
				}
			} else if got.HeadName != h.HeadName || got.HeadIDNumber != h.HeadIDNumber || logged != 0 {
				t.Fatalf("masked view %+v wrote %d audit rows", got, logged)
			}
		})
	}
	if _, err := f.db.Pool.Exec(f.ctx, `DELETE FROM pii_access_log`); err == nil {
		t.Fatal("the access log accepted a delete")
	}
	if _, err := f.svc.Get(f.ctx, f.lopOff, 999999, false, ""); !errs.Is(err, errs.NotFound) {
		t.Fatalf("missing household: %v", err)
	}
}

func TestCreateRejects(t *testing.T) {
	f := newFixture(t)
	f.create(input(t, f, 1))
	tests := []struct {
		name   string
		change func(*Input)
		kind   errs.Kind
		field  string
	}{
		{"registry taken", func(in *Input) { in.HeadIDNumber = idNumber(t, 2) }, errs.Invalid, "registry_no"},
		{"ID taken", func(in *Input) { in.RegistryNo = "H2" }, errs.Invalid, "head_id_number"},
		{"ID taken, lower-case x form", func(in *Input) { in.RegistryNo = "H2"; in.HeadIDNumber = " " + in.HeadIDNumber + " " }, errs.Invalid, "head_id_number"},
		{"unknown village", func(in *Input) { in.RegistryNo, in.HeadIDNumber, in.VillageCode = "H3", idNumber(t, 3), "653224100999" }, errs.Invalid, "village_code"},
		{"township is no village", func(in *Input) {
			in.RegistryNo, in.HeadIDNumber, in.VillageCode = "H3", idNumber(t, 3), "653224100"
		}, errs.Invalid, "village_code"},
		{"village of another county", func(in *Input) { in.RegistryNo, in.HeadIDNumber, in.VillageCode = "H3", idNumber(t, 3), f.yarkVill }, errs.Forbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, f, 1)
			tt.change(&in)
			_, err := f.svc.Create(f.ctx, f.lopOff, in)
			if !errs.Is(err, tt.kind) {
				t.Fatalf("Create = %v, want %s", err, tt.kind)
			}
			if e, _ := err.(*errs.Error); tt.field != "" && (e == nil || e.Fields[tt.field] == "") {
				t.Fatalf("Create = %v, want a problem with %s", err, tt.field)
			}
		})
	}
}

func TestRawRowHoldsNoPersonalData(t *testing.T) {
	f := newFixture(t)
	in := input(t, f, 7)
	in.HeadName = "热依汗古丽·吐尔逊"
	h := f.create(in)
	if _, err := f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(encodeCSV(t, genRows(t, 5, f.villages), nil)), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	secrets := map[int64][][]byte{int64(h.ID): {[]byte(in.HeadName), []byte(in.HeadIDNumber), []byte(in.HeadIDNumber[:17])}}
	for _, r := range genRows(t, 5, f.villages) {
		var id int64
		f.db.Pool.QueryRow(f.ctx, `SELECT id FROM households WHERE registry_no = $1`, r["registry_no"]).Scan(&id)
		secrets[id] = [][]byte{[]byte(r["head_name"]), []byte(r["head_id_number"])}
	}
	for _, format := range []string{"binary", "text"} {
		t.Run(format, func(t *testing.T) {
			q := `SELECT * FROM households`
			if format == "text" {
				q = `SELECT id, to_jsonb(h)::text FROM households h`
			}
			rows, err := f.db.Pool.Query(f.ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
				var id int64
				vals := rows.RawValues()
				if format == "text" {
					rows.Scan(&id, new(string))
				} else {
					id = int64(beUint64(vals[0]))
				}
				if len(secrets[id]) == 0 {
					t.Fatalf("row %d has no secrets to look for", id)
				}
				for col, raw := range vals {
					for _, s := range secrets[id] {
						if bytes.Contains(raw, s) {
							t.Fatalf("household %d column %d holds personal data in plain text", id, col)
						}
					}
				}
			}
			if rows.Err() != nil || n != 6 {
				t.Fatalf("read %d rows: %v", n, rows.Err())
			}
		})
	}
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func TestUpdate(t *testing.T) {
	f := newFixture(t)
	h := f.create(input(t, f, 1))
	f.create(input(t, f, 2))
	tests := []struct {
		name  string
		patch Patch
		kind  errs.Kind
		check func(t *testing.T, got Household)
	}{
		{"members and status", Patch{Members: ptr(6), Status: ptr(StatusMonitoredEdge)}, "", func(t *testing.T, got Household) {
			if got.Members != 6 || got.Status != StatusMonitoredEdge || got.LiftedYear != nil {
				t.Fatalf("got %+v", got)
			}
		}},
		{"move within county", Patch{VillageCode: ptr(f.villages[1])}, "", func(t *testing.T, got Household) {
			if got.VillageCode != f.villages[1] {
				t.Fatalf("got %+v", got)
			}
		}},
		{"rename", Patch{HeadName: ptr("买买提")}, "", func(t *testing.T, got Household) {
			if got.HeadName != "买**" {
				t.Fatalf("mask %q", got.HeadName)
			}
		}},
		{"lifted year of monitored_edge", Patch{LiftedYear: ptr(2020)}, errs.Invalid, nil},
		{"ID of another household", Patch{HeadIDNumber: ptr(idNumber(t, 2))}, errs.Invalid, nil},
		{"move to another county", Patch{VillageCode: ptr(f.yarkVill)}, errs.Forbidden, nil},
		{"zero members", Patch{Members: ptr(0)}, errs.Invalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.svc.Update(f.ctx, f.lopOff, h.ID, tt.patch)
			if tt.kind != "" {
				if !errs.Is(err, tt.kind) {
					t.Fatalf("Update = %v, want %s", err, tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
	got, err := f.svc.Get(f.ctx, f.lopOff, h.ID, true, "")
	if err != nil || got.HeadName != "买买提" || got.HeadIDNumber != idNumber(t, 1) {
		t.Fatalf("after updates: %+v, %v", got, err)
	}
	yark := f.office("yark@example.com", yarkand)
	if _, err := f.svc.Update(f.ctx, yark, h.ID, Patch{Members: ptr(2)}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("update by another county: %v", err)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	f := newFixture(t)
	rows := genRows(t, 23, f.villages)
	if _, err := f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(encodeCSV(t, rows, nil)), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	var seen []ids.ID
	page := Page{NextCursor: ""}
	for i := 0; ; i++ {
		var err error
		page, err = f.svc.List(f.ctx, f.lopOff, Filter{Limit: 10, Cursor: page.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range page.Items {
			seen = append(seen, h.ID)
		}
		if page.NextCursor == "" {
			break
		}
		if i > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 23 {
		t.Fatalf("pages gave %d households, want 23", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatal("pages overlap or are out of order")
		}
	}
	tests := []struct {
		name   string
		filter Filter
		want   int
		kind   errs.Kind
	}{
		{"village", Filter{Region: f.villages[0]}, 12, ""},
		{"township", Filter{Region: lopTown2}, 11, ""},
		{"county", Filter{Region: lop}, 23, ""},
		{"prefecture", Filter{Region: hotan}, 23, ""},
		{"other county", Filter{Region: yarkand}, 0, ""},
		{"status code", Filter{Status: StatusPoor}, 5, ""},
		{"status name", Filter{Status: "已脱贫"}, 5, ""},
		{"registry", Filter{RegistryNo: "H00000003"}, 1, ""},
		{"ID number", Filter{HeadIDNumber: rows[4]["head_id_number"]}, 1, ""},
		{"unknown ID number", Filter{HeadIDNumber: idNumber(t, 999)}, 0, ""},
		{"unknown region", Filter{Region: "659999"}, 0, errs.Invalid},
		{"bad status", Filter{Status: "rich"}, 0, errs.Invalid},
		{"bad cursor", Filter{Cursor: "!!"}, 0, errs.Invalid},
		{"limit too big", Filter{Limit: 501}, 0, errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := f.svc.List(f.ctx, f.lopOff, tt.filter)
			if tt.kind != "" {
				if !errs.Is(err, tt.kind) {
					t.Fatalf("List = %v, want %s", err, tt.kind)
				}
				return
			}
			if err != nil || len(page.Items) != tt.want {
				t.Fatalf("List = %d items, %v; want %d", len(page.Items), err, tt.want)
			}
			for _, h := range page.Items {
				if h.Revealed || h.HeadName == "" || bytes.ContainsRune([]byte(h.HeadIDNumber), '*') == false {
					t.Fatalf("listed household not masked: %+v", h)
				}
			}
		})
	}
}
