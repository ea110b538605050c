-- +goose Up
-- Regions carry their names in Uyghur and English beside the Chinese one.
-- The seed (internal/region) fills them: curated names for Xinjiang, its
-- prefectures and counties; English as a romanisation of the Chinese name
-- for townships. Empty means "none curated": readers fall back to the
-- Chinese name (Uyghur) or its romanisation (English).
ALTER TABLE regions ADD COLUMN name_ug text NOT NULL DEFAULT '', ADD COLUMN name_en text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE regions DROP COLUMN name_ug, DROP COLUMN name_en;
