-- +goose Up
-- Regions: province → prefecture → county (6-digit codes) → township (9) → village (12).
-- A region's subtree is every code that starts with its prefix (see region.Prefix).
CREATE TABLE regions (
    code               text PRIMARY KEY CHECK (code ~ '^[0-9]{6}([0-9]{3}){0,2}$'),
    name               text NOT NULL CHECK (name <> ''),
    level              text NOT NULL CHECK (level IN ('province', 'prefecture', 'county', 'township', 'village')),
    parent_code        text REFERENCES regions (code),
    listed_supervision boolean NOT NULL DEFAULT false,
    delisted_on        date
);
CREATE INDEX regions_parent_idx ON regions (parent_code);
CREATE INDEX regions_code_prefix_idx ON regions (code text_pattern_ops);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name          text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Cooperatives sell; their lifecycle is applied → recommended → approved | rejected; suspended.
CREATE TABLE cooperatives (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (name <> ''),
    credit_code   text NOT NULL UNIQUE CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    county_code   text NOT NULL REFERENCES regions (code),
    contact_name  text NOT NULL DEFAULT '',
    contact_phone text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'applied'
        CHECK (status IN ('applied', 'recommended', 'approved', 'rejected', 'suspended')),
    applied_by    bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cooperatives_county_idx ON cooperatives (county_code text_pattern_ops);

-- Buyer organisations: budget units, unions, enterprises with a yearly purchase target.
CREATE TABLE buyer_orgs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL CHECK (name <> ''),
    kind           text NOT NULL CHECK (kind IN ('budget_unit', 'union', 'enterprise')),
    public_ranking boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- A user holds roles; coop_admin, office and buyer_org_admin carry their scope.
CREATE TABLE user_roles (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           text NOT NULL
        CHECK (role IN ('buyer', 'buyer_org_admin', 'coop_admin', 'office', 'platform_admin')),
    cooperative_id bigint REFERENCES cooperatives (id),
    region_code    text REFERENCES regions (code),
    buyer_org_id   bigint REFERENCES buyer_orgs (id),
    CHECK ((role = 'coop_admin') = (cooperative_id IS NOT NULL)),
    CHECK ((role = 'office') = (region_code IS NOT NULL)),
    CHECK ((role = 'buyer_org_admin') = (buyer_org_id IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (user_id, role, cooperative_id, region_code, buyer_org_id)
);
CREATE INDEX user_roles_user_idx ON user_roles (user_id);

-- Bearer tokens for API clients; only a SHA-256 of the token is stored.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE user_roles;
DROP TABLE buyer_orgs;
DROP TABLE cooperatives;
DROP TABLE users;
DROP TABLE regions;
