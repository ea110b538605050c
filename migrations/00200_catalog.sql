-- +goose Up
-- The catalog: products and their variants, images, certification
-- (扶贫产品认定), lots with the households' contributions and trace codes.
-- Quantities are in a product's base unit with three decimals (2.5 kg);
-- money is integer fen.

-- Categories are data with their labels; products reference the code.
CREATE TABLE product_categories (
    code     text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,32}$'),
    name_zh  text NOT NULL CHECK (name_zh <> ''),
    name_en  text NOT NULL CHECK (name_en <> ''),
    position int NOT NULL DEFAULT 0
);
INSERT INTO product_categories (code, name_zh, name_en, position) VALUES
    ('dried_fruit', '干果', 'Dried fruit and nuts', 1),
    ('fresh_fruit', '鲜果', 'Fresh fruit', 2),
    ('meat', '肉类', 'Meat', 3),
    ('poultry_eggs', '禽蛋', 'Poultry and eggs', 4),
    ('mushrooms', '食用菌', 'Edible fungi', 5),
    ('grain_oil', '粮油', 'Grain and oil', 6),
    ('specialty', '特色农产品', 'Specialty produce', 7),
    ('handicrafts', '手工艺品', 'Handicrafts', 8);

-- A product of one cooperative. county_code is the cooperative's county when
-- the product was created. search_text and search_grams are maintained by
-- internal/catalog on every write (see catalog.Grams for why they exist).
-- sold_qty counts base units taken from the product's lots (trigger below);
-- it orders the "popular" sort.
CREATE TABLE products (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    county_code    text NOT NULL REFERENCES regions (code),
    title          text NOT NULL CHECK (title <> '' AND char_length(title) <= 60),
    description    text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    category       text NOT NULL REFERENCES product_categories (code),
    base_unit      text NOT NULL CHECK (base_unit IN ('kg', 'g', 'piece', 'head', 'egg', 'bottle', 'jar', 'bag', 'box')),
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    min_price_fen  bigint NOT NULL CHECK (min_price_fen > 0),
    sold_qty       numeric(14, 3) NOT NULL DEFAULT 0,
    search_text    text NOT NULL DEFAULT '',
    search_grams   text[] NOT NULL DEFAULT '{}',
    created_by     bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_cooperative_idx ON products (cooperative_id, id);
CREATE INDEX products_county_idx ON products (county_code text_pattern_ops);
CREATE INDEX products_category_idx ON products (category, id);
CREATE INDEX products_active_new_idx ON products (id DESC) WHERE status = 'active';
CREATE INDEX products_active_price_idx ON products (min_price_fen, id) WHERE status = 'active';
CREATE INDEX products_active_popular_idx ON products (sold_qty DESC, id DESC) WHERE status = 'active';
CREATE INDEX products_search_idx ON products USING gin (search_grams);

-- What is sold: a price for base_qty base units. Variants are never deleted
-- (orders will reference them); a variant taken off sale is inactive.
CREATE TABLE product_variants (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id),
    sku        text NOT NULL CHECK (sku ~ '^[A-Za-z0-9._-]{1,40}$'),
    name       text NOT NULL CHECK (name <> '' AND char_length(name) <= 40),
    price_fen  bigint NOT NULL CHECK (price_fen > 0),
    base_qty   numeric(14, 3) NOT NULL CHECK (base_qty > 0),
    active     boolean NOT NULL DEFAULT true,
    position   int NOT NULL DEFAULT 0,
    UNIQUE (product_id, sku)
);
CREATE INDEX product_variants_product_idx ON product_variants (product_id, position, id);

-- Uploaded images. storage_key names the original in media storage; the
-- thumbnails are <storage_key>-<width>.jpg.
CREATE TABLE product_images (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id   bigint NOT NULL REFERENCES products (id),
    storage_key  text NOT NULL CHECK (storage_key ~ '^[0-9a-f]{32,64}$'),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    width        int NOT NULL CHECK (width > 0),
    height       int NOT NULL CHECK (height > 0),
    bytes        bigint NOT NULL CHECK (bytes > 0),
    thumb_widths int[] NOT NULL,
    alt          text NOT NULL DEFAULT '',
    position     int NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_images_product_idx ON product_images (product_id, position, id);

-- 扶贫产品认定: certified by the county office, confirmed at prefecture level.
-- A storefront badge shows only while confirmed and valid on the day.
CREATE TABLE product_certifications (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id     bigint NOT NULL REFERENCES products (id),
    certificate_no text NOT NULL UNIQUE CHECK (certificate_no ~ '^[0-9A-Za-z-]{4,40}$'),
    county_code    text NOT NULL REFERENCES regions (code),
    valid_from     date NOT NULL,
    valid_until    date NOT NULL,
    status         text NOT NULL DEFAULT 'certified' CHECK (status IN ('certified', 'confirmed')),
    certified_by   bigint NOT NULL REFERENCES users (id),
    certified_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_by   bigint REFERENCES users (id),
    confirmed_at   timestamptz,
    CHECK (valid_until >= valid_from),
    CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
);
CREATE INDEX product_certifications_product_idx ON product_certifications (product_id, valid_until);

-- A lot: produce received from member households on a date, with the income
-- rule that decides what of each sale reaches them. remaining is decremented
-- by orders; nothing else of a lot ever changes.
CREATE TABLE lots (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id   bigint NOT NULL REFERENCES products (id),
    trace_code   text NOT NULL UNIQUE CHECK (trace_code ~ '^[A-Za-z0-9_-]{12,32}$'),
    quantity     numeric(14, 3) NOT NULL CHECK (quantity > 0),
    remaining    numeric(14, 3) NOT NULL CHECK (remaining >= 0 AND remaining <= quantity),
    received_on  date NOT NULL,
    income_kind  text NOT NULL CHECK (income_kind IN ('per_unit', 'revenue_share')),
    fen_per_unit bigint CHECK (fen_per_unit > 0),
    share_bps    int CHECK (share_bps BETWEEN 1 AND 10000),
    created_by   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((income_kind = 'per_unit') = (fen_per_unit IS NOT NULL)),
    CHECK ((income_kind = 'revenue_share') = (share_bps IS NOT NULL))
);
CREATE INDEX lots_product_fifo_idx ON lots (product_id, received_on, id);

-- Each household's share of a lot; Σ quantity = the lot's quantity (checked
-- by internal/catalog in the transaction that creates both).
CREATE TABLE lot_contributions (
    lot_id       bigint NOT NULL REFERENCES lots (id),
    household_id bigint NOT NULL REFERENCES households (id),
    quantity     numeric(14, 3) NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (lot_id, household_id)
);
CREATE INDEX lot_contributions_household_idx ON lot_contributions (household_id);

-- +goose StatementBegin
CREATE FUNCTION lots_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'lots are never deleted';
    END IF;
    IF (NEW.product_id, NEW.trace_code, NEW.quantity, NEW.received_on, NEW.income_kind, NEW.fen_per_unit, NEW.share_bps)
        IS DISTINCT FROM
       (OLD.product_id, OLD.trace_code, OLD.quantity, OLD.received_on, OLD.income_kind, OLD.fen_per_unit, OLD.share_bps) THEN
        RAISE EXCEPTION 'only the remaining quantity of a lot may change';
    END IF;
    IF NEW.remaining <> OLD.remaining THEN
        UPDATE products SET sold_qty = sold_qty + (OLD.remaining - NEW.remaining) WHERE id = NEW.product_id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE FUNCTION lot_contributions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'lot contributions are append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER lots_guard BEFORE UPDATE OR DELETE ON lots
    FOR EACH ROW EXECUTE FUNCTION lots_guard();
CREATE TRIGGER lot_contributions_append_only BEFORE UPDATE OR DELETE ON lot_contributions
    FOR EACH ROW EXECUTE FUNCTION lot_contributions_append_only();

-- Every change that alters what the storefront shows advances this sequence
-- (statement-level triggers, whoever writes: the catalog, orders taking
-- stock, the registry approving or suspending a cooperative). Page and query
-- caches key their entries by its value. nextval never blocks a writer.
CREATE SEQUENCE catalog_changes;
-- +goose StatementBegin
CREATE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('catalog_changes');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER products_changed AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER product_variants_changed AFTER INSERT OR UPDATE OR DELETE ON product_variants
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER product_images_changed AFTER INSERT OR UPDATE OR DELETE ON product_images
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER product_certifications_changed AFTER INSERT OR UPDATE OR DELETE ON product_certifications
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER lots_changed AFTER INSERT OR UPDATE ON lots
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER lot_contributions_changed AFTER INSERT ON lot_contributions
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER cooperatives_catalog_changed AFTER INSERT OR UPDATE OR DELETE ON cooperatives
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

-- +goose Down
DROP TRIGGER cooperatives_catalog_changed ON cooperatives;
DROP TABLE lot_contributions;
DROP TABLE lots;
DROP FUNCTION lot_contributions_append_only();
DROP FUNCTION lots_guard();
DROP TABLE product_certifications;
DROP TABLE product_images;
DROP TABLE product_variants;
DROP TABLE products;
DROP TABLE product_categories;
-- after the tables whose triggers call it
DROP FUNCTION catalog_changed();
DROP SEQUENCE catalog_changes;
