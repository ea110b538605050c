-- +goose Up
-- Fewer index entries per checkout, with nothing less enforced:
--
-- 1. Manual orders have no PaymentIntent: the unique index on
--    payment_intent_id need not hold their NULLs (two entries per order,
--    at placing and at paying).
-- 2. The bank transfers awaiting confirmation are pending orders, which
--    orders_pending_idx already lists (a few hundred at most: they expire
--    within the hour); a second partial index for the manual ones cost an
--    entry per order.
ALTER TABLE orders DROP CONSTRAINT orders_payment_intent_id_key;
CREATE UNIQUE INDEX orders_payment_intent_id_key ON orders (payment_intent_id) WHERE payment_intent_id IS NOT NULL;
DROP INDEX orders_manual_pending_idx;

-- +goose Down
CREATE INDEX orders_manual_pending_idx ON orders (id) WHERE status = 'pending_payment' AND payment_method = 'manual';
DROP INDEX orders_payment_intent_id_key;
ALTER TABLE orders ADD CONSTRAINT orders_payment_intent_id_key UNIQUE (payment_intent_id);
