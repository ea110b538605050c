-- +goose Up
-- Refunds made outside the service, in the Stripe dashboard. A verified
-- charge.refunded event lists the payment's refunds; each one that moved
-- money and was not made through the service is recorded once (payment
-- event "refund:<id>", type refund.external) and announced on the outbox.
-- The outbox is a delivery queue, not a record, so the refund's amount is
-- kept here, one row per Stripe refund id, written in the same transaction.
--
-- A platform admin then records it against the order's lines: a refunds row
-- with provider 'stripe' and provider_ref = the Stripe refund id, with its
-- refund_lines and ledger entries. Until then the refund awaits recording;
-- whether it does is read from refunds, not stored twice.
CREATE TABLE stripe_external_refunds (
    stripe_refund_id text PRIMARY KEY,
    order_id         bigint NOT NULL REFERENCES orders (id),
    amount_fen       bigint NOT NULL CHECK (amount_fen > 0),
    status           text NOT NULL,             -- Stripe's, as last listed: pending, succeeded, failed …
    charge_id        text NOT NULL DEFAULT '',
    seen_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_external_refunds_order_idx ON stripe_external_refunds (order_id);

-- Refunds surfaced before this table existed: the amount is in the outbox
-- message written with the payment event.
INSERT INTO stripe_external_refunds (stripe_refund_id, order_id, amount_fen, status, charge_id, seen_at)
SELECT DISTINCT ON (e.event_id) substr(e.event_id, 8), e.order_id, (m.payload->>'amount_fen')::bigint,
        coalesce(m.payload->>'status', ''), coalesce(m.payload->>'charge_id', ''), e.received_at
    FROM payment_events e
    JOIN outbox m ON m.topic = 'payment.refunded_externally' AND m.payload->>'refund_id' = substr(e.event_id, 8)
        AND (m.payload->>'order_id')::bigint = e.order_id
    WHERE e.provider = 'stripe' AND e.type = 'refund.external' AND e.event_id LIKE 'refund:%'
        AND e.order_id IS NOT NULL AND (m.payload->>'amount_fen')::bigint > 0
    ORDER BY e.event_id, m.id;

-- +goose Down
DROP TABLE stripe_external_refunds;
