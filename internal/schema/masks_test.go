package schema_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/postgres"
)

// TestNameMasksRevealOneCharacter: migration 00521 re-masks the names
// stored before it from their old masks (the names themselves are sealed)
// to the first character and two stars, and the table refuses a longer
// mask from then on.
func TestNameMasksRevealOneCharacter(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	m, err := postgres.NewMigrator(db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.DownTo(ctx, 520); err != nil {
		t.Fatal(err)
	}
	var township string
	if err := db.Pool.QueryRow(ctx, `SELECT min(code) FROM regions WHERE level = 'township'`).Scan(&township); err != nil {
		t.Fatal(err)
	}
	village := township + "001"
	if _, err := db.Pool.Exec(ctx, `INSERT INTO regions (code, name, level, parent_code) VALUES ($1, '测试村', 'village', $2)`, village, township); err != nil {
		t.Fatal(err)
	}
	old := map[string]string{"R1": "阿*古丽", "R2": "王*", "R3": "*", "R4": "买***吐尔逊", "R5": "A*i"}
	i := 0
	for reg, mask := range old {
		i++
		if _, err := db.Pool.Exec(ctx, `INSERT INTO households (registry_no, village_code, members, status, baseline_income_fen,
				baseline_year, head_name_enc, head_id_enc, head_id_hash, head_name_mask, head_id_mask, key_version)
			VALUES ($1, $2, 1, 'lifted', 100000, 2020, '\x01', '\x02', $3, $4, '6532**********0001', 1)`,
			reg, village, []byte{byte(i)}, mask); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"R1": "阿**", "R2": "王**", "R3": "**", "R4": "买**", "R5": "A**"}
	for reg, w := range want {
		var got string
		if err := db.Pool.QueryRow(ctx, `SELECT head_name_mask FROM households WHERE registry_no = $1`, reg).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("%s: mask %q, want %q (was %q)", reg, got, w, old[reg])
		}
	}
	_, err = db.Pool.Exec(ctx, `UPDATE households SET head_name_mask = '阿*古丽' WHERE registry_no = 'R1'`)
	if err == nil {
		t.Error("the table took a mask showing more than the first character")
	}
}
