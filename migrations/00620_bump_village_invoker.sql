-- +goose Up
-- bump_village adds whatever deltas its caller passes to a village's year
-- (money, households reached, crossings of the lines). Only rollup_payout
-- calls it, and that trigger runs as the tables' owner already; as a
-- SECURITY DEFINER function of its own (00500) it let anyone who can run
-- functions, the service's role among them, pad a village's figures with
-- no ledger entry or payout behind them. It now runs with its caller's
-- rights, and nobody but the owner may call it.
ALTER FUNCTION bump_village(bigint, text, integer, bigint, bigint, bigint, bigint) SECURITY INVOKER;
REVOKE EXECUTE ON FUNCTION bump_village(bigint, text, integer, bigint, bigint, bigint, bigint) FROM PUBLIC;

-- +goose Down
GRANT EXECUTE ON FUNCTION bump_village(bigint, text, integer, bigint, bigint, bigint, bigint) TO PUBLIC;
ALTER FUNCTION bump_village(bigint, text, integer, bigint, bigint, bigint, bigint) SECURITY DEFINER;
