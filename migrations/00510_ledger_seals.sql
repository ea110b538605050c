-- +goose Up
-- Seals of the ledger (docs/LEDGER.md): the entries of attribution_entries,
-- in id order and without a gap, are sealed in batches into Merkle trees
-- (RFC 9162); each seal records the hash of the one before. internal/ledger
-- writes the rows; the service's role may insert them and nothing else, and
-- the triggers below refuse any change, a seal that does not follow the
-- last one, and a seal that skips or double-counts an entry.
CREATE TABLE ledger_seals (
    seq            bigint PRIMARY KEY CHECK (seq > 0),
    first_entry_id bigint NOT NULL,
    last_entry_id  bigint NOT NULL UNIQUE,
    entries        integer NOT NULL CHECK (entries > 0),
    root           bytea NOT NULL CHECK (length(root) = 32),
    prev           bytea NOT NULL CHECK (length(prev) = 32),
    -- The leaf hashes in order, 32 bytes each: proofs are drawn from the
    -- tree as it was sealed, and a changed entry is named by its leaf.
    leaves         bytea NOT NULL CHECK (length(leaves) = 32 * entries),
    sealed_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (first_entry_id <= last_entry_id AND entries <= last_entry_id - first_entry_id + 1)
);
-- Hashes do not compress: keep them out of line without trying.
ALTER TABLE ledger_seals ALTER COLUMN leaves SET STORAGE EXTERNAL;

-- ledger_seal_hash is a seal's hash: SHA-256 of 0x02, then seq, first and
-- last entry id and the number of entries as 8-byte big-endian integers,
-- then the root and the previous seal's hash (docs/LEDGER.md).
-- +goose StatementBegin
CREATE FUNCTION ledger_seal_hash(seq bigint, first_id bigint, last_id bigint, entries integer, root bytea, prev bytea)
RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT sha256('\x02'::bytea || int8send(seq) || int8send(first_id) || int8send(last_id) || int8send(entries::bigint)
        || root || prev)
$$;
-- +goose StatementEnd

-- ledger_seals_chain checks a new seal against the last one: the next
-- number, the previous seal's hash, and the entries it covers: it starts
-- right after the previous seal's last entry (no entry between them), its
-- first and last entries exist and it counts every entry between them. It
-- stamps the time of sealing itself. Two sealers at once collide on the
-- primary key. That a batch never skips an entry a slower transaction
-- commits later is the sealer's part (docs/LEDGER.md, "Gap-free sealing").
-- +goose StatementBegin
CREATE FUNCTION ledger_seals_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p_seq bigint;
    p_first bigint;
    p_last bigint;
    p_entries integer;
    p_root bytea;
    p_prev bytea;
    n bigint;
BEGIN
    SELECT seq, first_entry_id, last_entry_id, entries, root, prev
        INTO p_seq, p_first, p_last, p_entries, p_root, p_prev
        FROM ledger_seals ORDER BY seq DESC LIMIT 1;
    IF p_seq IS NULL THEN
        IF NEW.seq <> 1 OR NEW.prev <> decode(repeat('00', 32), 'hex') THEN
            RAISE EXCEPTION 'ledger_seals: the first seal is number 1 and follows 32 zero bytes' USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM attribution_entries WHERE id < NEW.first_entry_id) THEN
            RAISE EXCEPTION 'ledger_seals: entries before % would stay unsealed', NEW.first_entry_id USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        IF NEW.seq <> p_seq + 1 OR NEW.prev <> ledger_seal_hash(p_seq, p_first, p_last, p_entries, p_root, p_prev) THEN
            RAISE EXCEPTION 'ledger_seals: seal % does not follow seal %', NEW.seq, p_seq USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.first_entry_id <= p_last
            OR EXISTS (SELECT 1 FROM attribution_entries WHERE id > p_last AND id < NEW.first_entry_id) THEN
            RAISE EXCEPTION 'ledger_seals: seal % does not start right after entry %', NEW.seq, p_last USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    SELECT count(*) INTO n FROM attribution_entries WHERE id BETWEEN NEW.first_entry_id AND NEW.last_entry_id;
    IF n <> NEW.entries
        OR NOT EXISTS (SELECT 1 FROM attribution_entries WHERE id = NEW.first_entry_id)
        OR NOT EXISTS (SELECT 1 FROM attribution_entries WHERE id = NEW.last_entry_id) THEN
        RAISE EXCEPTION 'ledger_seals: seal % does not cover entries % to % exactly', NEW.seq, NEW.first_entry_id, NEW.last_entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.sealed_at := now();
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_seals_chain BEFORE INSERT ON ledger_seals
    FOR EACH ROW EXECUTE FUNCTION ledger_seals_chain();

-- +goose StatementBegin
CREATE FUNCTION ledger_seals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_seals is append-only: % refused', TG_OP;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_seals_no_update BEFORE UPDATE OR DELETE ON ledger_seals
    FOR EACH ROW EXECUTE FUNCTION ledger_seals_append_only();
CREATE TRIGGER ledger_seals_no_truncate BEFORE TRUNCATE ON ledger_seals
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_seals_append_only();

-- +goose Down
DROP TABLE ledger_seals;
DROP FUNCTION ledger_seals_append_only();
DROP FUNCTION ledger_seals_chain();
DROP FUNCTION ledger_seal_hash(bigint, bigint, bigint, integer, bytea, bytea);
