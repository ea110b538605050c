-- +goose Up
-- Least privilege for the service's role (market_app, created and granted by
-- `marketctl migrate up`, internal/schema/roles.go). The service may read the
-- ledger and the rollups but write neither: ledger entries go in through
-- append_ledger, which checks what it appends, and the rollups are written
-- only by the functions below, which run as the tables' owner (SECURITY
-- DEFINER, with a fixed search_path so that no caller's object is picked up).

-- append_ledger appends attribution entries and queues them for the rollups.
-- It refuses what no use case of the service writes: sale entries of an
-- order not paid, or for a line that already has its sale entries; refund
-- entries without a refund of the same order; an entry credited to another
-- village than its household's; a household whose net on a line would fall
-- below zero (I2). The exact split of a line among its households is
-- checked afterwards by the audit (I1) and fixed by the seals.
-- +goose StatementBegin
CREATE FUNCTION append_ledger(hh bigint[], ord bigint[], line bigint[], lot bigint[], coop bigint[], village text[],
    amount bigint[], entry_kind text, refund bigint, entry_at timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n   integer := cardinality(hh);
    bad text;
BEGIN
    IF n IS NULL OR n = 0 THEN
        RETURN 0;
    END IF;
    IF cardinality(ord) <> n OR cardinality(line) <> n OR cardinality(lot) <> n OR cardinality(coop) <> n
        OR cardinality(village) <> n OR cardinality(amount) <> n THEN
        RAISE EXCEPTION 'append_ledger: the arrays differ in length' USING ERRCODE = 'check_violation';
    END IF;
    IF entry_kind = 'sale' THEN
        IF refund IS NOT NULL THEN
            RAISE EXCEPTION 'append_ledger: a sale names no refund' USING ERRCODE = 'check_violation';
        END IF;
        SELECT min(o.id)::text INTO bad FROM orders o WHERE o.id = ANY (ord) AND o.paid_at IS NULL;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'append_ledger: order % is not paid', bad USING ERRCODE = 'check_violation';
        END IF;
        SELECT min(e.line_id)::text INTO bad FROM attribution_entries e WHERE e.line_id = ANY (line) AND e.kind = 'sale';
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'append_ledger: line % already has its sale entries', bad USING ERRCODE = 'check_violation';
        END IF;
    ELSIF entry_kind = 'refund' THEN
        SELECT min(u.o)::text INTO bad FROM unnest(ord) AS u(o)
        WHERE NOT EXISTS (SELECT 1 FROM refunds r WHERE r.id = refund AND r.order_id = u.o);
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'append_ledger: refund % is not a refund of order %', refund, bad USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        RAISE EXCEPTION 'append_ledger: unknown kind %', entry_kind USING ERRCODE = 'check_violation';
    END IF;
    SELECT min(u.h)::text INTO bad FROM unnest(hh, village) AS u(h, v) JOIN households x ON x.id = u.h
    WHERE x.village_code <> u.v;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'append_ledger: household % is credited to another village', bad USING ERRCODE = 'check_violation';
    END IF;
    WITH e AS (
        INSERT INTO attribution_entries (household_id, order_id, line_id, lot_id, cooperative_id, village_code,
            amount_fen, kind, refund_id, at)
        SELECT u.h, u.o, u.l, u.lot, u.c, u.v, u.a, entry_kind, refund, entry_at
        FROM unnest(hh, ord, line, lot, coop, village, amount) AS u(h, o, l, lot, c, v, a)
        RETURNING id)
    INSERT INTO rollup_pending (entry_ids) SELECT array_agg(id) FROM e;
    IF entry_kind = 'refund' THEN
        SELECT min(x.line_id || '/' || x.household_id) INTO bad FROM (
            SELECT e.line_id, e.household_id FROM attribution_entries e WHERE e.line_id = ANY (line)
            GROUP BY e.line_id, e.household_id HAVING sum(e.amount_fen) < 0) x;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'append_ledger: line/household % would net below zero', bad USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN n;
END;
$$;
-- +goose StatementEnd

-- lock_owed is attribution.LockOwed's read: what a cooperative owes a
-- household, queued entries included, with the balance row locked for the
-- caller's transaction. Locking a row needs UPDATE on its table, which the
-- service's role does not hold on the rollups.
-- +goose StatementBegin
CREATE FUNCTION lock_owed(coop bigint, hh bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    owed bigint;
BEGIN
    SELECT b.attributed_fen - b.paid_fen + coalesce((
            SELECT sum(e.amount_fen) FROM rollup_pending q CROSS JOIN unnest(q.entry_ids) AS p(id)
            JOIN attribution_entries e ON e.id = p.id
            WHERE e.cooperative_id = coop AND e.household_id = hh), 0)::bigint
        INTO owed
        FROM coop_household_balance b
        WHERE b.cooperative_id = coop AND b.household_id = hh FOR UPDATE OF b;
    RETURN owed;
END;
$$;
-- +goose StatementEnd

ALTER FUNCTION apply_pending_rollups() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION rebuild_rollups() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION rebuild_rollups_from_ledger() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION bump_village(bigint, text, integer, bigint, bigint, bigint, bigint) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION rollup_payout() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION rollup_household_change() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION rollup_lines_change() SECURITY DEFINER SET search_path = public, pg_temp;

-- +goose Down
ALTER FUNCTION rollup_lines_change() SECURITY INVOKER RESET search_path;
ALTER FUNCTION rollup_household_change() SECURITY INVOKER RESET search_path;
ALTER FUNCTION rollup_payout() SECURITY INVOKER RESET search_path;
ALTER FUNCTION bump_village(bigint, text, integer, bigint, bigint, bigint, bigint) SECURITY INVOKER RESET search_path;
ALTER FUNCTION rebuild_rollups_from_ledger() SECURITY INVOKER RESET search_path;
ALTER FUNCTION rebuild_rollups() SECURITY INVOKER RESET search_path;
ALTER FUNCTION apply_pending_rollups() SECURITY INVOKER RESET search_path;
DROP FUNCTION lock_owed(bigint, bigint);
DROP FUNCTION append_ledger(bigint[], bigint[], bigint[], bigint[], bigint[], text[], bigint[], text, bigint, timestamptz);
