package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Session is a browser sign-in kept in Redis. Losing Redis only signs people
// out.
type Session struct {
	ID     string `json:"-"`
	UserID int64  `json:"uid"`
	CSRF   string `json:"csrf"`
	// Login names the sign-in that made the session; the bearer token
	// issued at the same sign-in carries it too, so that signing out ends
	// both.
	Login     string    `json:"login,omitempty"`
	CreatedAt time.Time `json:"created"`
}

// ErrNoSession means the id is unknown or expired.
var ErrNoSession = errors.New("no such session")

// Sessions stores sessions with an idle timeout (the key's TTL, renewed on
// use) and an absolute timeout (CreatedAt + max). Each user's session ids
// are also kept in a set, so that all of them can be ended at once (stale
// ids in it are harmless).
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

// NewLogin names a new sign-in: its session and its token carry it.
func NewLogin() string { return RandomToken(16) }

// Create starts a new session for userID at login, with a fresh id and CSRF
// token.
func (s *Sessions) Create(ctx context.Context, userID int64, login string) (Session, error) {
	sess := Session{ID: RandomToken(16), UserID: userID, CSRF: RandomToken(16), Login: login, CreatedAt: s.now().UTC()}
	b, _ := json.Marshal(sess)
	// The user's index first, then the session: a session exists only once
	// "sign out everywhere" can find it. The two keys lie in different slots
	// of a Redis Cluster, so they cannot share a MULTI; an id left in the
	// index by a failed second write is harmless (end skips it).
	index := s.rdb.TxPipeline() // one key: one slot
	index.SAdd(ctx, s.userKey(userID), sess.ID)
	index.Expire(ctx, s.userKey(userID), s.max)
	if _, err := index.Exec(ctx); err != nil {
		return Session{}, fmt.Errorf("index session: %w", err)
	}
	if err := s.rdb.Set(ctx, s.prefix+sess.ID, b, s.idle).Err(); err != nil {
		return Session{}, fmt.Errorf("store session: %w", err)
	}
	return sess, nil
}

func (s *Sessions) userKey(userID int64) string {
	return s.prefix + "user:" + strconv.FormatInt(userID, 10)
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

// EndLogin ends the user's sessions made at login.
func (s *Sessions) EndLogin(ctx context.Context, userID int64, login string) error {
	return s.end(ctx, userID, func(sess Session) bool { return sess.Login == login })
}

// EndAll ends every session of the user.
func (s *Sessions) EndAll(ctx context.Context, userID int64) error {
	if err := s.end(ctx, userID, func(Session) bool { return true }); err != nil {
		return err
	}
	return s.rdb.Del(ctx, s.userKey(userID)).Err()
}

// end deletes the user's sessions that match (and forgets ids that expired).
func (s *Sessions) end(ctx context.Context, userID int64, match func(Session) bool) error {
	ids, err := s.rdb.SMembers(ctx, s.userKey(userID)).Result()
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	for _, id := range ids {
		b, err := s.rdb.Get(ctx, s.prefix+id).Bytes()
		var sess Session
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return fmt.Errorf("read session: %w", err)
		case json.Unmarshal(b, &sess) == nil && sess.UserID == userID && !match(sess):
			continue
		}
		if err := s.rdb.Del(ctx, s.prefix+id).Err(); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		s.rdb.SRem(ctx, s.userKey(userID), id)
	}
	return nil
}
