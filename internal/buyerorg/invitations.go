package buyerorg

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/auth"
	mailer "github.com/fupinmarket/market/internal/mail"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/postgres"
)

// Membership is by consent. An organisation's administrator invites an
// email; the answer is the same whether an account has that email or not,
// so that nobody learns which accounts exist. The account with the email
// sees the invitation and becomes a member only by accepting it; a member
// may leave. Orders count toward an organisation, and wait for its
// acceptance (验收), only when placed while their buyer was a member: the
// order keeps the organisation it was placed for (orders.buyer_org_id).

// InvitationTTL is how long an invitation may be accepted.
const InvitationTTL = 14 * 24 * time.Hour

// Invite invites the account with email to the organisation, once the
// inviter has confirmed its own address (ErrUnconfirmedEmail). It answers
// nil whether or not such an account exists (or already belongs to an
// organisation): only the invitee learns of it. Inviting again renews the
// invitation, and mails it again if it was issued more than a day ago. At
// most MaxInvitationsPerDay new addresses a day (429).
func (s *Service) Invite(ctx context.Context, a auth.Actor, orgID int64, email string) error {
	if err := s.admin(ctx, a, orgID); err != nil {
		return err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 {
		return errs.Validation("the invitation is not valid", map[string]string{"email": "must be a valid email address"})
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// The invitation is mailed, under the organisation's name its founder
	// typed, to whatever address is given: an account that has not
	// confirmed its own address (anybody may sign up and found an
	// organisation) mails nobody.
	if _, err := confirmedEmail(ctx, tx, a); err != nil {
		return err
	}
	// The organisation's row is locked so that invitations made at once
	// count against one daily allowance.
	const count = `SELECT (SELECT count(*) FROM buyer_org_invitations WHERE buyer_org_id = $1 AND created_at > now() - interval '1 day')
		FROM buyer_orgs WHERE id = $1 FOR UPDATE`
	var today int
	if err := tx.QueryRow(ctx, count, orgID).Scan(&today); err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	// Renewing an invitation issued within the day mails nothing again,
	// and a new one counts against the allowance: an organisation's admin
	// cannot make the service mail an address over and over, nor mail
	// thousands of strangers.
	const q = `WITH before AS (SELECT expires_at FROM buyer_org_invitations
			WHERE buyer_org_id = $1 AND email = $2 AND accepted_at IS NULL)
		INSERT INTO buyer_org_invitations (buyer_org_id, email, invited_by, expires_at)
		VALUES ($1, $2, nullif($3::bigint, 0), now() + $4::interval)
		ON CONFLICT (buyer_org_id, email) WHERE accepted_at IS NULL
		DO UPDATE SET expires_at = excluded.expires_at, invited_by = excluded.invited_by
		RETURNING (SELECT name FROM buyer_orgs WHERE id = $1), NOT EXISTS (SELECT 1 FROM before),
			coalesce((SELECT expires_at - $4::interval < now() - interval '1 day' FROM before), true)`
	ttl := fmt.Sprintf("%d seconds", int(InvitationTTL.Seconds()))
	var orgName string
	var isNew, mailAgain bool
	if err := tx.QueryRow(ctx, q, orgID, email, a.UserID, ttl).Scan(&orgName, &isNew, &mailAgain); err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	if isNew && today >= MaxInvitationsPerDay {
		return errs.E(errs.RateLimited, "an organisation invites at most %d new addresses a day: try again tomorrow", MaxInvitationsPerDay)
	}
	if mailAgain {
		lang, err := auth.LanguageOfAddress(ctx, tx, email)
		if err != nil {
			return err
		}
		if err := mailer.Queue(ctx, tx, invitationMail(email, lang, orgName, s.siteURL)); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// MaxInvitationsPerDay is how many new addresses an organisation may
// invite in a day (each is mailed).
const MaxInvitationsPerDay = 100

// SetSiteURL gives the site's public address, which mailed links start with.
func (s *Service) SetSiteURL(base string) { s.siteURL = base }

// invitationMail tells the invitee where to accept: the organisation page
// once signed in (or signed up) with the invited address, confirmed. It is
// in the language of the address's account when there is one that chose
// a language, else in the service's three.
func invitationMail(email, lang, org, site string) mailer.Message {
	link := site + "/org"
	return mailer.InLanguage(email, lang, map[string]mailer.Text{
		"zh-CN": {Subject: "扶贫集市：" + org + " 邀请您加入",
			Body: org + " 邀请您以这个邮箱加入其在扶贫集市的采购单位（14 天内有效）。用这个邮箱登录或注册并确认邮箱后，在下面的页面接受邀请：\n" + link,
			Note: "如果您不认识这个单位，请忽略这封邮件。"},
		"ug": {Subject: "يار-يۆلەك بازىرى: " + org + " سىزنى تەكلىپ قىلدى",
			Body: org + " سىزنى بۇ ئېلخەت ئادرېسى بىلەن يار-يۆلەك بازىرىدىكى ئورنىغا قوشۇلۇشقا تەكلىپ قىلدى (14 كۈن ئىچىدە كۈچكە ئىگە). بۇ ئادرېس بىلەن كىرىپ ياكى تىزىملىتىپ، ئادرېسنى جەزملىگەندىن كېيىن، تۆۋەندىكى بەتتە تەكلىپنى قوبۇل قىلىڭ:\n" + link,
			Note: "بۇ ئورۇننى تونۇمىسىڭىز، بۇ ئېلخەتكە پەرۋا قىلماڭ."},
		"en": {Subject: "Fupin Market: an invitation from " + org,
			Body: org + " invites you, at this address, to join its organisation on Fupin Market (for 14 days). Sign in or sign up with this address, confirm it, then accept on this page:\n" + link,
			Note: "If you do not know this organisation, ignore this message."},
	})
}

// ErrUnconfirmedEmail refuses what is addressed to an email (invitations)
// to an account that has not confirmed it: anybody may sign up with any
// address.
var ErrUnconfirmedEmail = errs.E(errs.Forbidden, "confirm your email address first: open the link mailed to it, or have a new one mailed")

// confirmedEmail is the actor's address when the account has confirmed it
// (auth.ConfirmedEmail), else ErrUnconfirmedEmail.
func confirmedEmail(ctx context.Context, q postgres.Querier, a auth.Actor) (string, error) {
	email, ok, err := auth.ConfirmedEmail(ctx, q, a.UserID)
	if err == nil && !ok {
		err = ErrUnconfirmedEmail
	}
	return email, err
}

// Invitation is an organisation's pending invitation of the actor.
type Invitation struct {
	ID        ids.ID    `json:"id"`
	OrgID     ids.ID    `json:"org_id"`
	OrgName   string    `json:"org_name"`
	OrgKind   string    `json:"org_kind"`
	InvitedAt time.Time `json:"invited_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Invitations lists the actor's pending invitations, newest first.
func (s *Service) Invitations(ctx context.Context, a auth.Actor) ([]Invitation, error) {
	if a.Anonymous() {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	email, err := confirmedEmail(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	const q = `SELECT i.id, o.id, o.name, o.kind, i.created_at, i.expires_at
		FROM buyer_org_invitations i JOIN buyer_orgs o ON o.id = i.buyer_org_id
		WHERE i.email = $1 AND i.accepted_at IS NULL AND i.expires_at > now() ORDER BY i.id DESC LIMIT 50`
	rows, err := s.db.Query(ctx, q, email)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Invitation])
}

// errNoInvitation answers an invitation that is not the actor's, was
// accepted or has expired alike.
var errNoInvitation = errs.E(errs.NotFound, "invitation not found")

// AcceptInvitation makes the actor a member of the organisation that
// invited them. An account belongs to one organisation at most: a member
// of another must leave it first (409).
func (s *Service) AcceptInvitation(ctx context.Context, a auth.Actor, id int64) (Org, error) {
	if a.Anonymous() {
		return Org{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Org{}, err
	}
	defer tx.Rollback(ctx)
	email, err := confirmedEmail(ctx, tx, a)
	if err != nil {
		return Org{}, err
	}
	var o Org
	const q = `SELECT o.id, o.name, o.kind, o.public_ranking FROM buyer_org_invitations i JOIN buyer_orgs o ON o.id = i.buyer_org_id
		WHERE i.id = $1 AND i.email = $2 AND i.accepted_at IS NULL AND i.expires_at > now() FOR UPDATE OF i`
	err = tx.QueryRow(ctx, q, id, email).Scan(&o.ID, &o.Name, &o.Kind, &o.PublicRanking)
	if errors.Is(err, pgx.ErrNoRows) {
		return Org{}, errNoInvitation
	}
	if err != nil {
		return Org{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO buyer_org_members (buyer_org_id, user_id) VALUES ($1, $2)`, int64(o.ID), a.UserID); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return Org{}, errs.E(errs.Conflict, "you already belong to an organisation; leave it first")
		}
		return Org{}, fmt.Errorf("accept invitation: %w", err)
	}
	const done = `UPDATE buyer_org_invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1`
	if _, err := tx.Exec(ctx, done, id, a.UserID); err != nil {
		return Org{}, fmt.Errorf("accept invitation: %w", err)
	}
	return o, tx.Commit(ctx)
}

// Leave ends the actor's membership of organisation orgID. Its
// administrator cannot leave it (409); orders placed while a member stay
// the organisation's.
func (s *Service) Leave(ctx context.Context, a auth.Actor, orgID int64) error {
	if a.Anonymous() {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	if a.Has(auth.RoleBuyerOrgAdmin) && a.BuyerOrgID == orgID {
		return errs.E(errs.Conflict, "the administrator cannot leave the organisation")
	}
	tag, err := s.db.Exec(ctx, `DELETE FROM buyer_org_members WHERE buyer_org_id = $1 AND user_id = $2`, orgID, a.UserID)
	if err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errs.E(errs.NotFound, "you are not a member of this organisation")
	}
	return nil
}

// PendingInvitation is an invitation the organisation sent that waits.
type PendingInvitation struct {
	Email     string    `json:"email"`
	InvitedAt time.Time `json:"invited_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PendingInvitations lists the organisation's invitations not yet
// accepted nor expired, for its administrator.
func (s *Service) PendingInvitations(ctx context.Context, a auth.Actor, orgID int64) ([]PendingInvitation, error) {
	if err := s.admin(ctx, a, orgID); err != nil {
		return nil, err
	}
	const q = `SELECT email, created_at, expires_at FROM buyer_org_invitations
		WHERE buyer_org_id = $1 AND accepted_at IS NULL AND expires_at > now() ORDER BY id DESC LIMIT 200`
	rows, err := s.db.Query(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PendingInvitation])
}
