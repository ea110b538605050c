-- +goose Up
-- Text columns that take one of a few values (or a pattern) are checked by
-- domains instead of table CHECK constraints (issue 5's checkout speed).
-- PostgreSQL reads a table's CHECK constraints back from their stored text
-- and plans them again for every statement that writes the table, and text
-- constants are stored byte by byte: the order status list alone cost more
-- than the row it checked. A domain's check is prepared once per connection
-- and runs only when a value is written to the column, so an UPDATE that
-- leaves the status alone no longer checks it. Same rules, same values.
CREATE DOMAIN order_status AS text CHECK (VALUE IN ('pending_payment', 'paid', 'shipped', 'delivered', 'completed',
    'cancelled', 'refunded', 'partially_refunded'));
CREATE DOMAIN payment_provider AS text CHECK (VALUE IN ('manual', 'stripe'));
CREATE DOMAIN payment_state AS text CHECK (VALUE IN ('pending', 'failed', 'succeeded'));
CREATE DOMAIN entry_kind AS text CHECK (VALUE IN ('sale', 'refund'));
CREATE DOMAIN income_type AS text CHECK (VALUE IN ('operating', 'wage', 'asset'));
CREATE DOMAIN lot_income_kind AS text CHECK (VALUE IN ('per_unit', 'revenue_share'));
CREATE DOMAIN trace_code AS text CHECK (VALUE ~ '^[A-Za-z0-9_-]{12,32}$');

ALTER TABLE orders DROP CONSTRAINT orders_status_check, DROP CONSTRAINT orders_payment_method_check,
    DROP CONSTRAINT orders_payment_status_check,
    ALTER COLUMN status TYPE order_status, ALTER COLUMN payment_method TYPE payment_provider,
    ALTER COLUMN payment_status TYPE payment_state;
ALTER TABLE payment_events DROP CONSTRAINT payment_events_provider_check,
    ALTER COLUMN provider TYPE payment_provider;
ALTER TABLE attribution_entries DROP CONSTRAINT attribution_entries_kind_check,
    DROP CONSTRAINT attribution_entries_income_type_check,
    ALTER COLUMN kind TYPE entry_kind, ALTER COLUMN income_type TYPE income_type;
-- The lots guard names the columns it protects: it is set again around the
-- change of their type.
DROP TRIGGER lots_guard ON lots;
ALTER TABLE lots DROP CONSTRAINT lots_income_kind_check, DROP CONSTRAINT lots_trace_code_check,
    ALTER COLUMN income_kind TYPE lot_income_kind, ALTER COLUMN trace_code TYPE trace_code;
CREATE TRIGGER lots_guard BEFORE DELETE OR UPDATE OF product_id, trace_code, quantity, received_on, income_kind,
    fen_per_unit, share_bps ON lots FOR EACH ROW EXECUTE FUNCTION lots_guard();

-- +goose Down
DROP TRIGGER lots_guard ON lots;
ALTER TABLE lots ALTER COLUMN income_kind TYPE text, ALTER COLUMN trace_code TYPE text,
    ADD CONSTRAINT lots_income_kind_check CHECK (income_kind IN ('per_unit', 'revenue_share')),
    ADD CONSTRAINT lots_trace_code_check CHECK (trace_code ~ '^[A-Za-z0-9_-]{12,32}$');
CREATE TRIGGER lots_guard BEFORE DELETE OR UPDATE OF product_id, trace_code, quantity, received_on, income_kind,
    fen_per_unit, share_bps ON lots FOR EACH ROW EXECUTE FUNCTION lots_guard();
ALTER TABLE attribution_entries ALTER COLUMN kind TYPE text, ALTER COLUMN income_type TYPE text,
    ADD CONSTRAINT attribution_entries_kind_check CHECK (kind IN ('sale', 'refund')),
    ADD CONSTRAINT attribution_entries_income_type_check CHECK (income_type IN ('operating', 'wage', 'asset'));
ALTER TABLE payment_events ALTER COLUMN provider TYPE text,
    ADD CONSTRAINT payment_events_provider_check CHECK (provider IN ('manual', 'stripe'));
ALTER TABLE orders ALTER COLUMN status TYPE text, ALTER COLUMN payment_method TYPE text,
    ALTER COLUMN payment_status TYPE text,
    ADD CONSTRAINT orders_status_check CHECK (status IN ('pending_payment', 'paid', 'shipped', 'delivered', 'completed',
        'cancelled', 'refunded', 'partially_refunded')),
    ADD CONSTRAINT orders_payment_method_check CHECK (payment_method IN ('manual', 'stripe')),
    ADD CONSTRAINT orders_payment_status_check CHECK (payment_status IN ('pending', 'failed', 'succeeded'));
DROP DOMAIN trace_code, lot_income_kind, income_type, entry_kind, payment_state, payment_provider, order_status;
