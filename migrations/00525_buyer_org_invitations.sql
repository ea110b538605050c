-- +goose Up
-- Nobody is enrolled into an organisation without consent: its
-- administrator invites an email, and the account with that email becomes
-- a member only by accepting (internal/buyerorg/invitations.go). An
-- invitation answers the same whether or not the account exists.
CREATE TABLE buyer_org_invitations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    buyer_org_id bigint NOT NULL REFERENCES buyer_orgs (id),
    email        text NOT NULL CHECK (email = lower(email)),
    invited_by   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    accepted_by  bigint REFERENCES users (id)
);
CREATE UNIQUE INDEX buyer_org_invitations_pending_idx ON buyer_org_invitations (buyer_org_id, email) WHERE accepted_at IS NULL;
CREATE INDEX buyer_org_invitations_email_idx ON buyer_org_invitations (email) WHERE accepted_at IS NULL;

-- +goose Down
DROP TABLE buyer_org_invitations;
