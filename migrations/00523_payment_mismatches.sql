-- +goose Up
-- A provider's "paid" whose amount or currency is not the order's: the
-- event is recorded (payment_events, not applied), the order stays unpaid,
-- and the platform administrators find it here (/admin/payments).
CREATE TABLE payment_mismatches (
    provider     text NOT NULL,
    event_id     text NOT NULL,
    order_id     bigint NOT NULL REFERENCES orders (id),
    amount_fen   bigint NOT NULL, -- in the minor unit of currency
    currency     text NOT NULL,
    expected_fen bigint NOT NULL,
    seen_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id),
    FOREIGN KEY (provider, event_id) REFERENCES payment_events (provider, event_id)
);
CREATE INDEX payment_mismatches_seen_idx ON payment_mismatches (seen_at DESC);

-- +goose Down
DROP TABLE payment_mismatches;
