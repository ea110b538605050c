-- +goose Up
-- The rollups follow the ledger in batches instead of inside every paying
-- transaction (issue 5's checkout throughput). Until now a statement trigger
-- applied each INSERT's entries to five rollups: a fifty-node plan started,
-- and fifteen rows rewritten, once per paid order. Now the writing statement
-- (attribution.Plan.QueueAppend, the ledger's one writer) also queues the
-- new entry ids in rollup_pending, and
-- apply_pending_rollups() applies everything queued so far in one pass:
-- the river job does so every few seconds, and every reader of the rollups
-- (reports, payouts) calls it first, so what an office sees still equals the
-- entries under it (I6). The audit compares the rollups with the entries
-- that are not pending, and reports a queue nobody has applied for long.
-- A statement trigger queueing every INSERT would also catch entries written
-- some other way, but cost 5–10 % of a checkout; such an entry shows as an
-- I6 violation instead, and SELECT rebuild_rollups() repairs the figures.
CREATE TABLE rollup_pending (
    entry_ids bigint[] NOT NULL CHECK (cardinality(entry_ids) > 0),
    queued_at timestamptz NOT NULL DEFAULT now()
);
-- No index: the applier takes every row there is.

DROP TRIGGER attribution_entries_rollup ON attribution_entries;
DROP FUNCTION rollup_entries();

-- +goose StatementBegin
-- apply_pending_rollups applies every queued entry to the rollups and
-- returns how many it applied. The DELETE locks the queue rows it takes, so
-- two appliers never apply the same entries: the second waits and then
-- finds them gone. Villages are locked in code order before any rollup row,
-- as every rollup writer does (household changes, payouts, refunds): those
-- of the entries, of their households now, and of the household-years they
-- add to. A pass waits at most lock_timeout for locks (a large household
-- import holds its villages for its whole transaction): it then fails,
-- changes nothing, and the next pass or reader applies the queue.
CREATE FUNCTION apply_pending_rollups() RETURNS int LANGUAGE plpgsql SET lock_timeout = '3s' AS $$
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
            SELECT id, household_id, village_code, at, amount_fen, lot_id, cooperative_id
            FROM attribution_entries WHERE id = ANY(ids)),
        agg AS (
            SELECT household_id, report_year(at) AS yr, (array_agg(village_code ORDER BY id))[1] AS village,
                sum(amount_fen)::bigint AS amount
            FROM new_entries GROUP BY 1, 2),
        up AS (
            INSERT INTO household_year_income AS i (household_id, year, village_code, attributed_fen)
            SELECT household_id, yr, village, amount FROM agg
            ON CONFLICT (household_id, year) DO UPDATE SET attributed_fen = i.attributed_fen + excluded.attributed_fen
            RETURNING i.household_id, i.year, i.village_code, i.attributed_fen AS new_gain),
        delta AS (
            SELECT up.village_code, up.year, sum(agg.amount) AS d_attr,
                sum(n.reached - o.reached) AS dr, sum(n.reached_members - o.reached_members) AS dm,
                sum(n.poverty - o.poverty) AS dp, sum(n.monitoring - o.monitoring) AS dmo
            FROM up JOIN agg ON agg.household_id = up.household_id AND agg.yr = up.year
            JOIN households h ON h.id = up.household_id
            CROSS JOIN LATERAL household_crossings(h.baseline_income_fen, h.members, up.new_gain - agg.amount, up.village_code, up.year) o
            CROSS JOIN LATERAL household_crossings(h.baseline_income_fen, h.members, up.new_gain, up.village_code, up.year) n
            GROUP BY 1, 2),
        years AS (
            INSERT INTO village_year_rollup AS r (village_code, year, attributed_fen, paid_out_fen, households_reached,
                    members_reached, crossed_poverty, crossed_monitoring)
            SELECT village_code, year, d_attr, 0, dr, dm, dp, dmo FROM delta
            ON CONFLICT (village_code, year) DO UPDATE SET
                attributed_fen = r.attributed_fen + excluded.attributed_fen,
                households_reached = r.households_reached + excluded.households_reached,
                members_reached = r.members_reached + excluded.members_reached,
                crossed_poverty = r.crossed_poverty + excluded.crossed_poverty,
                crossed_monitoring = r.crossed_monitoring + excluded.crossed_monitoring),
        months AS (
            INSERT INTO village_month_rollup AS m (village_code, month, attributed_fen)
            SELECT up.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date, sum(e.amount_fen)
            FROM new_entries e JOIN up ON up.household_id = e.household_id AND up.year = report_year(e.at)
            GROUP BY 1, 2
            ON CONFLICT (village_code, month) DO UPDATE SET attributed_fen = m.attributed_fen + excluded.attributed_fen),
        products AS (
            INSERT INTO village_product_rollup AS p (village_code, year, product_id, attributed_fen)
            SELECT up.village_code, up.year, l.product_id, sum(e.amount_fen)
            FROM new_entries e JOIN up ON up.household_id = e.household_id AND up.year = report_year(e.at)
            JOIN lots l ON l.id = e.lot_id GROUP BY 1, 2, 3
            ON CONFLICT (village_code, year, product_id) DO UPDATE SET attributed_fen = p.attributed_fen + excluded.attributed_fen)
    INSERT INTO coop_household_balance AS b (cooperative_id, household_id, attributed_fen)
        SELECT cooperative_id, household_id, sum(amount_fen) FROM new_entries GROUP BY 1, 2
        ON CONFLICT (cooperative_id, household_id) DO UPDATE SET attributed_fen = b.attributed_fen + excluded.attributed_fen;
    RETURN cardinality(ids);
END;
$$;
-- +goose StatementEnd

-- rebuild_rollups recomputes the rollups from the whole ledger, so the
-- queue must be empty when it does, and stay so until it commits: it holds
-- the queue table against new entries (the transactions writing entries
-- wait for it, and it waits for those already writing) and empties it.
ALTER FUNCTION rebuild_rollups() RENAME TO rebuild_rollups_from_ledger;
-- +goose StatementBegin
CREATE FUNCTION rebuild_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE rollup_pending IN EXCLUSIVE MODE;
    DELETE FROM rollup_pending;
    PERFORM rebuild_rollups_from_ledger();
END;
$$;
-- +goose StatementEnd

-- A household's change re-counts its years' villages; it takes their locks
-- in code order, like every other rollup writer.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rollup_household_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    y record; o record; n record;
BEGIN
    FOR y IN SELECT * FROM household_year_income WHERE household_id = NEW.id ORDER BY village_code, year LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended(y.village_code, 0));
        SELECT * INTO o FROM household_crossings(OLD.baseline_income_fen, OLD.members, y.attributed_fen, y.village_code, y.year);
        SELECT * INTO n FROM household_crossings(NEW.baseline_income_fen, NEW.members, y.attributed_fen, y.village_code, y.year);
        UPDATE village_year_rollup SET
            members_reached = members_reached + n.reached_members - o.reached_members,
            crossed_poverty = crossed_poverty + n.poverty - o.poverty,
            crossed_monitoring = crossed_monitoring + n.monitoring - o.monitoring
        WHERE village_code = y.village_code AND year = y.year;
    END LOOP;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- The demo and earlier entries are already in the rollups: nothing pending.
-- (The Down section restores the functions as migration 00420 left them.)

-- +goose Down
LOCK TABLE rollup_pending IN EXCLUSIVE MODE;
SELECT apply_pending_rollups();
DROP FUNCTION rebuild_rollups();
ALTER FUNCTION rebuild_rollups_from_ledger() RENAME TO rebuild_rollups;
DROP FUNCTION apply_pending_rollups();
DROP TABLE rollup_pending;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rollup_household_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    y record; o record; n record;
BEGIN
    FOR y IN SELECT * FROM household_year_income WHERE household_id = NEW.id LOOP
        -- The village lock every rollup writer takes first (attribution.QueueLockVillages).
        PERFORM pg_advisory_xact_lock(hashtextextended(y.village_code, 0));
        SELECT * INTO o FROM household_crossings(OLD.baseline_income_fen, OLD.members, y.attributed_fen, y.village_code, y.year);
        SELECT * INTO n FROM household_crossings(NEW.baseline_income_fen, NEW.members, y.attributed_fen, y.village_code, y.year);
        UPDATE village_year_rollup SET
            members_reached = members_reached + n.reached_members - o.reached_members,
            crossed_poverty = crossed_poverty + n.poverty - o.poverty,
            crossed_monitoring = crossed_monitoring + n.monitoring - o.monitoring
        WHERE village_code = y.village_code AND year = y.year;
    END LOOP;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION rollup_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH agg AS (
            SELECT household_id, report_year(at) AS yr, (array_agg(village_code ORDER BY id))[1] AS village,
                sum(amount_fen)::bigint AS amount
            FROM new_entries GROUP BY 1, 2),
        up AS (
            INSERT INTO household_year_income AS i (household_id, year, village_code, attributed_fen)
            SELECT household_id, yr, village, amount FROM agg
            ON CONFLICT (household_id, year) DO UPDATE SET attributed_fen = i.attributed_fen + excluded.attributed_fen
            RETURNING i.household_id, i.year, i.village_code, i.attributed_fen AS new_gain),
        delta AS (
            SELECT up.village_code, up.year, sum(agg.amount) AS d_attr,
                sum(n.reached - o.reached) AS dr, sum(n.reached_members - o.reached_members) AS dm,
                sum(n.poverty - o.poverty) AS dp, sum(n.monitoring - o.monitoring) AS dmo
            FROM up JOIN agg ON agg.household_id = up.household_id AND agg.yr = up.year
            JOIN households h ON h.id = up.household_id
            CROSS JOIN LATERAL household_crossings(h.baseline_income_fen, h.members, up.new_gain - agg.amount, up.village_code, up.year) o
            CROSS JOIN LATERAL household_crossings(h.baseline_income_fen, h.members, up.new_gain, up.village_code, up.year) n
            GROUP BY 1, 2),
        years AS (
            INSERT INTO village_year_rollup AS r (village_code, year, attributed_fen, paid_out_fen, households_reached,
                    members_reached, crossed_poverty, crossed_monitoring)
            SELECT village_code, year, d_attr, 0, dr, dm, dp, dmo FROM delta
            ON CONFLICT (village_code, year) DO UPDATE SET
                attributed_fen = r.attributed_fen + excluded.attributed_fen,
                households_reached = r.households_reached + excluded.households_reached,
                members_reached = r.members_reached + excluded.members_reached,
                crossed_poverty = r.crossed_poverty + excluded.crossed_poverty,
                crossed_monitoring = r.crossed_monitoring + excluded.crossed_monitoring),
        months AS (
            INSERT INTO village_month_rollup AS m (village_code, month, attributed_fen)
            SELECT up.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date, sum(e.amount_fen)
            FROM new_entries e JOIN up ON up.household_id = e.household_id AND up.year = report_year(e.at)
            GROUP BY 1, 2
            ON CONFLICT (village_code, month) DO UPDATE SET attributed_fen = m.attributed_fen + excluded.attributed_fen),
        products AS (
            INSERT INTO village_product_rollup AS p (village_code, year, product_id, attributed_fen)
            SELECT up.village_code, up.year, l.product_id, sum(e.amount_fen)
            FROM new_entries e JOIN up ON up.household_id = e.household_id AND up.year = report_year(e.at)
            JOIN lots l ON l.id = e.lot_id GROUP BY 1, 2, 3
            ON CONFLICT (village_code, year, product_id) DO UPDATE SET attributed_fen = p.attributed_fen + excluded.attributed_fen)
    INSERT INTO coop_household_balance AS b (cooperative_id, household_id, attributed_fen)
        SELECT cooperative_id, household_id, sum(amount_fen) FROM new_entries GROUP BY 1, 2
        ON CONFLICT (cooperative_id, household_id) DO UPDATE SET attributed_fen = b.attributed_fen + excluded.attributed_fen;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER attribution_entries_rollup AFTER INSERT ON attribution_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION rollup_entries();
