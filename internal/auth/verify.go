package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/mail"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/postgres"
)

// An account's email address is confirmed when its owner opens the link
// mailed to it (migration 00670). What is addressed to an address — an
// organisation's invitation — reaches an account only once the account
// has confirmed it: anybody may sign up with any address, so an
// unconfirmed one proves nothing.

// VerificationTTL is how long a confirmation link works.
const VerificationTTL = 72 * time.Hour

// resendEvery and maxLinksPerDay bound how often an account has a
// confirmation mailed: at most one a minute, five a day (the sign-up's
// included).
const (
	resendEvery    = time.Minute
	maxLinksPerDay = 5
)

// SetSiteURL gives the site's public address, which mailed links start with
// (MARKET_BASE_URL; never taken from a request).
func (s *Service) SetSiteURL(base string) { s.siteURL = base }

// queueVerification makes a confirmation token for the account's address
// and queues the mail with its link, in tx, in the account's language
// ("" when not known: all three).
func (s *Service) queueVerification(ctx context.Context, tx pgx.Tx, userID int64, email, lang string) error {
	tok := RandomToken(32)
	const q = `INSERT INTO email_verifications (token_hash, user_id, email, expires_at) VALUES ($1, $2, $3, now() + $4::interval)`
	if _, err := tx.Exec(ctx, q, hashToken(tok), userID, email, VerificationTTL.String()); err != nil {
		return fmt.Errorf("verification token: %w", err)
	}
	link := s.siteURL + "/account/verify?token=" + url.QueryEscape(tok)
	return mail.Queue(ctx, tx, VerificationMail(email, link, lang))
}

// VerificationMail is the message that confirms an address, in lang, or in
// the service's three languages when the account's is not known.
func VerificationMail(email, link, lang string) mail.Message {
	return mail.InLanguage(email, lang, map[string]mail.Text{
		"zh-CN": {Subject: "扶贫集市：请确认您的邮箱",
			Body: "您好！请打开下面的链接，确认这个邮箱属于您的扶贫集市账户（72 小时内有效）：\n" + link,
			Note: "如果您没有注册，请忽略这封邮件。"},
		"ug": {Subject: "يار-يۆلەك بازىرى: ئېلخەت ئادرېسىڭىزنى جەزملەڭ",
			Body: "ياخشىمۇسىز! بۇ ئېلخەت ئادرېسىنىڭ يار-يۆلەك بازىرىدىكى ھېساباتىڭىزغا تەۋە ئىكەنلىكىنى جەزملەش ئۈچۈن تۆۋەندىكى ئۇلانمىنى ئېچىڭ (72 سائەت ئىچىدە كۈچكە ئىگە):\n" + link,
			Note: "ئەگەر تىزىملاتمىغان بولسىڭىز، بۇ ئېلخەتكە پەرۋا قىلماڭ."},
		"en": {Subject: "Fupin Market: confirm your email address",
			Body: "Hello! Open the link below to confirm that this address belongs to your Fupin Market account (it works for 72 hours):\n" + link,
			Note: "If you did not sign up, ignore this message."},
	})
}

// VerifyEmail confirms the address a token was mailed to, if the account
// still has that address, and returns the account's id. The token is used
// up with every other token of the account.
func (s *Service) VerifyEmail(ctx context.Context, tok string) (int64, error) {
	bad := errs.E(errs.NotFound, "this confirmation link is not valid: it is used, expired, or for another address")
	if len(tok) != 64 {
		return 0, bad
	}
	tx, err := s.Users.db.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	const q = `UPDATE users u SET email_verified_at = coalesce(u.email_verified_at, now())
		FROM email_verifications v
		WHERE v.token_hash = $1 AND v.expires_at > now() AND u.id = v.user_id AND u.email = v.email
		RETURNING u.id`
	var id int64
	err = tx.QueryRow(ctx, q, hashToken(tok)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, bad
	}
	if err != nil {
		return 0, fmt.Errorf("verify email: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM email_verifications WHERE user_id = $1`, id); err != nil {
		return 0, fmt.Errorf("verify email: %w", err)
	}
	return id, tx.Commit(ctx)
}

// ConfirmedEmail is the account's address and whether the account has
// confirmed it, read with q: a pool, or the transaction of another
// package's use case (an organisation's invitation).
func ConfirmedEmail(ctx context.Context, q postgres.Querier, userID int64) (email string, confirmed bool, err error) {
	const sql = `SELECT email, email_verified_at IS NOT NULL FROM users WHERE id = $1`
	if err := q.QueryRow(ctx, sql, userID).Scan(&email, &confirmed); err != nil {
		return "", false, fmt.Errorf("confirmed email: %w", err)
	}
	return email, confirmed, nil
}

// ResendVerification mails the actor a new confirmation link: at most one
// a minute and five a day, none once the address is confirmed.
func (s *Service) ResendVerification(ctx context.Context, a Actor) error {
	if a.Anonymous() {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	tx, err := s.Users.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// The account's row is locked first, and the last link read by the next
	// statement: under READ COMMITTED a statement reads what was committed
	// when it started, so a resend that waited on the lock within one
	// statement would not see the link of the resend it waited for, and
	// two resends at once would both mail.
	const lock = `SELECT email, email_verified_at IS NOT NULL, coalesce(lang, '') FROM users WHERE id = $1 FOR UPDATE`
	var email, lang string
	var verified, recent bool
	if err := tx.QueryRow(ctx, lock, a.UserID).Scan(&email, &verified, &lang); err != nil {
		return fmt.Errorf("resend verification: %w", err)
	}
	const q = `SELECT coalesce(max(created_at) > now() - $2::interval, false),
			count(*) FILTER (WHERE created_at > now() - interval '1 day')
		FROM email_verifications WHERE user_id = $1`
	var today int
	if err := tx.QueryRow(ctx, q, a.UserID, resendEvery.String()).Scan(&recent, &today); err != nil {
		return fmt.Errorf("resend verification: %w", err)
	}
	switch {
	case verified:
		return errs.E(errs.Conflict, "your email address is already confirmed")
	case recent:
		return errs.E(errs.RateLimited, "a confirmation link was mailed less than a minute ago: check your mailbox")
	case today >= maxLinksPerDay:
		// An account signed up under somebody else's address must not
		// make the service mail that person every minute.
		return errs.E(errs.RateLimited, "no more confirmation links today: check your mailbox, or try again tomorrow")
	}
	if err := s.queueVerification(ctx, tx, a.UserID, email, lang); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
