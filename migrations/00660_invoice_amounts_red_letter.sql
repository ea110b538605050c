-- +goose Up
-- An invoice records the amount it covers (amount_fen), and an invoice is
-- of one of two kinds: a blue-letter invoice (蓝字发票), the one a
-- cooperative issues for its part of an order, or a red-letter invoice
-- (红字发票, a credit note) it issues when its part is refunded after its
-- blue one was issued, for what its part fell by. A blue invoice covers the
-- cooperative's part at the moment it is issued (internal/invoice shareSQL:
-- its goods and the shipping fee it keeps, net of refunds); a red one what
-- the part fell by since its invoices (blue less the reds before it). So a
-- cooperative issues one blue invoice of an order and any number of red
-- ones: the uniqueness of (order, cooperative) holds for blue invoices only.
--
-- Invoices issued before: their amount is the cooperative's part as it was
-- when the invoice was issued, counting only the refunds recorded before
-- (refunds.created_at < issued_at), read as shareSQL reads it. Where an
-- order's refunds do not all have their record (the order's or a line's
-- refunded amount differs from what its refunds rows add up to), when each
-- was made is unknown: the amount is the part as it is now, so that no
-- red-letter invoice is asked for on a guess.
ALTER TABLE invoices
    ADD COLUMN kind text NOT NULL DEFAULT 'blue' CONSTRAINT invoices_kind_check CHECK (kind IN ('blue', 'red')),
    ADD COLUMN amount_fen bigint;

UPDATE invoices i SET amount_fen = CASE
    WHEN o.refunded_fen = coalesce((SELECT sum(r.amount_fen) FROM refunds r WHERE r.order_id = o.id), 0)
        AND NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id
            AND l.refunded_fen <> coalesce((SELECT sum(rl.amount_fen) FROM refund_lines rl WHERE rl.line_id = l.id), 0))
    THEN -- the part when the invoice was issued
        sh.shipping_fen - least(sh.shipping_fen, greatest(0,
            coalesce((SELECT sum(r.amount_fen) FROM refunds r WHERE r.order_id = o.id AND r.created_at < i.issued_at), 0)
            - coalesce((SELECT sum(rl.amount_fen) FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id
                WHERE r.order_id = o.id AND r.created_at < i.issued_at), 0)
            - coalesce((SELECT sum(x.shipping_fen) FROM shipments x WHERE x.order_id = o.id AND x.cooperative_id < sh.cooperative_id), 0)))
        + coalesce((SELECT sum(ol.amount_fen) FROM order_lines ol WHERE ol.order_id = o.id AND ol.shipment_id = sh.id), 0)
        - coalesce((SELECT sum(rl.amount_fen) FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id
            JOIN order_lines ol ON ol.id = rl.line_id
            WHERE ol.order_id = o.id AND ol.shipment_id = sh.id AND r.created_at < i.issued_at), 0)
    ELSE -- the part now (shareSQL)
        sh.shipping_fen - least(sh.shipping_fen, greatest(0, o.refunded_fen
            - coalesce((SELECT sum(sl.refunded_fen) FROM order_lines sl WHERE sl.order_id = o.id), 0)
            - coalesce((SELECT sum(x.shipping_fen) FROM shipments x WHERE x.order_id = o.id AND x.cooperative_id < sh.cooperative_id), 0)))
        + coalesce((SELECT sum(ol.amount_fen - ol.refunded_fen) FROM order_lines ol WHERE ol.order_id = o.id AND ol.shipment_id = sh.id), 0)
    END
    FROM orders o, shipments sh
    WHERE o.id = i.order_id AND sh.order_id = i.order_id AND sh.cooperative_id = i.cooperative_id;

ALTER TABLE invoices ALTER COLUMN amount_fen SET NOT NULL,
    ADD CONSTRAINT invoices_amount_fen_check CHECK (amount_fen >= 0 AND (kind = 'blue' OR amount_fen > 0)),
    DROP CONSTRAINT invoices_order_id_cooperative_id_key;
CREATE UNIQUE INDEX invoices_order_cooperative_blue_key ON invoices (order_id, cooperative_id) WHERE kind = 'blue';

-- +goose Down
-- A red-letter invoice is a tax document a buyer holds: the schema goes
-- back only once none was recorded.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM invoices WHERE kind = 'red') THEN
        RAISE EXCEPTION 'red-letter invoices are recorded: the invoices table cannot go back to one invoice per cooperative of an order';
    END IF;
END
$$;
-- +goose StatementEnd
DROP INDEX invoices_order_cooperative_blue_key;
ALTER TABLE invoices ADD CONSTRAINT invoices_order_id_cooperative_id_key UNIQUE (order_id, cooperative_id),
    DROP COLUMN amount_fen, DROP COLUMN kind;
