-- +goose Up
-- Catalog change notifications (issue 4, storefront performance). Every
-- statement that alters what the storefront shows already advances the
-- catalog_changes sequence (00200_catalog.sql); it now also sends the new
-- value on channel catalog_changed. marketd LISTENs on one connection and
-- keys its page and query caches by the last notification it received, so a
-- cached hit no longer asks PostgreSQL for the sequence.
--
-- NOTIFY is transactional: the notification is delivered when the writing
-- transaction commits (never if it rolls back), in commit order, to every
-- listener of the database. That closes the window of the sequence alone,
-- which moves at nextval, before the commit: a reader could read the new
-- value, render the old rows and cache them under the new value.
--
-- Numbered after 00400 (not 00210) so that databases already at 00400
-- migrate forward; goose refuses out-of-order migrations.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('catalog_changed', nextval('catalog_changes')::text);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('catalog_changes');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
