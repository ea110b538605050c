-- +goose Up
-- The registry: households with encrypted personal fields, cooperative
-- lifecycle and membership, the audit log of personal-data views, poverty lines.

-- Data-key versions the personal fields were written with. fingerprint is a
-- keyed check value (pii.Ring.Fingerprint), so a wrong MARKET_DATA_KEY is
-- noticed before it writes anything.
CREATE TABLE pii_keys (
    version     int PRIMARY KEY CHECK (version BETWEEN 1 AND 65535),
    fingerprint bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Registered households (建档立卡户 / 脱贫户 / 监测户). The head's name and ID number
-- are stored only encrypted (AES-256-GCM, *_enc), as a keyed HMAC for exact
-- lookup (head_id_hash) and masked for display (*_mask).
CREATE TABLE households (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registry_no         text NOT NULL UNIQUE CHECK (registry_no ~ '^[0-9A-Za-z_-]{1,40}$'),
    village_code        text NOT NULL REFERENCES regions (code),
    members             int NOT NULL CHECK (members BETWEEN 1 AND 30),
    status              text NOT NULL CHECK (status IN
        ('poor', 'lifted', 'monitored_unstable', 'monitored_edge', 'monitored_hardship')),
    lifted_year         int CHECK (lifted_year BETWEEN 2000 AND 2100),
    baseline_income_fen bigint NOT NULL CHECK (baseline_income_fen >= 0),
    baseline_year       int NOT NULL CHECK (baseline_year BETWEEN 2000 AND 2100),
    head_name_enc       bytea NOT NULL,
    head_id_enc         bytea NOT NULL,
    head_id_hash        bytea NOT NULL UNIQUE,
    head_name_mask      text NOT NULL,
    head_id_mask        text NOT NULL,
    key_version         int NOT NULL CHECK (key_version BETWEEN 1 AND 65535),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (lifted_year IS NULL OR status IN ('lifted', 'monitored_unstable'))
);
CREATE INDEX households_village_idx ON households (village_code text_pattern_ops);

-- Households that belong to a cooperative and since when.
CREATE TABLE cooperative_members (
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    household_id   bigint NOT NULL REFERENCES households (id),
    joined_on      date NOT NULL DEFAULT current_date,
    PRIMARY KEY (cooperative_id, household_id)
);
CREATE INDEX cooperative_members_household_idx ON cooperative_members (household_id);

-- Every lifecycle step of a cooperative: who, when, from which state, why.
-- from_status is NULL for the application itself.
CREATE TABLE cooperative_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    from_status    text,
    to_status      text NOT NULL,
    actor_user_id  bigint REFERENCES users (id),
    reason         text NOT NULL DEFAULT '',
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cooperative_events_coop_idx ON cooperative_events (cooperative_id, id);

ALTER TABLE cooperatives
    ADD COLUMN reject_reason  text NOT NULL DEFAULT '',
    ADD COLUMN recommended_by bigint REFERENCES users (id),
    ADD COLUMN recommended_at timestamptz,
    ADD COLUMN approved_by    bigint REFERENCES users (id),
    ADD COLUMN approved_at    timestamptz;

-- Every whole (unmasked) view of a household's personal fields. Append-only.
CREATE TABLE pii_access_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_user_id bigint NOT NULL REFERENCES users (id),
    household_id  bigint NOT NULL REFERENCES households (id),
    fields        text[] NOT NULL CHECK (cardinality(fields) > 0),
    client_addr   text NOT NULL DEFAULT '',
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pii_access_log_household_idx ON pii_access_log (household_id, at);
CREATE INDEX pii_access_log_actor_idx ON pii_access_log (actor_user_id, at);

-- +goose StatementBegin
CREATE FUNCTION pii_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'pii_access_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER pii_access_log_append_only BEFORE UPDATE OR DELETE ON pii_access_log
    FOR EACH ROW EXECUTE FUNCTION pii_access_log_append_only();

-- Poverty line (贫困线) and monitoring line (监测线) per province and year, yuan
-- per person per year stored as fen. Data, never constants in code.
CREATE TABLE poverty_lines (
    province_code       text NOT NULL CHECK (province_code ~ '^[0-9]{2}0000$'),
    year                int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    poverty_line_fen    bigint NOT NULL CHECK (poverty_line_fen > 0),
    monitoring_line_fen bigint NOT NULL CHECK (monitoring_line_fen >= poverty_line_fen),
    updated_by          bigint REFERENCES users (id),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (province_code, year)
);
INSERT INTO poverty_lines (province_code, year, poverty_line_fen, monitoring_line_fen)
VALUES ('650000', 2020, 400000, 600000);

-- +goose Down
DROP TABLE poverty_lines;
DROP TABLE pii_access_log;
DROP FUNCTION pii_access_log_append_only();
ALTER TABLE cooperatives
    DROP COLUMN reject_reason,
    DROP COLUMN recommended_by,
    DROP COLUMN recommended_at,
    DROP COLUMN approved_by,
    DROP COLUMN approved_at;
DROP TABLE cooperative_events;
DROP TABLE cooperative_members;
DROP TABLE households;
DROP TABLE pii_keys;
