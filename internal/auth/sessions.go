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
// are also kept in an index, so that all of them can be ended at once (ids
// of expired sessions in it are harmless).
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
	// of a Redis Cluster, so they cannot share a MULTI. The index is a sorted
	// set scored by creation time, and an id leaves it only when its session
	// is ended or has outlived the absolute timeout: never because its
	// session is not there yet (it may be being written right now).
	index := s.rdb.TxPipeline() // one key: one slot
	created := sess.CreatedAt.UnixMilli()
	index.ZAdd(ctx, s.userKey(userID), redis.Z{Score: float64(created), Member: sess.ID})
	index.ZRemRangeByScore(ctx, s.userKey(userID), "-inf", "("+strconv.FormatInt(created-s.max.Milliseconds(), 10))
	index.Expire(ctx, s.userKey(userID), s.max)
	if _, err := index.Exec(ctx); err != nil {
		return Session{}, fmt.Errorf("index session: %w", err)
	}
	if err := s.rdb.Set(ctx, s.prefix+sess.ID, b, s.idle).Err(); err != nil {
		return Session{}, fmt.Errorf("store session: %w", err)
	}
	return sess, nil
}

// userKey is the user's index of sessions: a sorted set of ids by creation
// time ("logins:", not the "user:" sets of earlier builds, which expire).
func (s *Sessions) userKey(userID int64) string {
	return s.prefix + "logins:" + strconv.FormatInt(userID, 10)
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

// Delete ends the session and takes it out of its user's index.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	b, err := s.rdb.GetDel(ctx, s.prefix+id).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return err
	}
	var sess Session
	if json.Unmarshal(b, &sess) == nil {
		s.rdb.ZRem(ctx, s.userKey(sess.UserID), id)
	}
	return nil
}

// EndLogin ends the user's sessions made at login.
func (s *Sessions) EndLogin(ctx context.Context, userID int64, login string) error {
	return s.end(ctx, userID, func(sess Session) bool { return sess.Login == login })
}

// EndAll ends every session of the user.
func (s *Sessions) EndAll(ctx context.Context, userID int64) error {
	return s.end(ctx, userID, func(Session) bool { return true })
}

// end deletes the user's sessions that match. An id whose session is not
// there is left in the index: it expired (and ages out of the index with
// the absolute timeout) or is being created, and then a later call must
// still find it.
func (s *Sessions) end(ctx context.Context, userID int64, match func(Session) bool) error {
	ids, err := s.rdb.ZRange(ctx, s.userKey(userID), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	for _, id := range ids {
		b, err := s.rdb.Get(ctx, s.prefix+id).Bytes()
		var sess Session
		switch {
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			return fmt.Errorf("read session: %w", err)
		case json.Unmarshal(b, &sess) == nil && sess.UserID == userID && !match(sess):
			continue
		}
		if err := s.rdb.Del(ctx, s.prefix+id).Err(); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		s.rdb.ZRem(ctx, s.userKey(userID), id)
	}
	return nil
}
