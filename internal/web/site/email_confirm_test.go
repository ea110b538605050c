package site_test

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/mail"
	"github.com/fupinmarket/market/internal/mail/mailtest"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// outbox is what the service has queued for address to, oldest first.
func outbox(t *testing.T, s *webtest.Server, to string) []mail.Message {
	t.Helper()
	rows, err := s.DB.Pool.Query(context.Background(), `SELECT recipient, subject, body FROM mail_outbox WHERE recipient = $1 ORDER BY id`, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []mail.Message
	for rows.Next() {
		var m mail.Message
		if err := rows.Scan(&m.To, &m.Subject, &m.Body); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// register signs up as a buyer through the API: a client of the new
// session, with its CSRF token.
func register(t *testing.T, s *webtest.Server, email string) *webtest.Client {
	t.Helper()
	c := s.Client()
	r := c.Do("POST", "/api/v1/auth/register", map[string]string{"email": email, "name": "新用户", "password": ordertest.Password})
	if r.Status != 201 {
		t.Fatalf("register %s: %d %s", email, r.Status, r.Body)
	}
	var res struct {
		CSRFToken string `json:"csrf_token"`
	}
	r.JSON(t, &res)
	c.CSRF = res.CSRFToken
	return c
}

var confirmLink = regexp.MustCompile(`http://\S+/account/verify\?token=([0-9a-f]{64})`)

// TestInvitationsReachOnlyAConfirmedAddress: anybody may sign up with any
// address, so an account that signed up with an institution's finance
// address before its owner did does not see, nor accept, the invitations
// sent to it until it opens the link mailed there. The owner of the
// mailbox does: the link confirms the address, and the invitation, mailed
// too, shows and is accepted.
func TestInvitationsReachOnlyAConfirmedAddress(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("orgadmin@example.gov.cn", ordertest.Password, auth.Grant{Role: auth.RoleBuyer})
	admin, _ := s.Login("orgadmin@example.gov.cn", ordertest.Password)
	res := admin.Do("POST", "/api/v1/buyer-orgs", map[string]any{"name": "和田地区机关事务管理局", "kind": "budget_unit"})
	if res.Status != 201 {
		t.Fatalf("create org: %d %s", res.Status, res.Body)
	}
	var org struct {
		ID string `json:"id"`
	}
	res.JSON(t, &org)

	signup := register(t, s, "Finance@Example.gov.cn")
	if r := admin.Do("POST", "/api/v1/buyer-orgs/"+org.ID+"/invitations", map[string]string{"email": "finance@example.gov.cn"}); r.Status != 202 {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	mails := outbox(t, s, "finance@example.gov.cn")
	if len(mails) != 2 || !strings.Contains(mails[1].Body, "和田地区机关事务管理局") || !strings.Contains(mails[1].Body, "/org") {
		t.Fatalf("mail queued for the address: %+v", mails)
	}
	link := confirmLink.FindStringSubmatch(mails[0].Body)
	if link == nil {
		t.Fatalf("no confirmation link in %q", mails[0].Body)
	}

	t.Run("unconfirmed, the account sees no invitation", func(t *testing.T) {
		if r := signup.Do("GET", "/api/v1/invitations", nil); r.Status != 403 {
			t.Errorf("invitations: %d %s, want 403", r.Status, r.Body)
		}
		var id int64
		s.DB.Pool.QueryRow(context.Background(), `SELECT id FROM buyer_org_invitations`).Scan(&id)
		if r := signup.Do("POST", "/api/v1/invitations/"+strconv.FormatInt(id, 10)+"/accept", nil); r.Status != 403 {
			t.Errorf("accept: %d %s, want 403", r.Status, r.Body)
		}
		page := signup.Do("GET", "/org", nil)
		if page.Status != 200 || !strings.Contains(string(page.Body), `action="/account/verify/resend"`) || strings.Contains(string(page.Body), "/accept") {
			t.Errorf("/org unconfirmed: %d, want the offer to mail the link again and no invitation\n%s", page.Status, page.Body)
		}
	})
	t.Run("a wrong link confirms nothing", func(t *testing.T) {
		if r := s.Client().Do("POST", "/api/v1/auth/verify-email", map[string]string{"token": strings.Repeat("0", 64)}); r.Status != 404 {
			t.Errorf("wrong token: %d %s, want 404", r.Status, r.Body)
		}
		if r := s.Client().Do("GET", "/account/verify?token=zz", nil); r.Status != 404 {
			t.Errorf("malformed token page: %d, want 404", r.Status)
		}
	})
	t.Run("the link confirms the address once", func(t *testing.T) {
		r := s.Client().Do("GET", "/account/verify?token="+link[1], nil)
		if r.Status != 303 || r.Header.Get("Location") != "/org?done=verified" {
			t.Fatalf("open link: %d %q", r.Status, r.Header.Get("Location"))
		}
		if r := s.Client().Do("GET", "/account/verify?token="+link[1], nil); r.Status != 404 {
			t.Errorf("the link again: %d, want 404 (used)", r.Status)
		}
	})
	t.Run("confirmed, the invitation shows and is accepted", func(t *testing.T) {
		var list struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		r := signup.Do("GET", "/api/v1/invitations", nil)
		r.JSON(t, &list)
		if r.Status != 200 || len(list.Items) != 1 {
			t.Fatalf("invitations: %d %s", r.Status, r.Body)
		}
		if r := signup.Do("POST", "/api/v1/invitations/"+list.Items[0].ID+"/accept", nil); r.Status != 200 {
			t.Errorf("accept: %d %s", r.Status, r.Body)
		}
	})
}

// TestConfirmationLinkMailedAgain: an account mails itself a new link at
// most once a minute, and not once its address is confirmed; what it
// queues reaches the mail server.
func TestConfirmationLinkMailedAgain(t *testing.T) {
	ctx := context.Background()
	s := webtest.Start(t)
	c := register(t, s, "new@example.com")
	if r := c.Do("POST", "/api/v1/auth/verify-email/resend", nil); r.Status != 429 {
		t.Errorf("resend at once: %d %s, want 429", r.Status, r.Body)
	}
	s.DB.Pool.Exec(ctx, `UPDATE email_verifications SET created_at = created_at - interval '2 minutes'`)
	if r := c.Do("POST", "/api/v1/auth/verify-email/resend", nil); r.Status != 202 {
		t.Errorf("resend a minute on: %d %s, want 202", r.Status, r.Body)
	}
	mails := outbox(t, s, "new@example.com")
	if len(mails) != 2 {
		t.Fatalf("%d mails queued, want 2", len(mails))
	}
	link := confirmLink.FindStringSubmatch(mails[1].Body)
	if link == nil {
		t.Fatalf("no link in %q", mails[1].Body)
	}
	if r := s.Client().Do("POST", "/api/v1/auth/verify-email", map[string]string{"token": link[1]}); r.Status != 200 {
		t.Errorf("verify with the new link: %d %s", r.Status, r.Body)
	}
	s.DB.Pool.Exec(ctx, `UPDATE email_verifications SET created_at = created_at - interval '2 minutes'`)
	if r := c.Do("POST", "/api/v1/auth/verify-email/resend", nil); r.Status != 409 {
		t.Errorf("resend once confirmed: %d %s, want 409", r.Status, r.Body)
	}

	smtpd := mailtest.Start(t)
	sender := mail.NewSender(s.DB.AppPool(t), mail.Server{URL: smtpd.URL, From: "noreply@market.example"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := sender.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	got := smtpd.Messages()
	if len(got) != 2 || got[1].To != "new@example.com" || !strings.Contains(got[1].Body, link[1]) {
		t.Errorf("delivered: %+v", got)
	}
}
