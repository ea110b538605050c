-- +goose Up
-- Mail the service sends (an invitation to a buyer organisation, the link
-- that confirms an account's email address, an invoice to the address its
-- request gave) is written to this outbox in
-- the transaction of the use case that sends it, and a background job
-- delivers it by SMTP afterwards: a use case never waits on a mail server,
-- and a mail server that is down delays a message instead of losing it.
CREATE TABLE mail_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient       text NOT NULL CHECK (recipient = lower(recipient) AND recipient LIKE '%_@_%'),
    subject         text NOT NULL CHECK (subject <> ''),
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    sent_at         timestamptz,
    sent_via        text CHECK (sent_via IN ('smtp', 'log')),
    -- One attached file at most (an invoice's PDF, at most 5 MB).
    attachment_name text,
    attachment_type text,
    attachment      bytea,
    CHECK ((sent_at IS NULL) = (sent_via IS NULL)),
    CHECK ((attachment IS NULL) = (attachment_name IS NULL) AND (attachment IS NULL) = (attachment_type IS NULL))
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;

-- An account's email address is confirmed when its owner opened the link
-- mailed to it. Until then the address is only what somebody typed, and
-- what is addressed to it (an organisation's invitation) is not shown to
-- the account. Accounts that act for a co-op, an office or the platform
-- were given their roles, and so their addresses, by the platform's
-- administrators and count as confirmed; every other account (a buyer who
-- signed up, who may since have made an organisation) confirms its own.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users u SET email_verified_at = u.created_at
    WHERE EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN ('coop_admin', 'office', 'platform_admin'));

CREATE TABLE email_verifications (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id);

-- +goose Down
DROP TABLE email_verifications;
ALTER TABLE users DROP COLUMN email_verified_at;
DROP TABLE mail_outbox;
