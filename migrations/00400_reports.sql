-- +goose Up
-- Income reporting: payouts to households, buyer organisations'
-- members and targets, and rollups of the ledger that triggers keep exact in
-- the same transaction as each entry, so a region's summary reads its
-- villages' rows (O(villages)) rather than the ledger (O(entries)).

-- Money a cooperative actually paid a household (收益兑付).
CREATE TABLE payouts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    household_id   bigint NOT NULL REFERENCES households (id),
    amount_fen     bigint NOT NULL CHECK (amount_fen > 0),
    paid_on        date NOT NULL,
    method         text NOT NULL CHECK (method IN ('bank_transfer', 'cash', 'mobile')),
    reference      text NOT NULL DEFAULT '',
    created_by     bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payouts_coop_idx ON payouts (cooperative_id, id DESC);
CREATE INDEX payouts_household_idx ON payouts (household_id);

-- Buyer organisations: members, yearly targets (预留份额), acceptance of orders.
CREATE TABLE buyer_org_members (
    buyer_org_id bigint NOT NULL REFERENCES buyer_orgs (id),
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (buyer_org_id, user_id)
);
CREATE UNIQUE INDEX buyer_org_members_user_idx ON buyer_org_members (user_id);
CREATE TABLE buyer_org_targets (
    buyer_org_id bigint NOT NULL REFERENCES buyer_orgs (id),
    year         int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    target_fen   bigint NOT NULL CHECK (target_fen >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (buyer_org_id, year)
);
ALTER TABLE orders ADD COLUMN accepted_at timestamptz, ADD COLUMN accepted_by bigint REFERENCES users (id);
CREATE INDEX orders_org_idx ON orders (buyer_org_id, paid_at) WHERE buyer_org_id IS NOT NULL;

-- Per household and year: what the ledger attributed and what was paid out.
-- village_code is the village the household's first entry of the year was
-- filed under.
CREATE TABLE household_year_income (
    household_id   bigint NOT NULL REFERENCES households (id),
    year           int NOT NULL,
    village_code   text NOT NULL REFERENCES regions (code),
    attributed_fen bigint NOT NULL DEFAULT 0,
    paid_fen       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (household_id, year)
);
CREATE INDEX household_year_income_village_idx ON household_year_income (village_code text_pattern_ops, year);

-- Per village and year: the figures an office reads.
CREATE TABLE village_year_rollup (
    village_code       text NOT NULL REFERENCES regions (code),
    year               int NOT NULL,
    attributed_fen     bigint NOT NULL DEFAULT 0,
    paid_out_fen       bigint NOT NULL DEFAULT 0,
    households_reached int NOT NULL DEFAULT 0,
    members_reached    int NOT NULL DEFAULT 0,
    crossed_poverty    int NOT NULL DEFAULT 0,
    crossed_monitoring int NOT NULL DEFAULT 0,
    PRIMARY KEY (village_code, year)
);
CREATE INDEX village_year_rollup_year_idx ON village_year_rollup (year, village_code text_pattern_ops);

-- Per village and month, and per village, year and product: the charts.
CREATE TABLE village_month_rollup (
    village_code   text NOT NULL REFERENCES regions (code),
    month          date NOT NULL,
    attributed_fen bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (village_code, month)
);
CREATE TABLE village_product_rollup (
    village_code   text NOT NULL REFERENCES regions (code),
    year           int NOT NULL,
    product_id     bigint NOT NULL REFERENCES products (id),
    attributed_fen bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (village_code, year, product_id)
);

-- Per cooperative and household: attributed − paid = owed.
CREATE TABLE coop_household_balance (
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    household_id   bigint NOT NULL REFERENCES households (id),
    attributed_fen bigint NOT NULL DEFAULT 0,
    paid_fen       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (cooperative_id, household_id)
);

-- +goose StatementBegin
-- report_year is the calendar year of a moment in China Standard Time.
CREATE FUNCTION report_year(at timestamptz) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT extract(year FROM at AT TIME ZONE 'Asia/Shanghai')::int
$$;

-- household_crossings says whether a household with this baseline and size,
-- gaining gain fen in year, counts as reached and whether its projected
-- per-capita income crosses the poverty and monitoring lines in force then
-- (baseline below the line, baseline + gain/members at or above it; integer
-- arithmetic: baseline×members + gain ≥ line×members).
CREATE FUNCTION household_crossings(baseline bigint, members int, gain bigint, village text, yr int,
    OUT reached int, OUT reached_members int, OUT poverty int, OUT monitoring int)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pl bigint; ml bigint;
BEGIN
    reached := (gain > 0)::int;
    reached_members := reached * members;
    SELECT poverty_line_fen, monitoring_line_fen INTO pl, ml FROM poverty_lines
        WHERE province_code = substr(village, 1, 2) || '0000' AND year <= yr ORDER BY year DESC LIMIT 1;
    poverty := coalesce((baseline < pl AND baseline * members + gain >= pl * members)::int, 0);
    monitoring := coalesce((baseline < ml AND baseline * members + gain >= ml * members)::int, 0);
END;
$$;

-- bump_village applies the change of one household-year from (old_gain) to
-- (new_gain) to its village's rollup, with paid and attributed deltas.
CREATE FUNCTION bump_village(hh bigint, village text, yr int, old_gain bigint, new_gain bigint,
    d_attributed bigint, d_paid bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    h households%ROWTYPE; o record; n record;
BEGIN
    SELECT * INTO h FROM households WHERE id = hh;
    o := household_crossings(h.baseline_income_fen, h.members, old_gain, village, yr);
    n := household_crossings(h.baseline_income_fen, h.members, new_gain, village, yr);
    INSERT INTO village_year_rollup AS r (village_code, year, attributed_fen, paid_out_fen, households_reached,
            members_reached, crossed_poverty, crossed_monitoring)
        VALUES (village, yr, d_attributed, d_paid, n.reached - o.reached, n.reached_members - o.reached_members,
            n.poverty - o.poverty, n.monitoring - o.monitoring)
        ON CONFLICT (village_code, year) DO UPDATE SET
            attributed_fen = r.attributed_fen + excluded.attributed_fen,
            paid_out_fen = r.paid_out_fen + excluded.paid_out_fen,
            households_reached = r.households_reached + excluded.households_reached,
            members_reached = r.members_reached + excluded.members_reached,
            crossed_poverty = r.crossed_poverty + excluded.crossed_poverty,
            crossed_monitoring = r.crossed_monitoring + excluded.crossed_monitoring;
END;
$$;

-- rollup_entries applies one INSERT statement's entries (the transition
-- table new_entries) to the rollups set-wise: a paid order's entries cost a
-- handful of statements, however many households they reach.
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
            GROUP BY 1, 2)
    INSERT INTO village_year_rollup AS r (village_code, year, attributed_fen, paid_out_fen, households_reached,
            members_reached, crossed_poverty, crossed_monitoring)
        SELECT village_code, year, d_attr, 0, dr, dm, dp, dmo FROM delta
        ON CONFLICT (village_code, year) DO UPDATE SET
            attributed_fen = r.attributed_fen + excluded.attributed_fen,
            households_reached = r.households_reached + excluded.households_reached,
            members_reached = r.members_reached + excluded.members_reached,
            crossed_poverty = r.crossed_poverty + excluded.crossed_poverty,
            crossed_monitoring = r.crossed_monitoring + excluded.crossed_monitoring;
    INSERT INTO village_month_rollup AS m (village_code, month, attributed_fen)
        SELECT i.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date, sum(e.amount_fen)
        FROM new_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
        GROUP BY 1, 2
        ON CONFLICT (village_code, month) DO UPDATE SET attributed_fen = m.attributed_fen + excluded.attributed_fen;
    INSERT INTO village_product_rollup AS p (village_code, year, product_id, attributed_fen)
        SELECT i.village_code, i.year, l.product_id, sum(e.amount_fen)
        FROM new_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
        JOIN lots l ON l.id = e.lot_id GROUP BY 1, 2, 3
        ON CONFLICT (village_code, year, product_id) DO UPDATE SET attributed_fen = p.attributed_fen + excluded.attributed_fen;
    INSERT INTO coop_household_balance AS b (cooperative_id, household_id, attributed_fen)
        SELECT cooperative_id, household_id, sum(amount_fen) FROM new_entries GROUP BY 1, 2
        ON CONFLICT (cooperative_id, household_id) DO UPDATE SET attributed_fen = b.attributed_fen + excluded.attributed_fen;
    RETURN NULL;
END;
$$;

CREATE FUNCTION rollup_payout() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    yr int := extract(year FROM NEW.paid_on)::int; gain bigint; village text;
BEGIN
    INSERT INTO household_year_income AS i (household_id, year, village_code, paid_fen)
        SELECT NEW.household_id, yr, h.village_code, NEW.amount_fen FROM households h WHERE h.id = NEW.household_id
        ON CONFLICT (household_id, year) DO UPDATE SET paid_fen = i.paid_fen + excluded.paid_fen
        RETURNING i.attributed_fen, i.village_code INTO gain, village;
    PERFORM bump_village(NEW.household_id, village, yr, gain, gain, 0, NEW.amount_fen);
    INSERT INTO coop_household_balance AS b (cooperative_id, household_id, paid_fen)
        VALUES (NEW.cooperative_id, NEW.household_id, NEW.amount_fen)
        ON CONFLICT (cooperative_id, household_id) DO UPDATE SET paid_fen = b.paid_fen + excluded.paid_fen;
    RETURN NULL;
END;
$$;

-- A household's size or baseline changes its crossings in every year.
CREATE FUNCTION rollup_household_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    y record; o record; n record;
BEGIN
    FOR y IN SELECT * FROM household_year_income WHERE household_id = NEW.id LOOP
        -- The village lock every rollup writer takes first (attribution.LockVillages).
        PERFORM pg_advisory_xact_lock(hashtextextended(y.village_code, 0));
        o := household_crossings(OLD.baseline_income_fen, OLD.members, y.attributed_fen, y.village_code, y.year);
        n := household_crossings(NEW.baseline_income_fen, NEW.members, y.attributed_fen, y.village_code, y.year);
        UPDATE village_year_rollup SET
            members_reached = members_reached + n.reached_members - o.reached_members,
            crossed_poverty = crossed_poverty + n.poverty - o.poverty,
            crossed_monitoring = crossed_monitoring + n.monitoring - o.monitoring
        WHERE village_code = y.village_code AND year = y.year;
    END LOOP;
    RETURN NULL;
END;
$$;

-- rebuild_rollups recomputes every rollup from the ledger and payouts; it
-- runs when a poverty or monitoring line changes (rare) and on demand.
CREATE FUNCTION rebuild_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM village_year_rollup;
    DELETE FROM village_month_rollup;
    DELETE FROM village_product_rollup;
    DELETE FROM household_year_income;
    DELETE FROM coop_household_balance;
    INSERT INTO household_year_income (household_id, year, village_code, attributed_fen)
        SELECT DISTINCT ON (household_id, report_year(at)) household_id, report_year(at), village_code, 0
        FROM attribution_entries ORDER BY household_id, report_year(at), id;
    UPDATE household_year_income i SET attributed_fen = s.sum
        FROM (SELECT household_id, report_year(at) AS yr, sum(amount_fen) AS sum FROM attribution_entries GROUP BY 1, 2) s
        WHERE i.household_id = s.household_id AND i.year = s.yr;
    INSERT INTO household_year_income AS i (household_id, year, village_code, paid_fen)
        SELECT p.household_id, extract(year FROM p.paid_on)::int, h.village_code, sum(p.amount_fen)
        FROM payouts p JOIN households h ON h.id = p.household_id GROUP BY 1, 2, 3
        ON CONFLICT (household_id, year) DO UPDATE SET paid_fen = excluded.paid_fen;
    INSERT INTO village_year_rollup (village_code, year, attributed_fen, paid_out_fen, households_reached,
            members_reached, crossed_poverty, crossed_monitoring)
        SELECT i.village_code, i.year, sum(i.attributed_fen), sum(i.paid_fen), sum(c.reached), sum(c.reached_members),
            sum(c.poverty), sum(c.monitoring)
        FROM household_year_income i JOIN households h ON h.id = i.household_id,
            LATERAL household_crossings(h.baseline_income_fen, h.members, i.attributed_fen, i.village_code, i.year) c
        GROUP BY i.village_code, i.year;
    INSERT INTO village_month_rollup (village_code, month, attributed_fen)
        SELECT i.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date, sum(e.amount_fen)
        FROM attribution_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
        GROUP BY 1, 2;
    INSERT INTO village_product_rollup (village_code, year, product_id, attributed_fen)
        SELECT i.village_code, i.year, l.product_id, sum(e.amount_fen)
        FROM attribution_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
        JOIN lots l ON l.id = e.lot_id GROUP BY 1, 2, 3;
    INSERT INTO coop_household_balance (cooperative_id, household_id, attributed_fen, paid_fen)
        SELECT coalesce(e.cooperative_id, p.cooperative_id), coalesce(e.household_id, p.household_id),
            coalesce(e.sum, 0), coalesce(p.sum, 0)
        FROM (SELECT cooperative_id, household_id, sum(amount_fen) AS sum FROM attribution_entries GROUP BY 1, 2) e
        FULL JOIN (SELECT cooperative_id, household_id, sum(amount_fen) AS sum FROM payouts GROUP BY 1, 2) p
            ON p.cooperative_id = e.cooperative_id AND p.household_id = e.household_id;
END;
$$;

CREATE FUNCTION rollup_lines_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rebuild_rollups();
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER attribution_entries_rollup AFTER INSERT ON attribution_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION rollup_entries();
CREATE TRIGGER payouts_rollup AFTER INSERT ON payouts
    FOR EACH ROW EXECUTE FUNCTION rollup_payout();
CREATE TRIGGER households_rollup AFTER UPDATE OF members, baseline_income_fen ON households
    FOR EACH ROW WHEN (OLD.members IS DISTINCT FROM NEW.members OR OLD.baseline_income_fen IS DISTINCT FROM NEW.baseline_income_fen)
    EXECUTE FUNCTION rollup_household_change();
CREATE TRIGGER poverty_lines_rollup AFTER INSERT OR UPDATE OR DELETE ON poverty_lines
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_lines_change();

-- +goose Down
DROP TRIGGER poverty_lines_rollup ON poverty_lines;
DROP TRIGGER households_rollup ON households;
DROP TRIGGER payouts_rollup ON payouts;
DROP TRIGGER attribution_entries_rollup ON attribution_entries;
DROP FUNCTION rollup_lines_change();
DROP FUNCTION rebuild_rollups();
DROP FUNCTION rollup_household_change();
DROP FUNCTION rollup_payout();
DROP FUNCTION rollup_entries();
DROP FUNCTION bump_village(bigint, text, int, bigint, bigint, bigint, bigint);
DROP FUNCTION household_crossings(bigint, int, bigint, text, int);
DROP FUNCTION report_year(timestamptz);
DROP TABLE coop_household_balance;
DROP TABLE village_product_rollup;
DROP TABLE village_month_rollup;
DROP TABLE village_year_rollup;
DROP TABLE household_year_income;
DROP INDEX orders_org_idx;
ALTER TABLE orders DROP COLUMN accepted_by, DROP COLUMN accepted_at;
DROP TABLE buyer_org_targets;
DROP TABLE buyer_org_members;
DROP TABLE payouts;
