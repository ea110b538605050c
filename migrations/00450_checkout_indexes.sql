-- +goose Up
-- Fewer index entries and foreign-key checks per checkout (issue 5), with
-- nothing less enforced where it matters:
--
-- 1. A ledger entry's village is copied, by its one writer, from the
--    household it pays (whose village is a region by households' own
--    foreign key). The entry's own key to regions cost one lookup per entry,
--    about six per order; marketctl audit now checks that every entry's
--    village is a village of the region table instead (I6: a total under no
--    village is a total no office sees).
-- 2. Manual orders have no PaymentIntent: the unique index on
--    payment_intent_id need not hold their NULLs (two entries per order,
--    at placing and at paying).
-- 3. The bank transfers awaiting confirmation are pending orders, which
--    orders_pending_idx already lists (a few hundred at most: they expire
--    within the hour); a second partial index for the manual ones cost an
--    entry per order.
ALTER TABLE attribution_entries DROP CONSTRAINT attribution_entries_village_code_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_payment_intent_id_key;
CREATE UNIQUE INDEX orders_payment_intent_id_key ON orders (payment_intent_id) WHERE payment_intent_id IS NOT NULL;
DROP INDEX orders_manual_pending_idx;

-- +goose Down
CREATE INDEX orders_manual_pending_idx ON orders (id) WHERE status = 'pending_payment' AND payment_method = 'manual';
DROP INDEX orders_payment_intent_id_key;
ALTER TABLE orders ADD CONSTRAINT orders_payment_intent_id_key UNIQUE (payment_intent_id);
ALTER TABLE attribution_entries ADD CONSTRAINT attribution_entries_village_code_fkey
    FOREIGN KEY (village_code) REFERENCES regions (code);
