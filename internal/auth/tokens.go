package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// tokenPrefix marks bearer tokens so that leaked ones are easy to grep for.
const tokenPrefix = "fm_"

// TokenTTL is how long a bearer token issued at login stays valid.
const TokenTTL = 30 * 24 * time.Hour

// Tokens issues and resolves bearer tokens for API clients. Only a SHA-256 of
// each token is stored: the tokens are 256-bit random, so a fast hash is
// enough and a database leak reveals none.
type Tokens struct{ db *pgxpool.Pool }

// NewTokens returns the token store.
func NewTokens(db *pgxpool.Pool) *Tokens { return &Tokens{db: db} }

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// Issue creates a token for userID, issued at login (auth.NewLogin; ""
// for a token of no login).
func (t *Tokens) Issue(ctx context.Context, userID int64, login string) (string, error) {
	tok := tokenPrefix + RandomToken(32)
	const q = `INSERT INTO api_tokens (user_id, token_hash, expires_at, login_id)
		VALUES ($1, $2, now() + $3::interval, nullif($4, ''))`
	if _, err := t.db.Exec(ctx, q, userID, hashToken(tok), fmt.Sprintf("%d seconds", int(TokenTTL.Seconds())), login); err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return tok, nil
}

// ErrBadToken means the token is unknown, malformed or expired.
var ErrBadToken = errors.New("invalid bearer token")

// Revoke deletes the token.
func (t *Tokens) Revoke(ctx context.Context, tok string) error {
	const q = `DELETE FROM api_tokens WHERE token_hash = $1`
	_, err := t.db.Exec(ctx, q, hashToken(tok))
	return err
}

func wellFormedToken(tok string) bool {
	return strings.HasPrefix(tok, tokenPrefix) && len(tok) == len(tokenPrefix)+64
}

// EndLogin deletes the user's tokens issued at login.
func (t *Tokens) EndLogin(ctx context.Context, userID int64, login string) error {
	const q = `DELETE FROM api_tokens WHERE user_id = $1 AND login_id = $2`
	_, err := t.db.Exec(ctx, q, userID, login)
	return err
}

// EndAll deletes every token of the user.
func (t *Tokens) EndAll(ctx context.Context, userID int64) error {
	const q = `DELETE FROM api_tokens WHERE user_id = $1`
	_, err := t.db.Exec(ctx, q, userID)
	return err
}
