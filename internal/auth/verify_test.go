package auth_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestResendWaitsForAResendInFlight: two resends of one account at once
// mail one link, not two. The second waits on the account's row while the
// first writes its link; once the first commits, the second sees that link
// and is refused (429), instead of judging "a minute since the last" from
// what was committed before it started waiting.
func TestResendWaitsForAResendInFlight(t *testing.T) {
	ctx := context.Background()
	svc, db := mailingService(t)
	a, err := svc.Register(ctx, auth.NewUser{Email: "late@example.com", Name: "用户", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	// The link of the sign-up is old: a resend is due.
	if _, err := db.Exec(ctx, `UPDATE email_verifications SET created_at = now() - interval '1 hour' WHERE user_id = $1`, a.UserID); err != nil {
		t.Fatal(err)
	}

	// The first resend, half done: the account locked, its link written.
	first, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	if _, err := first.Exec(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, a.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Exec(ctx, `INSERT INTO email_verifications (token_hash, user_id, email, expires_at)
		VALUES ('\x01', $1, 'late@example.com', now() + interval '1 day')`, a.UserID); err != nil {
		t.Fatal(err)
	}

	second := make(chan error, 1)
	go func() { second <- svc.ResendVerification(ctx, a) }()
	waitForLockWait(t, ctx, db)
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-second; !errs.Is(err, errs.RateLimited) {
		t.Errorf("the second resend of two at once: %v, want 429", err)
	}
	var n int
	db.QueryRow(ctx, `SELECT count(*) FROM email_verifications WHERE user_id = $1`, a.UserID).Scan(&n)
	if n != 2 { // the sign-up's and the first resend's
		t.Errorf("%d links, want 2", n)
	}
}

// waitForLockWait returns once a session of db waits for a lock: the
// statement under test has reached the locked row.
func waitForLockWait(t *testing.T, ctx context.Context, db *pgxpool.Pool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting bool
		const q = `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')`
		if err := db.QueryRow(ctx, q).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no session ever waited for the lock")
		}
	}
}

// TestConfirmationLinksAreBoundedADay: an account signed up under
// somebody else's address cannot make the service mail that person a link
// every minute: five a day at most, the sign-up's included.
func TestConfirmationLinksAreBoundedADay(t *testing.T) {
	ctx := context.Background()
	svc, db := mailingService(t)
	a, err := svc.Register(ctx, auth.NewUser{Email: "victim@example.com", Name: "用户", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	age := func() {
		t.Helper()
		if _, err := db.Exec(ctx, `UPDATE email_verifications SET created_at = created_at - interval '2 minutes' WHERE user_id = $1`, a.UserID); err != nil {
			t.Fatal(err)
		}
	}
	for i := 2; i <= 5; i++ {
		age()
		if err := svc.ResendVerification(ctx, a); err != nil {
			t.Fatalf("link %d of the day: %v", i, err)
		}
	}
	age()
	if err := svc.ResendVerification(ctx, a); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a sixth link in a day: %v, want rate limited", err)
	}
	var mailed int
	db.QueryRow(ctx, `SELECT count(*) FROM mail_outbox WHERE recipient = 'victim@example.com'`).Scan(&mailed)
	if mailed != 5 {
		t.Errorf("%d mails to the address, want 5", mailed)
	}
}

// mailingService is the auth service on a fresh database, its mailed links
// on https://market.example, with the database's pool.
func mailingService(t *testing.T) (*auth.Service, *pgxpool.Pool) {
	t.Helper()
	db := dbtest.New(t).Pool
	rdb, prefix := dbtest.Redis(t)
	svc := auth.NewService(auth.NewUsers(db), auth.NewSessions(rdb, prefix, time.Hour, 2*time.Hour), auth.NewTokens(db),
		auth.NewLimiter(rdb, prefix), auth.LoginLimits{PerAccount: 5, PerClient: 1000, Window: 15 * time.Minute},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.SetSiteURL("https://market.example")
	return svc, db
}
