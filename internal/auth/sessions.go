package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Session is a browser sign-in kept in Redis. Losing Redis only signs people
// out.
type Session struct {
	ID        string    `json:"-"`
	UserID    int64     `json:"uid"`
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"created"`
}

// ErrNoSession means the id is unknown or expired.
var ErrNoSession = errors.New("no such session")

// Sessions stores sessions with an idle timeout (the key's TTL, renewed on
// use) and an absolute timeout (CreatedAt + max).
type Sessions struct {
	rdb    redis.UniversalClient
	prefix string
	idle   time.Duration
	max    time.Duration
	now    func() time.Time
}

// NewSessions returns a session store.
func NewSessions(rdb redis.UniversalClient, prefix string, idle, max time.Duration) *Sessions {
	return &Sessions{rdb: rdb, prefix: prefix + "sess:", idle: idle, max: max, now: time.Now}
}

// RandomToken returns n random bytes as hex (n=16 gives a 128-bit id).
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// Create starts a new session for userID with a fresh id and CSRF token.
func (s *Sessions) Create(ctx context.Context, userID int64) (Session, error) {
	sess := Session{ID: RandomToken(16), UserID: userID, CSRF: RandomToken(16), CreatedAt: s.now().UTC()}
	b, _ := json.Marshal(sess)
	if err := s.rdb.Set(ctx, s.prefix+sess.ID, b, s.idle).Err(); err != nil {
		return Session{}, fmt.Errorf("store session: %w", err)
	}
	return sess, nil
}

// Get returns the session and renews its idle timeout.
func (s *Sessions) Get(ctx context.Context, id string) (Session, error) {
	if len(id) != 32 {
		return Session{}, ErrNoSession
	}
	b, err := s.rdb.GetEx(ctx, s.prefix+id, s.idle).Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	var sess Session
	if err := json.Unmarshal(b, &sess); err != nil {
		return Session{}, ErrNoSession
	}
	if s.now().Sub(sess.CreatedAt) > s.max {
		s.rdb.Del(ctx, s.prefix+id)
		return Session{}, ErrNoSession
	}
	sess.ID = id
	return sess, nil
}

// Delete ends the session.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	return s.rdb.Del(ctx, s.prefix+id).Err()
}
