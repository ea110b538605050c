-- +goose Up
-- A refund may return the order's shipping fee, or part of it, beside its
-- lines: a refund of everything (what the Stripe dashboard's "refund the
-- payment" does, or an order cancelled after payment) returns the shipping
-- too. The shipping part is never attributed to households: it was never
-- theirs. amount_fen stays the refund's whole amount (lines and shipping).
ALTER TABLE refunds ADD COLUMN shipping_fen bigint NOT NULL DEFAULT 0 CHECK (shipping_fen >= 0 AND shipping_fen <= amount_fen);

-- +goose Down
ALTER TABLE refunds DROP COLUMN shipping_fen;
