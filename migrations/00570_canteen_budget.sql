-- +goose Up
-- Budget units reserve at least 10 % of their canteens' yearly food
-- purchases for produce from poverty-exited areas; an organisation may give
-- its canteen's budget for the year, and its target is then that share.
ALTER TABLE buyer_org_targets ADD COLUMN canteen_budget_fen bigint CHECK (canteen_budget_fen >= 0);

-- +goose Down
ALTER TABLE buyer_org_targets DROP COLUMN canteen_budget_fen;
