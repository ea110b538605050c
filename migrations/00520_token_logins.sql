-- +goose Up
-- A bearer token remembers the login it was issued at (with the browser
-- session of that login), so that signing out ends both (auth.Service.Logout).
ALTER TABLE api_tokens ADD COLUMN login_id text;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN login_id;
