-- +goose Up
-- Checkout counts a buyer's unpaid orders and the units they hold
-- (order.Config.MaxUnpaidOrders, MaxUnitsPerVariant).
CREATE INDEX orders_buyer_pending_idx ON orders (buyer_id) WHERE status = 'pending_payment';

-- +goose Down
DROP INDEX orders_buyer_pending_idx;
