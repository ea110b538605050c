-- +goose Up
-- Cooperatives and products may carry their name, title and description in
-- Uyghur and English beside the Chinese ones; empty means none (pages then
-- show the Chinese). Search indexes them all (internal/catalog).
ALTER TABLE cooperatives
    ADD COLUMN name_ug text NOT NULL DEFAULT '' CHECK (char_length(name_ug) <= 100),
    ADD COLUMN name_en text NOT NULL DEFAULT '' CHECK (char_length(name_en) <= 100);
ALTER TABLE products
    ADD COLUMN title_ug text NOT NULL DEFAULT '' CHECK (char_length(title_ug) <= 60),
    ADD COLUMN title_en text NOT NULL DEFAULT '' CHECK (char_length(title_en) <= 60),
    ADD COLUMN description_ug text NOT NULL DEFAULT '' CHECK (char_length(description_ug) <= 2000),
    ADD COLUMN description_en text NOT NULL DEFAULT '' CHECK (char_length(description_en) <= 2000);
-- Category labels in Uyghur (catalog.Categories mirrors them).
ALTER TABLE product_categories ADD COLUMN name_ug text NOT NULL DEFAULT '';
UPDATE product_categories SET name_ug = v.name_ug FROM (VALUES
    ('dried_fruit', 'قۇرۇق مېۋە ۋە مېغىزلار'), ('fresh_fruit', 'ھۆل مېۋە'), ('meat', 'گۆش'),
    ('poultry_eggs', 'ئۆي قۇشلىرى ۋە تۇخۇم'), ('mushrooms', 'يېگىلى بولىدىغان زەمبۇرۇغ'), ('grain_oil', 'ئاشلىق ۋە ماي'),
    ('specialty', 'يەرلىك ئالاھىدە مەھسۇلاتلار'), ('handicrafts', 'قول ھۈنەر بۇيۇملىرى')) AS v(code, name_ug)
WHERE product_categories.code = v.code;

-- +goose Down
ALTER TABLE product_categories DROP COLUMN name_ug;
ALTER TABLE products DROP COLUMN title_ug, DROP COLUMN title_en, DROP COLUMN description_ug, DROP COLUMN description_en;
ALTER TABLE cooperatives DROP COLUMN name_ug, DROP COLUMN name_en;
