-- +goose Up
-- An ID number heads one household, but an office must not learn that it
-- heads one outside its jurisdiction: a refusal would tell it so. The
-- registry refuses a duplicate within the office's jurisdiction (checked
-- under an advisory lock, internal/household) and accepts one elsewhere,
-- recording both households here for the platform administrators to
-- resolve. The index replaces the unique constraint for lookups.
ALTER TABLE households DROP CONSTRAINT households_head_id_hash_key;
CREATE INDEX households_head_id_hash_idx ON households (head_id_hash);

CREATE TABLE household_id_conflicts (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id       bigint NOT NULL REFERENCES households (id),
    other_household_id bigint NOT NULL REFERENCES households (id),
    actor_user_id      bigint REFERENCES users (id),
    found_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (household_id, other_household_id)
);

-- +goose Down
-- Fails while two households share an ID number: resolve them first.
DROP TABLE household_id_conflicts;
DROP INDEX households_head_id_hash_idx;
ALTER TABLE households ADD CONSTRAINT households_head_id_hash_key UNIQUE (head_id_hash);
