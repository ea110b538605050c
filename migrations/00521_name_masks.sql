-- +goose Up
-- A head's name mask shows the first character at most, and nothing of the
-- name's length: 阿依古丽 → 阿**, a one-character name → **. The names are
-- sealed (the service holds the key, migrations do not), so the new masks
-- are made from the old ones, whose first character is the name's (or * for
-- a one-character name). The CHECK keeps a longer mask from being written
-- again, whatever writes it.
UPDATE households SET head_name_mask = CASE
        WHEN head_name_mask = '' THEN ''
        WHEN left(head_name_mask, 1) = '*' THEN '**'
        ELSE left(head_name_mask, 1) || '**'
    END
WHERE head_name_mask !~ '^(.?\*\*)?$';
ALTER TABLE households ADD CONSTRAINT households_head_name_mask_check CHECK (head_name_mask ~ '^(.?\*\*)?$');

-- +goose Down
-- The longer masks cannot come back (the names are sealed); only the rule goes.
ALTER TABLE households DROP CONSTRAINT households_head_name_mask_check;
