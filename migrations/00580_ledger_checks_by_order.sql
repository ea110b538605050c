-- +goose Up
-- append_ledger's two look-ups of a line's entries (a second sale of the
-- line; a refund netting below zero) filtered on line_id alone, which has no
-- index since 00420 (the composite foreign key needs none): each checkout
-- scanned the whole ledger, 2 ms at twenty thousand entries and growing with
-- it. An entry's order is its line's (the foreign key on (line_id, order_id,
-- cooperative_id)), so filtering on the order too finds the same rows through
-- attribution_entries_order_idx.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION append_ledger(hh bigint[], ord bigint[], line bigint[], lot bigint[], coop bigint[], village text[],
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
        SELECT min(e.line_id)::text INTO bad FROM attribution_entries e
        WHERE e.order_id = ANY (ord) AND e.line_id = ANY (line) AND e.kind = 'sale';
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
            SELECT e.line_id, e.household_id FROM attribution_entries e WHERE e.order_id = ANY (ord) AND e.line_id = ANY (line)
            GROUP BY e.line_id, e.household_id HAVING sum(e.amount_fen) < 0) x;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'append_ledger: line/household % would net below zero', bad USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN n;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION append_ledger(hh bigint[], ord bigint[], line bigint[], lot bigint[], coop bigint[], village text[],
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
