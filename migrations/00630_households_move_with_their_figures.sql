-- +goose Up
-- A household's figures are reported under the village it is registered in
-- now, every year of them: when the registry moves it, its years move with
-- it. Before, a year stayed under the village of its first entry (or, for a
-- year opened by a payout, the village at the payout, and after a rebuild
-- the village of the day), while the offices' household lists and exports
-- place it where it lives: a county's summary and its own list disagreed,
-- and a rebuild could move figures between villages with no new data. The
-- ledger's entries keep the village of their sale (the buyer's receipt says
-- where the money went); only the reports follow the registry.
--
-- apply_pending_rollups and the rebuild file a new year under the
-- household's village; households_move moves a household's years when its
-- village changes; and the years already filed elsewhere are filed again.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.apply_pending_rollups()
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET lock_timeout TO '3s'
AS $function$
DECLARE
    ids bigint[];
BEGIN
    WITH taken AS (DELETE FROM rollup_pending RETURNING entry_ids)
    SELECT array_agg(u.id) INTO ids FROM taken, unnest(taken.entry_ids) AS u(id);
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(v.village_code, 0)) FROM (
        SELECT village_code FROM attribution_entries WHERE id = ANY(ids)
        UNION
        SELECT h.village_code FROM households h WHERE h.id IN (SELECT household_id FROM attribution_entries WHERE id = ANY(ids))
        UNION
        SELECT i.village_code FROM household_year_income i JOIN attribution_entries e
            ON e.household_id = i.household_id AND i.year = report_year(e.at) WHERE e.id = ANY(ids)
        ORDER BY 1) v;
    WITH new_entries AS MATERIALIZED (
            SELECT id, household_id, village_code, at, amount_fen, lot_id, cooperative_id,
                CASE WHEN income_type = 'operating' THEN amount_fen ELSE 0 END AS op,
                CASE WHEN income_type = 'wage' THEN amount_fen ELSE 0 END AS wage,
                CASE WHEN income_type = 'asset' THEN amount_fen ELSE 0 END AS asset
            FROM attribution_entries WHERE id = ANY(ids)),
        agg AS (
            SELECT n.household_id, report_year(n.at) AS yr, h.village_code AS village,
                sum(n.amount_fen)::bigint AS amount, sum(n.op)::bigint AS op, sum(n.wage)::bigint AS wage,
                sum(n.asset)::bigint AS asset
            FROM new_entries n JOIN households h ON h.id = n.household_id GROUP BY 1, 2, 3),
        up AS (
            INSERT INTO household_year_income AS i (household_id, year, village_code, attributed_fen, operating_fen,
                    wage_fen, asset_fen, paid_fen)
            SELECT household_id, yr, village, amount, op, wage, asset, wage + asset FROM agg
            ON CONFLICT (household_id, year) DO UPDATE SET attributed_fen = i.attributed_fen + excluded.attributed_fen,
                operating_fen = i.operating_fen + excluded.operating_fen, wage_fen = i.wage_fen + excluded.wage_fen,
                asset_fen = i.asset_fen + excluded.asset_fen, paid_fen = i.paid_fen + excluded.paid_fen
            RETURNING i.household_id, i.year, i.village_code, i.attributed_fen AS new_gain),
        delta AS (
            SELECT up.village_code, up.year, sum(agg.amount) AS d_attr, sum(agg.op) AS d_op, sum(agg.wage) AS d_wage,
                sum(agg.asset) AS d_asset,
                sum(n.reached - o.reached) AS dr, sum(n.reached_members - o.reached_members) AS dm,
                sum(n.poverty - o.poverty) AS dp, sum(n.monitoring - o.monitoring) AS dmo
            FROM up JOIN agg ON agg.household_id = up.household_id AND agg.yr = up.year
            JOIN households h ON h.id = up.household_id
            CROSS JOIN LATERAL household_crossings(h.baseline_income_fen, h.members, up.new_gain - agg.amount, up.village_code, up.year) o
            CROSS JOIN LATERAL household_crossings(h.baseline_income_fen, h.members, up.new_gain, up.village_code, up.year) n
            GROUP BY 1, 2),
        years AS (
            INSERT INTO village_year_rollup AS r (village_code, year, attributed_fen, operating_fen, wage_fen, asset_fen,
                    paid_out_fen, households_reached, members_reached, crossed_poverty, crossed_monitoring)
            SELECT village_code, year, d_attr, d_op, d_wage, d_asset, d_wage + d_asset, dr, dm, dp, dmo FROM delta
            ON CONFLICT (village_code, year) DO UPDATE SET
                attributed_fen = r.attributed_fen + excluded.attributed_fen,
                operating_fen = r.operating_fen + excluded.operating_fen,
                wage_fen = r.wage_fen + excluded.wage_fen,
                asset_fen = r.asset_fen + excluded.asset_fen,
                paid_out_fen = r.paid_out_fen + excluded.paid_out_fen,
                households_reached = r.households_reached + excluded.households_reached,
                members_reached = r.members_reached + excluded.members_reached,
                crossed_poverty = r.crossed_poverty + excluded.crossed_poverty,
                crossed_monitoring = r.crossed_monitoring + excluded.crossed_monitoring),
        months AS (
            INSERT INTO village_month_rollup AS m (village_code, month, attributed_fen, operating_fen, wage_fen, asset_fen)
            SELECT up.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date, sum(e.amount_fen),
                sum(e.op), sum(e.wage), sum(e.asset)
            FROM new_entries e JOIN up ON up.household_id = e.household_id AND up.year = report_year(e.at)
            GROUP BY 1, 2
            ON CONFLICT (village_code, month) DO UPDATE SET attributed_fen = m.attributed_fen + excluded.attributed_fen,
                operating_fen = m.operating_fen + excluded.operating_fen, wage_fen = m.wage_fen + excluded.wage_fen,
                asset_fen = m.asset_fen + excluded.asset_fen),
        products AS (
            INSERT INTO village_product_rollup AS p (village_code, year, product_id, attributed_fen)
            SELECT up.village_code, up.year, l.product_id, sum(e.amount_fen)
            FROM new_entries e JOIN up ON up.household_id = e.household_id AND up.year = report_year(e.at)
            JOIN lots l ON l.id = e.lot_id GROUP BY 1, 2, 3
            ON CONFLICT (village_code, year, product_id) DO UPDATE SET attributed_fen = p.attributed_fen + excluded.attributed_fen)
    INSERT INTO coop_household_balance AS b (cooperative_id, household_id, attributed_fen, operating_fen, wage_fen,
            asset_fen, paid_fen)
        SELECT cooperative_id, household_id, sum(amount_fen), sum(op), sum(wage), sum(asset), sum(wage + asset)
        FROM new_entries GROUP BY 1, 2
        ON CONFLICT (cooperative_id, household_id) DO UPDATE SET attributed_fen = b.attributed_fen + excluded.attributed_fen,
            operating_fen = b.operating_fen + excluded.operating_fen, wage_fen = b.wage_fen + excluded.wage_fen,
            asset_fen = b.asset_fen + excluded.asset_fen, paid_fen = b.paid_fen + excluded.paid_fen;
    RETURN cardinality(ids);
END;
$function$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.rebuild_rollups_from_ledger()
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
BEGIN
    DELETE FROM village_year_rollup;
    DELETE FROM village_month_rollup;
    DELETE FROM village_product_rollup;
    DELETE FROM household_year_income;
    DELETE FROM coop_household_balance;
    CREATE TEMP TABLE typed_entries ON COMMIT DROP AS
        SELECT id, household_id, cooperative_id, village_code, at, report_year(at) AS yr, amount_fen, lot_id,
            CASE WHEN income_type = 'operating' THEN amount_fen ELSE 0 END AS op,
            CASE WHEN income_type = 'wage' THEN amount_fen ELSE 0 END AS wage,
            CASE WHEN income_type = 'asset' THEN amount_fen ELSE 0 END AS asset
        FROM attribution_entries;
    INSERT INTO household_year_income (household_id, year, village_code, attributed_fen, operating_fen, wage_fen,
            asset_fen, paid_fen)
        SELECT e.household_id, e.yr, h.village_code, sum(e.amount_fen), sum(e.op), sum(e.wage),
            sum(e.asset), sum(e.wage + e.asset)
        FROM typed_entries e JOIN households h ON h.id = e.household_id GROUP BY e.household_id, e.yr, h.village_code;
    INSERT INTO household_year_income AS i (household_id, year, village_code, paid_fen)
        SELECT p.household_id, extract(year FROM p.paid_on)::int, h.village_code, sum(p.amount_fen)
        FROM payouts p JOIN households h ON h.id = p.household_id GROUP BY 1, 2, 3
        ON CONFLICT (household_id, year) DO UPDATE SET paid_fen = i.paid_fen + excluded.paid_fen;
    INSERT INTO village_year_rollup (village_code, year, attributed_fen, operating_fen, wage_fen, asset_fen,
            paid_out_fen, households_reached, members_reached, crossed_poverty, crossed_monitoring)
        SELECT i.village_code, i.year, sum(i.attributed_fen), sum(i.operating_fen), sum(i.wage_fen), sum(i.asset_fen),
            sum(i.paid_fen), sum(c.reached), sum(c.reached_members), sum(c.poverty), sum(c.monitoring)
        FROM household_year_income i JOIN households h ON h.id = i.household_id,
            LATERAL household_crossings(h.baseline_income_fen, h.members, i.attributed_fen, i.village_code, i.year) c
        GROUP BY i.village_code, i.year;
    INSERT INTO village_month_rollup (village_code, month, attributed_fen, operating_fen, wage_fen, asset_fen)
        SELECT i.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date, sum(e.amount_fen),
            sum(e.op), sum(e.wage), sum(e.asset)
        FROM typed_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = e.yr
        GROUP BY 1, 2;
    INSERT INTO village_product_rollup (village_code, year, product_id, attributed_fen)
        SELECT i.village_code, i.year, l.product_id, sum(e.amount_fen)
        FROM typed_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = e.yr
        JOIN lots l ON l.id = e.lot_id GROUP BY 1, 2, 3;
    INSERT INTO coop_household_balance (cooperative_id, household_id, attributed_fen, operating_fen, wage_fen,
            asset_fen, paid_fen)
        SELECT coalesce(e.cooperative_id, p.cooperative_id), coalesce(e.household_id, p.household_id),
            coalesce(e.a, 0), coalesce(e.op, 0), coalesce(e.wage, 0), coalesce(e.asset, 0),
            coalesce(e.wage, 0) + coalesce(e.asset, 0) + coalesce(p.sum, 0)
        FROM (SELECT cooperative_id, household_id, sum(amount_fen) AS a, sum(op) AS op, sum(wage) AS wage,
                sum(asset) AS asset FROM typed_entries GROUP BY 1, 2) e
        FULL JOIN (SELECT cooperative_id, household_id, sum(amount_fen) AS sum FROM payouts GROUP BY 1, 2) p
            ON p.cooperative_id = e.cooperative_id AND p.household_id = e.household_id;
    DROP TABLE typed_entries;
END;
$function$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION rollup_household_move() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- Entries still queued stay queued: the pass files them under the
    -- household's village (now NEW's) with its baseline then. The old
    -- village is locked too, so that a pass applying the household's
    -- entries waits for this transaction.
    PERFORM pg_advisory_xact_lock(hashtextextended(x.v, 0)) FROM (
        SELECT village_code AS v FROM household_year_income WHERE household_id = NEW.id
        UNION SELECT OLD.village_code UNION SELECT NEW.village_code ORDER BY 1) x;
    -- Each year leaves its village and joins the new one with its money,
    -- reach and crossings (the members and baseline as the rollups hold
    -- them: households_rollup, which fires after this trigger, moves those).
    WITH yrs AS (
            SELECT i.year, i.village_code AS was, i.attributed_fen AS a, i.operating_fen AS op, i.wage_fen AS w,
                i.asset_fen AS s, i.paid_fen AS p, o.reached AS ro, o.reached_members AS mo, o.poverty AS po,
                o.monitoring AS mno, n.reached AS rn, n.reached_members AS mn, n.poverty AS pn, n.monitoring AS mnn
            FROM household_year_income i
            CROSS JOIN LATERAL household_crossings(OLD.baseline_income_fen, OLD.members, i.attributed_fen, i.village_code, i.year) o
            CROSS JOIN LATERAL household_crossings(OLD.baseline_income_fen, OLD.members, i.attributed_fen, NEW.village_code, i.year) n
            WHERE i.household_id = NEW.id AND i.village_code <> NEW.village_code),
        leaving AS (
            UPDATE village_year_rollup r SET attributed_fen = r.attributed_fen - y.a, operating_fen = r.operating_fen - y.op,
                wage_fen = r.wage_fen - y.w, asset_fen = r.asset_fen - y.s, paid_out_fen = r.paid_out_fen - y.p,
                households_reached = r.households_reached - y.ro, members_reached = r.members_reached - y.mo,
                crossed_poverty = r.crossed_poverty - y.po, crossed_monitoring = r.crossed_monitoring - y.mno
            FROM yrs y WHERE r.village_code = y.was AND r.year = y.year)
    INSERT INTO village_year_rollup AS r (village_code, year, attributed_fen, operating_fen, wage_fen, asset_fen,
            paid_out_fen, households_reached, members_reached, crossed_poverty, crossed_monitoring)
        SELECT NEW.village_code, year, a, op, w, s, p, rn, mn, pn, mnn FROM yrs
        ON CONFLICT (village_code, year) DO UPDATE SET attributed_fen = r.attributed_fen + excluded.attributed_fen,
            operating_fen = r.operating_fen + excluded.operating_fen, wage_fen = r.wage_fen + excluded.wage_fen,
            asset_fen = r.asset_fen + excluded.asset_fen, paid_out_fen = r.paid_out_fen + excluded.paid_out_fen,
            households_reached = r.households_reached + excluded.households_reached,
            members_reached = r.members_reached + excluded.members_reached,
            crossed_poverty = r.crossed_poverty + excluded.crossed_poverty,
            crossed_monitoring = r.crossed_monitoring + excluded.crossed_monitoring;
    WITH m AS (
            SELECT i.village_code AS was, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date AS month,
                sum(e.amount_fen)::bigint AS a,
                sum(CASE WHEN e.income_type = 'operating' THEN e.amount_fen ELSE 0 END)::bigint AS op,
                sum(CASE WHEN e.income_type = 'wage' THEN e.amount_fen ELSE 0 END)::bigint AS w,
                sum(CASE WHEN e.income_type = 'asset' THEN e.amount_fen ELSE 0 END)::bigint AS s
            FROM attribution_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
            WHERE e.household_id = NEW.id AND i.village_code <> NEW.village_code
                AND NOT EXISTS (SELECT 1 FROM rollup_pending q WHERE e.id = ANY (q.entry_ids)) GROUP BY 1, 2),
        leaving AS (
            UPDATE village_month_rollup r SET attributed_fen = r.attributed_fen - m.a, operating_fen = r.operating_fen - m.op,
                wage_fen = r.wage_fen - m.w, asset_fen = r.asset_fen - m.s
            FROM m WHERE r.village_code = m.was AND r.month = m.month)
    INSERT INTO village_month_rollup AS r (village_code, month, attributed_fen, operating_fen, wage_fen, asset_fen)
        SELECT NEW.village_code, month, a, op, w, s FROM m
        ON CONFLICT (village_code, month) DO UPDATE SET attributed_fen = r.attributed_fen + excluded.attributed_fen,
            operating_fen = r.operating_fen + excluded.operating_fen, wage_fen = r.wage_fen + excluded.wage_fen,
            asset_fen = r.asset_fen + excluded.asset_fen;
    WITH p AS (
            SELECT i.village_code AS was, i.year, l.product_id, sum(e.amount_fen)::bigint AS a
            FROM attribution_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
            JOIN lots l ON l.id = e.lot_id
            WHERE e.household_id = NEW.id AND i.village_code <> NEW.village_code
                AND NOT EXISTS (SELECT 1 FROM rollup_pending q WHERE e.id = ANY (q.entry_ids)) GROUP BY 1, 2, 3),
        leaving AS (
            UPDATE village_product_rollup r SET attributed_fen = r.attributed_fen - p.a
            FROM p WHERE r.village_code = p.was AND r.year = p.year AND r.product_id = p.product_id)
    INSERT INTO village_product_rollup AS r (village_code, year, product_id, attributed_fen)
        SELECT NEW.village_code, year, product_id, a FROM p
        ON CONFLICT (village_code, year, product_id) DO UPDATE SET attributed_fen = r.attributed_fen + excluded.attributed_fen;
    UPDATE household_year_income SET village_code = NEW.village_code
    WHERE household_id = NEW.id AND village_code <> NEW.village_code;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER households_move AFTER UPDATE OF village_code ON households
    FOR EACH ROW WHEN (OLD.village_code IS DISTINCT FROM NEW.village_code) EXECUTE FUNCTION rollup_household_move();

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM household_year_income i JOIN households h ON h.id = i.household_id
            WHERE i.village_code <> h.village_code) THEN
        PERFORM rebuild_rollups();
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER households_move ON households;
DROP FUNCTION rollup_household_move();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.rebuild_rollups_from_ledger()
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
BEGIN
    DELETE FROM village_year_rollup;
    DELETE FROM village_month_rollup;
    DELETE FROM village_product_rollup;
    DELETE FROM household_year_income;
    DELETE FROM coop_household_balance;
    CREATE TEMP TABLE typed_entries ON COMMIT DROP AS
        SELECT id, household_id, cooperative_id, village_code, at, report_year(at) AS yr, amount_fen, lot_id,
            CASE WHEN income_type = 'operating' THEN amount_fen ELSE 0 END AS op,
            CASE WHEN income_type = 'wage' THEN amount_fen ELSE 0 END AS wage,
            CASE WHEN income_type = 'asset' THEN amount_fen ELSE 0 END AS asset
        FROM attribution_entries;
    INSERT INTO household_year_income (household_id, year, village_code, attributed_fen, operating_fen, wage_fen,
            asset_fen, paid_fen)
        SELECT household_id, yr, (array_agg(village_code ORDER BY id))[1], sum(amount_fen), sum(op), sum(wage),
            sum(asset), sum(wage + asset)
        FROM typed_entries GROUP BY household_id, yr;
    INSERT INTO household_year_income AS i (household_id, year, village_code, paid_fen)
        SELECT p.household_id, extract(year FROM p.paid_on)::int, h.village_code, sum(p.amount_fen)
        FROM payouts p JOIN households h ON h.id = p.household_id GROUP BY 1, 2, 3
        ON CONFLICT (household_id, year) DO UPDATE SET paid_fen = i.paid_fen + excluded.paid_fen;
    INSERT INTO village_year_rollup (village_code, year, attributed_fen, operating_fen, wage_fen, asset_fen,
            paid_out_fen, households_reached, members_reached, crossed_poverty, crossed_monitoring)
        SELECT i.village_code, i.year, sum(i.attributed_fen), sum(i.operating_fen), sum(i.wage_fen), sum(i.asset_fen),
            sum(i.paid_fen), sum(c.reached), sum(c.reached_members), sum(c.poverty), sum(c.monitoring)
        FROM household_year_income i JOIN households h ON h.id = i.household_id,
            LATERAL household_crossings(h.baseline_income_fen, h.members, i.attributed_fen, i.village_code, i.year) c
        GROUP BY i.village_code, i.year;
    INSERT INTO village_month_rollup (village_code, month, attributed_fen, operating_fen, wage_fen, asset_fen)
        SELECT i.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date, sum(e.amount_fen),
            sum(e.op), sum(e.wage), sum(e.asset)
        FROM typed_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = e.yr
        GROUP BY 1, 2;
    INSERT INTO village_product_rollup (village_code, year, product_id, attributed_fen)
        SELECT i.village_code, i.year, l.product_id, sum(e.amount_fen)
        FROM typed_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = e.yr
        JOIN lots l ON l.id = e.lot_id GROUP BY 1, 2, 3;
    INSERT INTO coop_household_balance (cooperative_id, household_id, attributed_fen, operating_fen, wage_fen,
            asset_fen, paid_fen)
        SELECT coalesce(e.cooperative_id, p.cooperative_id), coalesce(e.household_id, p.household_id),
            coalesce(e.a, 0), coalesce(e.op, 0), coalesce(e.wage, 0), coalesce(e.asset, 0),
            coalesce(e.wage, 0) + coalesce(e.asset, 0) + coalesce(p.sum, 0)
        FROM (SELECT cooperative_id, household_id, sum(amount_fen) AS a, sum(op) AS op, sum(wage) AS wage,
                sum(asset) AS asset FROM typed_entries GROUP BY 1, 2) e
        FULL JOIN (SELECT cooperative_id, household_id, sum(amount_fen) AS sum FROM payouts GROUP BY 1, 2) p
            ON p.cooperative_id = e.cooperative_id AND p.household_id = e.household_id;
    DROP TABLE typed_entries;
END;
$function$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.apply_pending_rollups()
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET lock_timeout TO '3s'
AS $function$
DECLARE
    ids bigint[];
BEGIN
    WITH taken AS (DELETE FROM rollup_pending RETURNING entry_ids)
    SELECT array_agg(u.id) INTO ids FROM taken, unnest(taken.entry_ids) AS u(id);
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(v.village_code, 0)) FROM (
        SELECT village_code FROM attribution_entries WHERE id = ANY(ids)
        UNION
        SELECT h.village_code FROM households h WHERE h.id IN (SELECT household_id FROM attribution_entries WHERE id = ANY(ids))
        UNION
        SELECT i.village_code FROM household_year_income i JOIN attribution_entries e
            ON e.household_id = i.household_id AND i.year = report_year(e.at) WHERE e.id = ANY(ids)
        ORDER BY 1) v;
    WITH new_entries AS MATERIALIZED (
            SELECT id, household_id, village_code, at, amount_fen, lot_id, cooperative_id,
                CASE WHEN income_type = 'operating' THEN amount_fen ELSE 0 END AS op,
                CASE WHEN income_type = 'wage' THEN amount_fen ELSE 0 END AS wage,
                CASE WHEN income_type = 'asset' THEN amount_fen ELSE 0 END AS asset
            FROM attribution_entries WHERE id = ANY(ids)),
        agg AS (
            SELECT household_id, report_year(at) AS yr, (array_agg(village_code ORDER BY id))[1] AS village,
                sum(amount_fen)::bigint AS amount, sum(op)::bigint AS op, sum(wage)::bigint AS wage,
                sum(asset)::bigint AS asset
            FROM new_entries GROUP BY 1, 2),
        up AS (
            INSERT INTO household_year_income AS i (household_id, year, village_code, attributed_fen, operating_fen,
                    wage_fen, asset_fen, paid_fen)
            SELECT household_id, yr, village, amount, op, wage, asset, wage + asset FROM agg
            ON CONFLICT (household_id, year) DO UPDATE SET attributed_fen = i.attributed_fen + excluded.attributed_fen,
                operating_fen = i.operating_fen + excluded.operating_fen, wage_fen = i.wage_fen + excluded.wage_fen,
                asset_fen = i.asset_fen + excluded.asset_fen, paid_fen = i.paid_fen + excluded.paid_fen
            RETURNING i.household_id, i.year, i.village_code, i.attributed_fen AS new_gain),
        delta AS (
            SELECT up.village_code, up.year, sum(agg.amount) AS d_attr, sum(agg.op) AS d_op, sum(agg.wage) AS d_wage,
                sum(agg.asset) AS d_asset,
                sum(n.reached - o.reached) AS dr, sum(n.reached_members - o.reached_members) AS dm,
                sum(n.poverty - o.poverty) AS dp, sum(n.monitoring - o.monitoring) AS dmo
            FROM up JOIN agg ON agg.household_id = up.household_id AND agg.yr = up.year
            JOIN households h ON h.id = up.household_id
            CROSS JOIN LATERAL household_crossings(h.baseline_income_fen, h.members, up.new_gain - agg.amount, up.village_code, up.year) o
            CROSS JOIN LATERAL household_crossings(h.baseline_income_fen, h.members, up.new_gain, up.village_code, up.year) n
            GROUP BY 1, 2),
        years AS (
            INSERT INTO village_year_rollup AS r (village_code, year, attributed_fen, operating_fen, wage_fen, asset_fen,
                    paid_out_fen, households_reached, members_reached, crossed_poverty, crossed_monitoring)
            SELECT village_code, year, d_attr, d_op, d_wage, d_asset, d_wage + d_asset, dr, dm, dp, dmo FROM delta
            ON CONFLICT (village_code, year) DO UPDATE SET
                attributed_fen = r.attributed_fen + excluded.attributed_fen,
                operating_fen = r.operating_fen + excluded.operating_fen,
                wage_fen = r.wage_fen + excluded.wage_fen,
                asset_fen = r.asset_fen + excluded.asset_fen,
                paid_out_fen = r.paid_out_fen + excluded.paid_out_fen,
                households_reached = r.households_reached + excluded.households_reached,
                members_reached = r.members_reached + excluded.members_reached,
                crossed_poverty = r.crossed_poverty + excluded.crossed_poverty,
                crossed_monitoring = r.crossed_monitoring + excluded.crossed_monitoring),
        months AS (
            INSERT INTO village_month_rollup AS m (village_code, month, attributed_fen, operating_fen, wage_fen, asset_fen)
            SELECT up.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date, sum(e.amount_fen),
                sum(e.op), sum(e.wage), sum(e.asset)
            FROM new_entries e JOIN up ON up.household_id = e.household_id AND up.year = report_year(e.at)
            GROUP BY 1, 2
            ON CONFLICT (village_code, month) DO UPDATE SET attributed_fen = m.attributed_fen + excluded.attributed_fen,
                operating_fen = m.operating_fen + excluded.operating_fen, wage_fen = m.wage_fen + excluded.wage_fen,
                asset_fen = m.asset_fen + excluded.asset_fen),
        products AS (
            INSERT INTO village_product_rollup AS p (village_code, year, product_id, attributed_fen)
            SELECT up.village_code, up.year, l.product_id, sum(e.amount_fen)
            FROM new_entries e JOIN up ON up.household_id = e.household_id AND up.year = report_year(e.at)
            JOIN lots l ON l.id = e.lot_id GROUP BY 1, 2, 3
            ON CONFLICT (village_code, year, product_id) DO UPDATE SET attributed_fen = p.attributed_fen + excluded.attributed_fen)
    INSERT INTO coop_household_balance AS b (cooperative_id, household_id, attributed_fen, operating_fen, wage_fen,
            asset_fen, paid_fen)
        SELECT cooperative_id, household_id, sum(amount_fen), sum(op), sum(wage), sum(asset), sum(wage + asset)
        FROM new_entries GROUP BY 1, 2
        ON CONFLICT (cooperative_id, household_id) DO UPDATE SET attributed_fen = b.attributed_fen + excluded.attributed_fen,
            operating_fen = b.operating_fen + excluded.operating_fen, wage_fen = b.wage_fen + excluded.wage_fen,
            asset_fen = b.asset_fen + excluded.asset_fen, paid_fen = b.paid_fen + excluded.paid_fen;
    RETURN cardinality(ids);
END;
$function$;
-- +goose StatementEnd
