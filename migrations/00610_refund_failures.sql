-- +goose Up
-- A refund made through Stripe can fail after Stripe accepted it (a closed
-- card, a refused transfer): Stripe then says so in charge.refunded. The
-- refund stays recorded (the buyer is owed the money, the households keep
-- the refund's entries), and its failure is kept here until a platform
-- administrator has returned the money another way (a bank transfer) and
-- says so with the transfer's reference.
ALTER TABLE refunds
    ADD COLUMN provider_status text NOT NULL DEFAULT '',
    ADD COLUMN failed_at timestamptz,
    ADD COLUMN returned_at timestamptz,
    ADD COLUMN returned_reference text NOT NULL DEFAULT '',
    ADD COLUMN returned_by bigint REFERENCES users (id),
    ADD CONSTRAINT refunds_returned_after_failure CHECK (returned_at IS NULL OR failed_at IS NOT NULL);
CREATE INDEX refunds_failed_idx ON refunds (failed_at) WHERE failed_at IS NOT NULL AND returned_at IS NULL;

-- +goose Down
DROP INDEX refunds_failed_idx;
ALTER TABLE refunds
    DROP CONSTRAINT refunds_returned_after_failure,
    DROP COLUMN returned_by,
    DROP COLUMN returned_reference,
    DROP COLUMN returned_at,
    DROP COLUMN failed_at,
    DROP COLUMN provider_status;
