// Package auth holds accounts, roles, password hashing, browser sessions,
// bearer tokens and login rate limits.
package auth

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/fupinmarket/market/internal/platform/errs"
)

// LoginLimits bounds password guessing.
type LoginLimits struct {
	PerAccount int           // failed logins per account per window
	PerClient  int           // attempts per client address per window
	Window     time.Duration //
}

// Service is the sign-in use cases.
type Service struct {
	Users    *Users
	Sessions *Sessions
	Tokens   *Tokens
	limiter  *Limiter
	limits   LoginLimits
	log      *slog.Logger
}

// NewService wires the auth use cases.
func NewService(users *Users, sessions *Sessions, tokens *Tokens, limiter *Limiter, limits LoginLimits, log *slog.Logger) *Service {
	return &Service{Users: users, Sessions: sessions, Tokens: tokens, limiter: limiter, limits: limits, log: log}
}

// errBadCredentials is the one answer for an unknown email and a wrong
// password, so that nobody can learn which accounts exist.
var errBadCredentials = errs.E(errs.Unauthenticated, "email or password is incorrect")

// Login checks the credentials under the rate limits and returns the actor.
// It issues neither session nor token: the caller picks what it needs.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (Actor, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	acctKey, clientKey := "login:acct:"+email, "login:addr:"+clientAddr
	if err := s.checkLimit(ctx, clientKey, s.limits.PerClient); err != nil {
		return Actor{}, err
	}
	if err := s.checkLimit(ctx, acctKey, s.limits.PerAccount); err != nil {
		return Actor{}, err
	}
	s.hit(ctx, clientKey)
	id, hash, ok, err := s.Users.credentials(ctx, email)
	if err != nil {
		return Actor{}, err
	}
	if !ok {
		VerifyPassword(dummyHash, password) // same work as a real check
		s.hit(ctx, acctKey)
		return Actor{}, errBadCredentials
	}
	match, err := VerifyPassword(hash, password)
	if err != nil {
		return Actor{}, fmt.Errorf("verify password of user %d: %w", id, err)
	}
	if !match {
		s.hit(ctx, acctKey)
		return Actor{}, errBadCredentials
	}
	s.limiter.Reset(ctx, acctKey)
	return s.Users.Actor(ctx, id)
}

func (s *Service) checkLimit(ctx context.Context, key string, limit int) error {
	blocked, wait, err := s.limiter.Blocked(ctx, key, limit)
	if err != nil {
		// Without Redis there is no limiter; sessions cannot be made either,
		// so only token logins go through and they stay argon2-bound.
		s.log.Warn("login rate limiter unavailable", "err", err)
		return nil
	}
	if blocked {
		return &errs.Error{Kind: errs.RateLimited, Message: "too many login attempts, try again later",
			RetryAfter: int(math.Ceil(wait.Seconds()))}
	}
	return nil
}

func (s *Service) hit(ctx context.Context, key string) {
	if err := s.limiter.Hit(ctx, key, s.limits.Window); err != nil {
		s.log.Warn("login rate limiter unavailable", "err", err)
	}
}

// Register creates a buyer account and returns its actor.
func (s *Service) Register(ctx context.Context, n NewUser) (Actor, error) {
	id, err := s.Users.Create(ctx, n, Grant{Role: RoleBuyer})
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

// ActorForToken resolves a bearer token to its actor.
func (s *Service) ActorForToken(ctx context.Context, tok string) (Actor, error) {
	a, err := s.Users.actorForToken(ctx, tok)
	if err == ErrBadToken {
		return Actor{}, errs.E(errs.Unauthenticated, "the bearer token is invalid or expired")
	}
	return a, err
}
