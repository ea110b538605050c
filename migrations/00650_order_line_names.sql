-- +goose Up
-- An order line keeps the product's title as sold (title, the Chinese). It
-- now keeps the title in every language the product had then, so that an
-- English or Uyghur page shows the line as it was sold rather than in
-- Chinese, or under a title changed since: names is {"zh", "ug"?, "en"?},
-- the zh the line's title. Lines written before have none; they read as
-- their Chinese title.
ALTER TABLE order_lines ADD COLUMN names jsonb
    CONSTRAINT order_lines_names_check CHECK (names IS NULL OR jsonb_typeof(names) = 'object' AND names ->> 'zh' = title);

-- +goose Down
ALTER TABLE order_lines DROP COLUMN names;
