package region

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// data holds the NBS division codes of Xinjiang down to townships, the 10
// counties under listed supervision in 2020, and the curated Uyghur and
// English names of the region, its prefectures, its counties and a few
// townships (xinjiang_region_names.csv: the forms of the autonomous
// region's own Uyghur usage and the English usual in maps and the press).
//
//go:embed data/*.csv
var data embed.FS

// Seed loads the embedded region tree and the 2020 campaign flags. It is
// idempotent: existing codes are updated, villages created later are kept.
func Seed(ctx context.Context, db *pgxpool.Pool) error {
	regions, err := readCSV("data/xinjiang_regions.csv")
	if err != nil {
		return err
	}
	campaign, err := readCSV("data/xinjiang_2020_campaign.csv")
	if err != nil {
		return err
	}
	curated, err := readCSV("data/xinjiang_region_names.csv")
	if err != nil {
		return err
	}
	names := make(map[string]map[string]string, len(curated))
	for _, c := range curated {
		names[c["code"]] = c
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	const upsert = `INSERT INTO regions (code, name, level, parent_code, name_ug, name_en)
		VALUES ($1, $2, $3, nullif($4, ''), $5, $6)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code,
			name_ug = excluded.name_ug, name_en = excluded.name_en`
	batch := &pgx.Batch{}
	for _, r := range regions { // parents precede children in the file
		// Uyghur stays empty (the Chinese name is shown) unless curated;
		// English is curated or the romanisation of the Chinese name.
		ug, en := names[r["code"]]["name_ug"], names[r["code"]]["name_en"]
		if en == "" {
			en = Romanize(r["name"])
		}
		batch.Queue(upsert, r["code"], r["name"], r["level"], r["parent_code"], ug, en)
	}
	const flag = `UPDATE regions SET listed_supervision = $2, delisted_on = nullif($3, '')::date WHERE code = $1`
	for _, c := range campaign {
		batch.Queue(flag, c["county_code"], c["listed_supervision_2020"] == "true", c["delisted_on"])
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("seed regions: %w", err)
	}
	return tx.Commit(ctx)
}

func readCSV(name string) ([]map[string]string, error) {
	f, err := data.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[strings.TrimSpace(h)] = strings.TrimSpace(rec[i])
		}
		out = append(out, row)
	}
}
