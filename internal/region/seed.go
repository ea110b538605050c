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

// data holds the NBS division codes of Xinjiang down to townships and the 10
// counties under listed supervision in 2020 (see data/SOURCES.md).
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
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	const upsert = `INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, nullif($4, ''))
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code`
	batch := &pgx.Batch{}
	for _, r := range regions { // parents precede children in the file
		batch.Queue(upsert, r["code"], r["name"], r["level"], r["parent_code"])
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
