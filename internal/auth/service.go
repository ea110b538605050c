// Package auth holds accounts, roles, password hashing, browser sessions,
// bearer tokens and login rate limits.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/platform/errs"
)

// LoginLimits bounds password guessing without locking owners out: an
// attacker's guesses are slowed per account and client address (the owner
// signing in from elsewhere is not), and every address has its own budget.
type LoginLimits struct {
	PerAccount int           // failed logins per account and client address before each further one waits
	PerClient  int           // attempts per client address per window
	Window     time.Duration // the address's window, and the cap of an account's back-off
}

// loginBackoffBase is the first wait after PerAccount failures of one
// account from one address; each further failure doubles it, up to Window.
const loginBackoffBase = 30 * time.Second

// Service is the sign-in use cases.
type Service struct {
	Users    *Users
	Sessions *Sessions
	Tokens   *Tokens
	limiter  *Limiter
	limits   LoginLimits
	log      *slog.Logger
	siteURL  string // what mailed links start with (SetSiteURL)
	// checks counts password hashes computed at login (wrong, right and
	// unknown accounts alike): what the rate limits bound.
	checks atomic.Int64
}

// PasswordChecks is how many passwords Login has checked since start.
func (s *Service) PasswordChecks() int64 { return s.checks.Load() }

// NewService wires the auth use cases.
func NewService(users *Users, sessions *Sessions, tokens *Tokens, limiter *Limiter, limits LoginLimits, log *slog.Logger) *Service {
	return &Service{Users: users, Sessions: sessions, Tokens: tokens, limiter: limiter, limits: limits, log: log}
}

// errBadCredentials is the one answer for an unknown email and a wrong
// password, so that nobody can learn which accounts exist.
var errBadCredentials = errs.E(errs.Unauthenticated, "email or password is incorrect")

// Login checks the credentials under the rate limits and returns the actor.
// It issues neither session nor token: the caller picks what it needs.
//
// Each attempt is counted before the password is checked (an atomic
// increment and compare in Redis), so parallel guesses cannot all slip
// under a limit: per client address, PerClient attempts per window; per
// account and address, PerAccount failures, then one attempt per back-off
// that doubles up to Window. An IPv6 address counts as its /64, with every
// other address of it (ClientNetwork). A success forgets the account's streak from
// that address. Nothing is locked for everyone: the owner, or an admin,
// signing in from another address is not slowed by an attacker's guesses.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (Actor, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	client := ClientNetwork(clientAddr)
	pairKey := "login:pair:" + pairID(email, client)
	ok, wait, err := s.limiter.Take(ctx, "login:addr:"+client, s.limits.PerClient, s.limits.Window)
	if err == nil && ok {
		ok, wait, err = s.limiter.Reserve(ctx, pairKey, Backoff{Free: s.limits.PerAccount,
			Base: loginBackoffBase, Cap: s.limits.Window, Forget: 2 * s.limits.Window})
	}
	if err != nil {
		// Without Redis there is no limiter; sessions cannot be made either,
		// so only token logins go through and they stay argon2-bound.
		s.log.Warn("login rate limiter unavailable", "err", err)
	} else if !ok {
		return Actor{}, &errs.Error{Kind: errs.RateLimited, Message: "too many login attempts, try again later",
			RetryAfter: int(math.Ceil(wait.Seconds()))}
	}
	id, hash, known, err := s.Users.credentials(ctx, email)
	if err != nil {
		return Actor{}, err
	}
	s.checks.Add(1)
	if !known {
		VerifyPassword(dummyHash, password) // same work as a real check
		return Actor{}, errBadCredentials
	}
	match, err := VerifyPassword(hash, password)
	if err != nil {
		return Actor{}, fmt.Errorf("verify password of user %d: %w", id, err)
	}
	if !match {
		return Actor{}, errBadCredentials
	}
	if err := s.limiter.Reset(ctx, pairKey); err != nil {
		s.log.Warn("login rate limiter unavailable", "err", err)
	}
	return s.Users.Actor(ctx, id)
}

// pairID names an account and a client network (ClientNetwork) in
// rate-limit keys without writing the email into Redis.
func pairID(email, client string) string {
	h := sha256.Sum256([]byte(email + "\x00" + client))
	return hex.EncodeToString(h[:16])
}

// Register creates a buyer account and returns its actor. Its address is
// unconfirmed: the link that confirms it is mailed in the same
// transaction (verify.go).
func (s *Service) Register(ctx context.Context, n NewUser) (Actor, error) {
	id, err := s.Users.create(ctx, n, false, func(tx pgx.Tx, id int64, email string) error {
		return s.queueVerification(ctx, tx, id, email, n.Lang)
	}, Grant{Role: RoleBuyer})
	if err != nil {
		return Actor{}, err
	}
	return s.Users.Actor(ctx, id)
}

// ActorForSession resolves a browser session to its actor.
func (s *Service) ActorForSession(ctx context.Context, id string) (Actor, Session, error) {
	sess, err := s.Sessions.Get(ctx, id)
	if err != nil {
		return Actor{}, Session{}, err
	}
	a, err := s.Users.Actor(ctx, sess.UserID)
	return a, sess, err
}

// ActorForToken resolves a bearer token to its actor and the login it was
// issued at ("" for none).
func (s *Service) ActorForToken(ctx context.Context, tok string) (Actor, string, error) {
	a, login, err := s.Users.actorForToken(ctx, tok)
	if err == ErrBadToken {
		return Actor{}, "", errs.E(errs.Unauthenticated, "the bearer token is invalid or expired")
	}
	return a, login, err
}

// Logout ends a login: its browser sessions and its bearer tokens.
func (s *Service) Logout(ctx context.Context, userID int64, login string) error {
	if login == "" {
		return nil
	}
	if err := s.Tokens.EndLogin(ctx, userID, login); err != nil {
		return err
	}
	return s.Sessions.EndLogin(ctx, userID, login)
}

// LogoutEverywhere ends every session and every token of the account.
func (s *Service) LogoutEverywhere(ctx context.Context, userID int64) error {
	if err := s.Tokens.EndAll(ctx, userID); err != nil {
		return err
	}
	return s.Sessions.EndAll(ctx, userID)
}
