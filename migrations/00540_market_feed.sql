-- +goose Up
-- The sales feed to a supervising platform (docs/FEED.md): a transactional
-- outbox of events, written in the transaction of the change each announces
-- (an order line paid, a refund, a payout, a wage, a dividend) and
-- delivered by a river job, one cooperative's events at a time in seq
-- order. The event's id is "evt_" || seq: redelivery keeps it, so the
-- receiver can deduplicate.
--
-- cooperative_id has no foreign key: the rows are selected from the
-- cooperative's own lines, payouts, wages and dividends, and a key would
-- cost a check per event inside the paying transaction of a checkout.
CREATE DOMAIN feed_event_type AS text
    CHECK (VALUE IN ('sale.paid', 'sale.refunded', 'payout.recorded', 'wage.recorded', 'dividend.paid'));

CREATE TABLE feed_events (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id  bigint NOT NULL,
    type            feed_event_type NOT NULL,
    occurred_at     timestamptz NOT NULL,
    data            jsonb NOT NULL,
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,             -- NULL: due now
    last_error      text NOT NULL DEFAULT '',
    delivered_at    timestamptz,
    queued_at       timestamptz NOT NULL DEFAULT now() -- enqueued, or replayed
);
-- The undelivered events, by cooperative in order: each cooperative's head
-- is the first entry of its range.
CREATE INDEX feed_events_pending_idx ON feed_events (cooperative_id, seq) WHERE delivered_at IS NULL;
-- No other index: a replay (rare, by an administrator) scans the table.

-- +goose Down
DROP TABLE feed_events;
DROP DOMAIN feed_event_type;
