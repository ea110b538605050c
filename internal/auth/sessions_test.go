package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
)

// beforeSessionWrite runs fn once, just before the first SET of a session
// key: the moment between a sign-in's two writes (index, then session).
type beforeSessionWrite struct {
	prefix string
	fn     func()
	done   bool
}

func (h *beforeSessionWrite) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *beforeSessionWrite) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *beforeSessionWrite) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if args := cmd.Args(); !h.done && cmd.Name() == "set" && len(args) > 1 {
			if key, _ := args[1].(string); strings.HasPrefix(key, h.prefix+"sess:") {
				h.done = true
				h.fn()
			}
		}
		return next(ctx, cmd)
	}
}

// TestSignOutEverywhereFindsASessionBeingCreated: a sign-out of another
// login that runs while a new session is half written (indexed, not yet
// stored) does not drop the new session from the user's index, so "sign
// out everywhere" afterwards still ends it.
func TestSignOutEverywhereFindsASessionBeingCreated(t *testing.T) {
	rdb, prefix := dbtest.Redis(t)
	ctx := context.Background()
	sessions := auth.NewSessions(rdb, prefix, time.Hour, 2*time.Hour)
	const user = 7
	old, err := sessions.Create(ctx, user, "login-old")
	if err != nil {
		t.Fatal(err)
	}
	rdb.AddHook(&beforeSessionWrite{prefix: prefix, fn: func() {
		// Another device signs out while the new session is being written.
		if err := sessions.EndLogin(ctx, user, "login-old"); err != nil {
			t.Error(err)
		}
	}})
	fresh, err := sessions.Create(ctx, user, "login-new")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Get(ctx, old.ID); err == nil {
		t.Error("the old login's session survived its sign-out")
	}
	if _, err := sessions.Get(ctx, fresh.ID); err != nil {
		t.Fatalf("the new session: %v", err)
	}
	if err := sessions.EndAll(ctx, user); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Get(ctx, fresh.ID); err == nil {
		t.Error("a session created during another sign-out outlived sign out everywhere")
	}
}
