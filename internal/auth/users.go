package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/region"
)

// Users reads and writes accounts and their roles.
type Users struct{ db *pgxpool.Pool }

// NewUsers returns the account store.
func NewUsers(db *pgxpool.Pool) *Users { return &Users{db: db} }

// NewUser is what registration asks for.
type NewUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	// Lang is the language the account is made in (the page's, or the
	// client's Accept-Language): what is mailed to it is in that language.
	// "" when not known; another value is not kept.
	Lang string `json:"-"`
}

// Grant is one role with its scope.
type Grant struct {
	Role          Role
	CooperativeID int64
	RegionCode    string
	BuyerOrgID    int64
}

// MinPasswordLen follows NIST SP 800-63B's minimum for user-chosen secrets.
const MinPasswordLen = 8

// Validate normalises the email and checks every field.
func (n *NewUser) Validate() error {
	n.Email = strings.ToLower(strings.TrimSpace(n.Email))
	n.Name = strings.TrimSpace(n.Name)
	f := errs.FieldErrors{}
	if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email {
		f.Add("email", "must be a valid email address")
	}
	if n.Name == "" || utf8.RuneCountInString(n.Name) > 64 {
		f.Add("name", "must be 1 to 64 characters")
	} else if msg := text.Problem(n.Name, false); msg != "" {
		f.Add("name", msg)
	}
	if l := utf8.RuneCountInString(n.Password); l < MinPasswordLen || l > 256 {
		f.Add("password", fmt.Sprintf("must be %d to 256 characters", MinPasswordLen))
	}
	return f.Err("the account details are not valid")
}

// Create stores a user with grants in one transaction and returns its id.
// The account is made by whoever runs the service (an administrator, the
// CLI, the demo), who gave its address: the address counts as confirmed.
func (u *Users) Create(ctx context.Context, n NewUser, grants ...Grant) (int64, error) {
	return u.create(ctx, n, true, nil, grants...)
}

// create stores a user, its address confirmed or not, runs then (when
// given) in the same transaction, and returns the user's id.
func (u *Users) create(ctx context.Context, n NewUser, confirmed bool, then func(tx pgx.Tx, id int64, email string) error, grants ...Grant) (int64, error) {
	if err := n.Validate(); err != nil {
		return 0, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return 0, err
	}
	tx, err := u.db.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if !Language(n.Lang) {
		n.Lang = ""
	}
	const q = `INSERT INTO users (email, name, password_hash, email_verified_at, lang)
		VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END, nullif($5, '')) RETURNING id`
	var id int64
	if err := tx.QueryRow(ctx, q, n.Email, n.Name, hash, confirmed, n.Lang).Scan(&id); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return 0, errs.Validation("the account details are not valid", map[string]string{"email": "is already registered"})
		}
		return 0, fmt.Errorf("insert user: %w", err)
	}
	for _, g := range grants {
		if err := GrantTx(ctx, tx, id, g); err != nil {
			return 0, err
		}
	}
	if then != nil {
		if err := then(tx, id, n.Email); err != nil {
			return 0, err
		}
	}
	return id, tx.Commit(ctx)
}

// Grant adds a role to an existing user; granting twice is harmless.
func (u *Users) Grant(ctx context.Context, userID int64, g Grant) error {
	tx, err := u.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := GrantTx(ctx, tx, userID, g); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// GrantTx adds a role to user userID in tx, for use cases of other packages
// that grant a role in their own transaction (approving a cooperative's
// administrator, creating a buyer organisation): user_roles is written here
// only. Granting twice is harmless.
func GrantTx(ctx context.Context, tx pgx.Tx, userID int64, g Grant) error {
	if !ValidRole(g.Role) {
		return errs.Validation("unknown role", map[string]string{"role": "unknown role " + string(g.Role)})
	}
	const q = `INSERT INTO user_roles (user_id, role, cooperative_id, region_code, buyer_org_id)
		VALUES ($1, $2, nullif($3, 0), nullif($4, ''), nullif($5, 0)) ON CONFLICT DO NOTHING`
	if _, err := tx.Exec(ctx, q, userID, g.Role, g.CooperativeID, g.RegionCode, g.BuyerOrgID); err != nil {
		return fmt.Errorf("grant %s: %w", g.Role, err)
	}
	return nil
}

// EnsureUserTx returns the id of the account with email, creating it with
// name and passwordHash (from HashPassword) when there is none; an existing
// account keeps its name and password. Its address counts as confirmed,
// as Create's. It is for loaders that create many
// accounts of one password (the demo) and hash it once: Create spends a
// deliberately slow hash per account.
func EnsureUserTx(ctx context.Context, tx pgx.Tx, email, name, passwordHash string) (int64, error) {
	const q = `INSERT INTO users (email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, now())
		ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id`
	var id int64
	if err := tx.QueryRow(ctx, q, email, name, passwordHash).Scan(&id); err != nil {
		return 0, fmt.Errorf("ensure user %s: %w", email, err)
	}
	return id, nil
}

// credentials returns the id and password hash of email, ok false if unknown.
func (u *Users) credentials(ctx context.Context, email string) (id int64, hash string, ok bool, err error) {
	const q = `SELECT id, password_hash FROM users WHERE email = $1`
	err = u.db.QueryRow(ctx, q, strings.ToLower(strings.TrimSpace(email))).Scan(&id, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", false, nil
	}
	return id, hash, err == nil, err
}

// IDByEmail returns the id of the account with email.
func (u *Users) IDByEmail(ctx context.Context, email string) (int64, error) {
	id, _, ok, err := u.credentials(ctx, email)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errs.E(errs.NotFound, "no account with that email")
	}
	return id, nil
}

// Actor loads the user with its roles and scopes.
func (u *Users) Actor(ctx context.Context, userID int64) (Actor, error) {
	const q = `SELECT u.id, u.email, u.name, r.role, coalesce(r.cooperative_id, 0),
			coalesce(r.region_code, ''), coalesce(g.level, ''), coalesce(r.buyer_org_id, 0)
		FROM users u
		LEFT JOIN user_roles r ON r.user_id = u.id
		LEFT JOIN regions g ON g.code = r.region_code
		WHERE u.id = $1 ORDER BY r.id`
	rows, err := u.db.Query(ctx, q, userID)
	if err != nil {
		return Actor{}, fmt.Errorf("load user: %w", err)
	}
	a, err := scanActor(rows)
	if err == nil && a.UserID == 0 {
		return Actor{}, errs.E(errs.Unauthenticated, "the account no longer exists")
	}
	return a, err
}

// actorForToken resolves a bearer token to its user, with roles and
// scopes, in one statement (a bearer request pays one round trip for who it
// is). The token's last use is written at most once a minute: writing it at
// every request made each one a write transaction waiting for its WAL flush.
// ErrBadToken when the token is unknown or expired.
func (u *Users) actorForToken(ctx context.Context, tok string) (Actor, string, error) {
	if !wellFormedToken(tok) {
		return Actor{}, "", ErrBadToken
	}
	const q = `WITH t AS (
			SELECT user_id, coalesce(login_id, '') AS login FROM api_tokens WHERE token_hash = $1 AND expires_at > now()),
		touched AS (
			UPDATE api_tokens SET last_used_at = now()
			WHERE token_hash = $1 AND expires_at > now()
				AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
		SELECT u.id, u.email, u.name, r.role, coalesce(r.cooperative_id, 0),
			coalesce(r.region_code, ''), coalesce(g.level, ''), coalesce(r.buyer_org_id, 0), t.login
		FROM t JOIN users u ON u.id = t.user_id
		LEFT JOIN user_roles r ON r.user_id = u.id
		LEFT JOIN regions g ON g.code = r.region_code
		ORDER BY r.id`
	rows, err := u.db.Query(ctx, q, hashToken(tok))
	if err != nil {
		return Actor{}, "", fmt.Errorf("resolve token: %w", err)
	}
	var login string
	a, err := scanActor(rows, &login)
	if err == nil && a.UserID == 0 {
		return Actor{}, "", ErrBadToken
	}
	return a, login, err
}

// scanActor reads an actor from rows of (user, one role each) and closes
// them; no rows leave the actor zero. Extra scans the columns after the
// role's, which every row repeats.
func scanActor(rows pgx.Rows, extra ...any) (Actor, error) {
	defer rows.Close()
	var a Actor
	for rows.Next() {
		var role *string
		var coop, org int64
		var regionCode, level string
		if err := rows.Scan(append([]any{&a.UserID, &a.Email, &a.Name, &role, &coop, &regionCode, &level, &org}, extra...)...); err != nil {
			return Actor{}, err
		}
		if role == nil {
			continue
		}
		a.Roles = append(a.Roles, Role(*role))
		switch Role(*role) {
		case RoleCoopAdmin:
			a.CooperativeID = coop
		case RoleOffice:
			a.OfficeRegion, a.OfficeLevel = regionCode, region.Level(level)
		case RoleBuyerOrgAdmin:
			a.BuyerOrgID = org
		}
	}
	return a, rows.Err()
}
