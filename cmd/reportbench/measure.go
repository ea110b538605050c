package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fupinmarket/market/internal/platform/benchkit"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/report"
)

// stats are latency percentiles (nearest rank).
type stats struct{ p50, p95 time.Duration }

func percentiles(d []time.Duration) stats {
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return stats{rank(0.50), rank(0.95)}
}

// regionLatency is one region's summary, timed both ways.
type regionLatency struct {
	code, name          string
	entries, households int
	rollup, groupBy     stats
}

// figures are what both ways compute for each child region.
type figures struct {
	attributed                            int64
	reached, members, poverty, monitoring int
}

// groupByQuery computes, from the ledger alone, what Summary reads from
// village_year_rollup: per child region of $1 (the region's code prefix $2,
// children named by the first $3 digits), the attributed income of year $4,
// the households whose net income of the year is positive, their members,
// and the households whose projected per-capita income crosses the poverty
// and the monitoring line (baseline below the line, baseline × members +
// gain ≥ line × members), every child listed. Two GROUP BYs: per household
// (its net gain), then per child region.
const groupByQuery = `WITH kids AS (SELECT code, name FROM regions WHERE parent_code = $1),
	lines AS (SELECT poverty_line_fen AS pl, monitoring_line_fen AS ml FROM poverty_lines
		WHERE province_code = substr($2, 1, 2) || '0000' AND year <= $4 ORDER BY year DESC LIMIT 1),
	per_household AS (
		SELECT household_id, min(village_code) AS village_code, sum(amount_fen) AS gain
		FROM attribution_entries
		WHERE village_code LIKE $2 || '%'
			AND at >= make_timestamptz($4, 1, 1, 0, 0, 0, 'Asia/Shanghai') AND at < make_timestamptz($4 + 1, 1, 1, 0, 0, 0, 'Asia/Shanghai')
		GROUP BY household_id),
	sums AS (
		SELECT rpad(substr(p.village_code, 1, $3), CASE WHEN $3 <= 6 THEN 6 ELSE $3 END, '0') AS code,
			sum(p.gain)::bigint AS a,
			count(*) FILTER (WHERE p.gain > 0)::int AS r,
			coalesce(sum(h.members) FILTER (WHERE p.gain > 0), 0)::int AS m,
			count(*) FILTER (WHERE h.baseline_income_fen < l.pl AND h.baseline_income_fen * h.members + p.gain >= l.pl * h.members)::int AS cp,
			count(*) FILTER (WHERE h.baseline_income_fen < l.ml AND h.baseline_income_fen * h.members + p.gain >= l.ml * h.members)::int AS cm
		FROM per_household p JOIN households h ON h.id = p.household_id LEFT JOIN lines l ON true
		GROUP BY 1)
	SELECT k.code, coalesce(s.a, 0), coalesce(s.r, 0), coalesce(s.m, 0), coalesce(s.cp, 0), coalesce(s.cm, 0)
	FROM kids k LEFT JOIN sums s ON s.code = k.code ORDER BY coalesce(s.a, 0) DESC, k.code`

// groupBy runs groupByQuery for r and returns its children's figures.
func groupBy(ctx context.Context, b *bench, r region.Region) (map[string]figures, error) {
	rows, err := b.pool.Query(ctx, groupByQuery, r.Code, region.Prefix(r.Code, r.Level), r.Level.ChildDigits(), b.year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]figures{}
	for rows.Next() {
		var code string
		var f figures
		if err := rows.Scan(&code, &f.attributed, &f.reached, &f.members, &f.poverty, &f.monitoring); err != nil {
			return nil, err
		}
		out[code] = f
	}
	return out, rows.Err()
}

func summaryFigures(s report.Summary) map[string]figures {
	out := map[string]figures{}
	for _, c := range s.Children {
		out[c.Code] = figures{c.AttributedFen, c.HouseholdsReached, c.MembersReached, c.CrossedPovertyLine, c.CrossedMonitoringLine}
	}
	return out
}

// resolveRegions turns the --regions list into regions, largest-county
// being the county whose villages hold the most households.
func resolveRegions(ctx context.Context, b *bench, list string) ([]region.Region, error) {
	store := region.NewStore(b.pool)
	var out []region.Region
	for _, code := range strings.Split(list, ",") {
		code = strings.TrimSpace(code)
		if code == "largest-county" {
			err := b.pool.QueryRow(ctx, `SELECT substr(village_code, 1, 6) FROM households GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&code)
			if err != nil {
				return nil, err
			}
		}
		if slices.ContainsFunc(out, func(r region.Region) bool { return r.Code == code }) {
			continue
		}
		r, err := store.Get(ctx, code)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", code, err)
		}
		if r.Level == region.Village {
			return nil, fmt.Errorf("region %s is a village: summaries of villages read one row either way", code)
		}
		out = append(out, r)
	}
	return out, nil
}

// measureSummaries times report.Service.Summary and groupByQuery for each
// region, interleaved (one of each in turn, after a warm-up call of each)
// so that both see the same load, and checks that they agree child by
// child.
func measureSummaries(ctx context.Context, b *bench, o options) ([]regionLatency, error) {
	regions, err := resolveRegions(ctx, b, o.regions)
	if err != nil {
		return nil, err
	}
	if _, err := b.pool.Exec(ctx, "CHECKPOINT"); err != nil {
		logf("CHECKPOINT: %v (measuring regardless)", err)
	}
	var out []regionLatency
	var loads []string
	for _, r := range regions {
		l := regionLatency{code: r.Code, name: r.Name}
		prefix := region.Prefix(r.Code, r.Level)
		err := b.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM attribution_entries WHERE village_code LIKE $1 || '%'),
				(SELECT count(*) FROM households WHERE village_code LIKE $1 || '%')`, prefix).Scan(&l.entries, &l.households)
		if err != nil {
			return nil, err
		}
		logf("summaries of %s %s (%s entries): %d + %d runs", r.Code, r.Name, benchkit.GroupDigits(l.entries), o.runs, o.baselineRuns)
		// Warm-up, and the check that both ways give the same figures (I6
		// at the level of the region's children).
		sum, err := b.reports.Summary(ctx, b.admin, r.Code, b.year)
		if err != nil {
			return nil, err
		}
		raw, err := groupBy(ctx, b, r)
		if err != nil {
			return nil, err
		}
		check := fmt.Sprintf("village-year rollup under %s %s: Summary = GROUP BY for all %d children (attributed, reached, members, crossings)",
			r.Code, r.Name, len(raw))
		if have := summaryFigures(sum); len(have) != len(raw) {
			return nil, fmt.Errorf("%s: Summary has %d children, GROUP BY %d", r.Code, len(have), len(raw))
		} else {
			for code, want := range raw {
				if have[code] != want {
					return nil, fmt.Errorf("I6: %s child %s: Summary %+v, GROUP BY over the ledger %+v", r.Code, code, have[code], want)
				}
			}
		}
		if sum.AttributedFen == 0 {
			return nil, errors.New(r.Code + ": no income attributed: nothing to measure")
		}
		b.regionChecks = append(b.regionChecks, check)
		var rollup, plain []time.Duration
		for i := range max(o.runs, o.baselineRuns) {
			if i < o.runs {
				t0 := time.Now()
				if _, err := b.reports.Summary(ctx, b.admin, r.Code, b.year); err != nil {
					return nil, err
				}
				rollup = append(rollup, time.Since(t0))
			}
			if i < o.baselineRuns {
				t0 := time.Now()
				if _, err := groupBy(ctx, b, r); err != nil {
					return nil, err
				}
				plain = append(plain, time.Since(t0))
			}
		}
		loads = append(loads, loadAvg())
		l.rollup, l.groupBy = percentiles(rollup), percentiles(plain)
		logf("  Summary p50 %.2f ms p95 %.2f ms; GROUP BY p50 %.1f ms p95 %.1f ms; load %s",
			ms(l.rollup.p50), ms(l.rollup.p95), ms(l.groupBy.p50), ms(l.groupBy.p95), loadAvg())
		out = append(out, l)
	}
	b.loadDuring = strings.Join(loads, ", ")
	return out, nil
}
