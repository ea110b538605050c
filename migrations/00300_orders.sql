-- +goose Up
-- Orders, payments and the attribution ledger.

-- Shipping terms per cooperative: a flat fee per shipment, free from a threshold.
ALTER TABLE cooperatives
    ADD COLUMN shipping_flat_fen      bigint NOT NULL DEFAULT 1000 CHECK (shipping_flat_fen >= 0),
    ADD COLUMN shipping_free_from_fen bigint CHECK (shipping_free_from_fen > 0);

-- Carts of signed-in buyers (visitors' carts live in Redis).
CREATE TABLE cart_items (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    variant_id bigint NOT NULL REFERENCES product_variants (id),
    quantity   int NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, variant_id)
);

CREATE SEQUENCE order_number_seq;

CREATE TABLE orders (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number            text NOT NULL UNIQUE,
    buyer_id          bigint NOT NULL REFERENCES users (id),
    buyer_org_id      bigint REFERENCES buyer_orgs (id),
    status            text NOT NULL CHECK (status IN ('pending_payment', 'paid', 'shipped', 'delivered',
                          'completed', 'cancelled', 'refunded', 'partially_refunded')),
    items_fen         bigint NOT NULL CHECK (items_fen > 0),
    shipping_fen      bigint NOT NULL CHECK (shipping_fen >= 0),
    total_fen         bigint NOT NULL CHECK (total_fen = items_fen + shipping_fen),
    refunded_fen      bigint NOT NULL DEFAULT 0 CHECK (refunded_fen BETWEEN 0 AND total_fen),
    payment_method    text NOT NULL CHECK (payment_method IN ('manual', 'stripe')),
    payment_status    text NOT NULL DEFAULT 'pending' CHECK (payment_status IN ('pending', 'failed', 'succeeded')),
    payment_reference text NOT NULL DEFAULT '',
    payment_intent_id text UNIQUE,
    ship_name         text NOT NULL,
    ship_phone        text NOT NULL,
    ship_province     text NOT NULL,
    ship_city         text NOT NULL,
    ship_district     text NOT NULL,
    ship_detail       text NOT NULL,
    receipt_token     text NOT NULL UNIQUE,
    expires_at        timestamptz NOT NULL,
    paid_at           timestamptz,
    delivered_at      timestamptz,
    completed_at      timestamptz,
    cancelled_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_buyer_idx ON orders (buyer_id, id DESC);
CREATE INDEX orders_pending_idx ON orders (expires_at) WHERE status = 'pending_payment';
CREATE INDEX orders_manual_pending_idx ON orders (id) WHERE status = 'pending_payment' AND payment_method = 'manual';

-- One shipment per cooperative of an order.
CREATE TABLE shipments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id       bigint NOT NULL REFERENCES orders (id),
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    shipping_fen   bigint NOT NULL CHECK (shipping_fen >= 0),
    carrier        text NOT NULL DEFAULT '',
    tracking_no    text NOT NULL DEFAULT '',
    shipped_at     timestamptz,
    UNIQUE (order_id, cooperative_id)
);
CREATE INDEX shipments_coop_idx ON shipments (cooperative_id, id DESC);

CREATE TABLE order_lines (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id          bigint NOT NULL REFERENCES orders (id),
    shipment_id       bigint NOT NULL REFERENCES shipments (id),
    variant_id        bigint NOT NULL REFERENCES product_variants (id),
    product_id        bigint NOT NULL REFERENCES products (id),
    cooperative_id    bigint NOT NULL REFERENCES cooperatives (id),
    title             text NOT NULL,
    variant_name      text NOT NULL,
    quantity          int NOT NULL CHECK (quantity > 0),
    base_qty          numeric(14, 3) NOT NULL CHECK (base_qty > 0),
    unit_price_fen    bigint NOT NULL CHECK (unit_price_fen > 0),
    amount_fen        bigint NOT NULL CHECK (amount_fen = quantity * unit_price_fen),
    refunded_quantity int NOT NULL DEFAULT 0 CHECK (refunded_quantity BETWEEN 0 AND quantity),
    refunded_fen      bigint NOT NULL DEFAULT 0 CHECK (refunded_fen BETWEEN 0 AND amount_fen)
);
CREATE INDEX order_lines_order_idx ON order_lines (order_id, id);

-- Which lots serve a line, in FIFO order (position). released is set when the
-- units went back to the lot (cancellation, expiry, refund of units).
CREATE TABLE order_allocations (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line_id   bigint NOT NULL REFERENCES order_lines (id),
    lot_id    bigint NOT NULL REFERENCES lots (id),
    position  int NOT NULL,
    units     numeric(14, 3) NOT NULL CHECK (units > 0),
    released  numeric(14, 3) NOT NULL DEFAULT 0 CHECK (released BETWEEN 0 AND units),
    UNIQUE (line_id, position)
);
CREATE INDEX order_allocations_lot_idx ON order_allocations (lot_id);

-- The attribution ledger. Append-only: a trigger refuses UPDATE, DELETE and
-- TRUNCATE for everyone, the table owner included (I3).
CREATE TABLE attribution_entries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id   bigint NOT NULL REFERENCES households (id),
    order_id       bigint NOT NULL REFERENCES orders (id),
    line_id        bigint NOT NULL REFERENCES order_lines (id),
    lot_id         bigint NOT NULL REFERENCES lots (id),
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    village_code   text NOT NULL REFERENCES regions (code),
    amount_fen     bigint NOT NULL CHECK (amount_fen <> 0),
    kind           text NOT NULL CHECK (kind IN ('sale', 'refund')),
    income_type    text NOT NULL DEFAULT 'operating' CHECK (income_type IN ('operating', 'wage', 'asset')),
    refund_id      bigint,
    at             timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'refund' OR amount_fen > 0)
);
CREATE INDEX attribution_entries_household_idx ON attribution_entries (household_id, at);
CREATE INDEX attribution_entries_line_idx ON attribution_entries (line_id);
CREATE INDEX attribution_entries_order_idx ON attribution_entries (order_id);
CREATE INDEX attribution_entries_village_idx ON attribution_entries (village_code text_pattern_ops, at);

-- +goose StatementBegin
CREATE FUNCTION attribution_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'attribution_entries is append-only: % refused', TG_OP;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER attribution_entries_no_update BEFORE UPDATE OR DELETE ON attribution_entries
    FOR EACH ROW EXECUTE FUNCTION attribution_entries_append_only();
CREATE TRIGGER attribution_entries_no_truncate BEFORE TRUNCATE ON attribution_entries
    FOR EACH STATEMENT EXECUTE FUNCTION attribution_entries_append_only();

-- Each payment event (a Stripe event id, a manual confirmation) is applied at
-- most once (I5): the primary key makes a replay a no-op.
CREATE TABLE payment_events (
    provider    text NOT NULL CHECK (provider IN ('manual', 'stripe')),
    event_id    text NOT NULL,
    order_id    bigint REFERENCES orders (id),
    type        text NOT NULL,
    applied     boolean NOT NULL,
    actor_id    bigint REFERENCES users (id),
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);

CREATE TABLE refunds (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        bigint NOT NULL REFERENCES orders (id),
    amount_fen      bigint NOT NULL CHECK (amount_fen > 0),
    reason          text NOT NULL,
    provider        text NOT NULL CHECK (provider IN ('manual', 'stripe')),
    provider_ref    text NOT NULL DEFAULT '',
    created_by      bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE refund_lines (
    refund_id  bigint NOT NULL REFERENCES refunds (id),
    line_id    bigint NOT NULL REFERENCES order_lines (id),
    quantity   int NOT NULL CHECK (quantity >= 0),
    amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (refund_id, line_id)
);

-- Notifications for later delivery (email, SMS, WeChat): written in the
-- transaction of the change they announce.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        text NOT NULL,
    recipient_id bigint REFERENCES users (id),
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE outbox;
DROP TABLE refund_lines;
DROP TABLE refunds;
DROP TABLE payment_events;
DROP TABLE attribution_entries;
DROP FUNCTION attribution_entries_append_only();
DROP TABLE order_allocations;
DROP TABLE order_lines;
DROP TABLE shipments;
DROP TABLE orders;
DROP SEQUENCE order_number_seq;
DROP TABLE cart_items;
ALTER TABLE cooperatives DROP COLUMN shipping_free_from_fen, DROP COLUMN shipping_flat_fen;
