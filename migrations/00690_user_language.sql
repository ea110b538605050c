-- +goose Up
-- The language an account last chose on the pages (or registered in), so
-- that what is mailed to it (confirmation links) is in that language only.
-- NULL: not known (accounts made by an administrator, the CLI, the demo,
-- or before this version): mail then carries all three languages.
ALTER TABLE users ADD COLUMN lang text CHECK (lang IN ('zh-CN', 'en', 'ug'));

-- +goose Down
ALTER TABLE users DROP COLUMN lang;
