package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/redistest"
)

// TestAuthOnRedisCluster runs sessions, the rate limiter and login against
// a Redis Cluster of three masters, opened as marketd opens
// REDIS_URL=redis+cluster://…: a command or MULTI naming keys of two slots
// fails there (CROSSSLOT), as it never does on the single Redis of the
// other tests. One cluster serves the subtests, each under its own prefix.
func TestAuthOnRedisCluster(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	t.Run("Sessions", func(t *testing.T) { testClusterSessions(t, rdb) })
	t.Run("Limiter", func(t *testing.T) { testClusterLimiter(t, rdb) })
	t.Run("Login", func(t *testing.T) { testClusterLogin(t, rdb) })
}

// testClusterSessions: Create, Get, Delete, EndLogin and EndAll work for
// sessions whose keys (and the user's index) lie in different slots on
// different masters; ending one user's sessions leaves another's alone, and
// EndAll leaves no key behind.
func testClusterSessions(t *testing.T, rdb *redis.ClusterClient) {
	ctx := context.Background()
	prefix := redistest.Prefix(t)
	s := auth.NewSessions(rdb, prefix, time.Hour, 2*time.Hour)
	const user, other = 42, 43
	loginA, loginB := auth.NewLogin(), auth.NewLogin()
	create := func(uid int64, login string, n int) []auth.Session {
		t.Helper()
		var out []auth.Session
		for range n {
			sess, err := s.Create(ctx, uid, login)
			if err != nil {
				t.Fatalf("Create for user %d: %v", uid, err)
			}
			out = append(out, sess)
		}
		return out
	}
	a, b, o := create(user, loginA, 4), create(user, loginB, 4), create(other, loginA, 2)
	alive := func(what string, sessions []auth.Session, want bool) {
		t.Helper()
		for _, want1 := range sessions {
			got, err := s.Get(ctx, want1.ID)
			switch {
			case want && err != nil:
				t.Errorf("%s: Get %s: %v", what, want1.ID, err)
			case want && (got.ID != want1.ID || got.UserID != want1.UserID || got.Login != want1.Login || got.CSRF != want1.CSRF):
				t.Errorf("%s: Get %s = %+v, want %+v", what, want1.ID, got, want1)
			case !want && !errors.Is(err, auth.ErrNoSession):
				t.Errorf("%s: Get %s after it ended: %+v, %v; want ErrNoSession", what, want1.ID, got, err)
			}
		}
	}
	alive("created", append(append(a, b...), o...), true)
	// The test proves something only if the keys it wrote lie apart.
	if byNode := redistest.Keys(t, rdb, prefix); len(byNode) < 2 {
		t.Fatalf("session keys on %d master(s), want several: %v", len(byNode), byNode)
	}

	if err := s.Delete(ctx, a[0].ID); err != nil {
		t.Fatal(err)
	}
	alive("deleted", a[:1], false)
	if err := s.EndLogin(ctx, user, loginA); err != nil {
		t.Fatalf("EndLogin: %v", err)
	}
	alive("login A after EndLogin(A)", a, false)
	alive("login B after EndLogin(A)", b, true)
	alive("other user after EndLogin(A)", o, true)

	more := create(user, loginA, 3)
	if err := s.EndAll(ctx, user); err != nil {
		t.Fatalf("EndAll: %v", err)
	}
	alive("user after EndAll", append(b, more...), false)
	alive("other user after EndAll", o, true)
	if err := s.EndAll(ctx, other); err != nil {
		t.Fatalf("EndAll: %v", err)
	}
	alive("other user after its EndAll", o, false)
	if left := redistest.Keys(t, rdb, prefix); len(left) > 0 {
		t.Errorf("keys left after every EndAll: %v", left)
	}
}

// testClusterLimiter: Take counts per key in a window, exactly even under
// parallel calls, and Reserve backs off and Reset forgets, with counters
// spread over the masters (each counter's script touches its own slot).
func testClusterLimiter(t *testing.T, rdb *redis.ClusterClient) {
	ctx := context.Background()
	prefix := redistest.Prefix(t)
	l := auth.NewLimiter(rdb, prefix)
	now := time.Now()
	l.SetClock(func() time.Time { return now }) // the subtest moves it, one goroutine

	for i := range 8 {
		key := fmt.Sprintf("take:%d", i)
		for n := 1; n <= 4; n++ {
			ok, wait, err := l.Take(ctx, key, 3, time.Minute)
			if err != nil {
				t.Fatalf("Take %s #%d: %v", key, n, err)
			}
			if ok != (n <= 3) || (!ok && (wait <= 0 || wait > time.Minute)) {
				t.Errorf("Take %s #%d: ok %v wait %v, want ok for the first 3, then a wait under a minute", key, n, ok, wait)
			}
		}
	}

	var wg sync.WaitGroup
	var granted atomic.Int64
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := l.Take(ctx, "parallel", 10, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	if g := granted.Load(); g != 10 {
		t.Errorf("50 parallel Takes with limit 10 granted %d", g)
	}

	b := auth.Backoff{Free: 2, Base: 30 * time.Second, Cap: 10 * time.Minute, Forget: 20 * time.Minute}
	reserve := func(key string, wantOK bool, wantWait time.Duration) {
		t.Helper()
		ok, wait, err := l.Reserve(ctx, key, b)
		if err != nil {
			t.Fatalf("Reserve %s: %v", key, err)
		}
		if ok != wantOK || wait != wantWait {
			t.Errorf("Reserve %s: ok %v wait %v, want %v %v", key, ok, wait, wantOK, wantWait)
		}
	}
	for i := range 4 {
		key := fmt.Sprintf("pair:%d", i)
		reserve(key, true, 0)
		reserve(key, true, 0) // the second free attempt starts a 30 s back-off
		reserve(key, false, 30*time.Second)
	}
	now = now.Add(30 * time.Second)
	reserve("pair:0", true, 0) // and the next one doubles it
	reserve("pair:0", false, time.Minute)
	if err := l.Reset(ctx, "pair:0"); err != nil {
		t.Fatal(err)
	}
	reserve("pair:0", true, 0)
	reserve("pair:1", true, 0) // its 30 s passed too

	if byNode := redistest.Keys(t, rdb, prefix); len(byNode) < 2 {
		t.Errorf("limiter keys on %d master(s), want several: %v", len(byNode), byNode)
	}
}

// testClusterLogin: the sign-in use case on the cluster. Login's limiter
// failing would only be logged, so the test checks that the limits bite
// (the third wrong password is refused) and nothing was logged; then a
// right password from elsewhere makes sessions that Logout and
// LogoutEverywhere end.
func testClusterLogin(t *testing.T, rdb *redis.ClusterClient) {
	ctx := context.Background()
	prefix := redistest.Prefix(t)
	db := dbtest.New(t)
	var logged bytes.Buffer
	users := auth.NewUsers(db.Pool)
	svc := auth.NewService(users, auth.NewSessions(rdb, prefix, time.Hour, 2*time.Hour), auth.NewTokens(db.Pool),
		auth.NewLimiter(rdb, prefix), auth.LoginLimits{PerAccount: 2, PerClient: 100, Window: 15 * time.Minute},
		slog.New(slog.NewTextHandler(&logged, nil)))
	uid, err := users.Create(ctx, auth.NewUser{Email: "owner@example.com", Name: "用户", Password: password}, auth.Grant{Role: auth.RoleBuyer})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []errs.Kind{errs.Unauthenticated, errs.Unauthenticated, errs.RateLimited} {
		if _, err := svc.Login(ctx, "owner@example.com", "wrong-password", "203.0.113.7"); errs.KindOf(err) != want {
			t.Errorf("wrong password #%d: %v, want %v", i+1, err, want)
		}
	}
	var sessions []auth.Session
	logins := []string{auth.NewLogin(), auth.NewLogin()}
	for _, login := range logins {
		a, err := svc.Login(ctx, "owner@example.com", password, "198.51.100.9")
		if err != nil || a.UserID != uid {
			t.Fatalf("right password from another address: %+v, %v", a, err)
		}
		for range 3 {
			sess, err := svc.Sessions.Create(ctx, a.UserID, login)
			if err != nil {
				t.Fatalf("session after login: %v", err)
			}
			sessions = append(sessions, sess)
		}
	}
	if logged.Len() > 0 {
		t.Errorf("Login logged (the limiter failed?):\n%s", logged.String())
	}
	for _, sess := range sessions {
		if a, _, err := svc.ActorForSession(ctx, sess.ID); err != nil || a.UserID != uid {
			t.Errorf("ActorForSession: %+v, %v", a, err)
		}
	}
	if err := svc.Logout(ctx, uid, logins[0]); err != nil {
		t.Fatal(err)
	}
	for i, sess := range sessions {
		_, err := svc.Sessions.Get(ctx, sess.ID)
		if ended := errors.Is(err, auth.ErrNoSession); ended != (i < 3) {
			t.Errorf("session %d after Logout of the first login: %v", i, err)
		}
	}
	if err := svc.LogoutEverywhere(ctx, uid); err != nil {
		t.Fatal(err)
	}
	for _, sess := range sessions[3:] {
		if _, err := svc.Sessions.Get(ctx, sess.ID); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("session after LogoutEverywhere: %v", err)
		}
	}
}
