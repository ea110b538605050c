package mail_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/mail"
	"github.com/fupinmarket/market/internal/mail/mailtest"
)

func queue(t *testing.T, db *dbtest.DB, msgs ...mail.Message) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.AppPool(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, m := range msgs {
		if err := mail.Queue(ctx, tx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOutboxIsSentOnceBySMTP: what a use case queued is delivered by the
// next pass, in UTF-8 whatever its language, and never again.
func TestOutboxIsSentOnceBySMTP(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	smtpd := mailtest.Start(t)
	queue(t, db, mail.Message{To: "Finance@Example.gov.cn", Subject: "邀请 · تەكلىپ · Invitation", Body: "第一行\nئىككىنچى قۇر\nthird line"},
		mail.Message{To: "b@example.com", Subject: "second", Body: "two"})
	s := mail.NewSender(db.AppPool(t), mail.Server{URL: smtpd.URL, From: "noreply@market.example"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pass, err := s.SendDue(ctx)
	if err != nil || pass.Sent != 2 || pass.Failed != 0 {
		t.Fatalf("first pass: %+v %v", pass, err)
	}
	got := smtpd.Messages()
	if len(got) != 2 {
		t.Fatalf("%d messages received, want 2", len(got))
	}
	first := got[0]
	if first.To != "finance@example.gov.cn" || first.From != "noreply@market.example" ||
		first.Subject != "邀请 · تەكلىپ · Invitation" || first.Body != "第一行\nئىككىنچى قۇر\nthird line" {
		t.Errorf("received %+v", first)
	}
	if pass, err := s.SendDue(ctx); err != nil || pass.Sent != 0 || len(smtpd.Messages()) != 2 {
		t.Errorf("second pass: %+v %v, %d received", pass, err, len(smtpd.Messages()))
	}
}

// TestRefusedMailIsTriedLater: a mail server that refuses keeps the
// message queued, its error recorded, for a later attempt; nothing is
// lost.
func TestRefusedMailIsTriedLater(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	smtpd := mailtest.Start(t)
	smtpd.Refuse(true)
	queue(t, db, mail.Message{To: "a@example.com", Subject: "s", Body: "b"})
	s := mail.NewSender(db.AppPool(t), mail.Server{URL: smtpd.URL, From: "noreply@market.example"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if pass, err := s.SendDue(ctx); err != nil || pass.Failed != 1 || pass.Sent != 0 {
		t.Fatalf("refused pass: %+v %v", pass, err)
	}
	var attempts int
	var lastErr string
	var later bool
	db.Pool.QueryRow(ctx, `SELECT attempts, last_error, next_attempt_at > now() FROM mail_outbox`).Scan(&attempts, &lastErr, &later)
	if attempts != 1 || !strings.Contains(lastErr, "451") || !later {
		t.Errorf("after the refusal: attempts %d, error %q, later %v", attempts, lastErr, later)
	}
	if pass, _ := s.SendDue(ctx); pass.Sent+pass.Failed != 0 {
		t.Errorf("tried again before its time: %+v", pass)
	}
	smtpd.Refuse(false)
	db.Pool.Exec(ctx, `UPDATE mail_outbox SET next_attempt_at = now()`) // its time comes
	if pass, err := s.SendDue(ctx); err != nil || pass.Sent != 1 || len(smtpd.Messages()) != 1 {
		t.Errorf("later pass: %+v %v, %d received", pass, err, len(smtpd.Messages()))
	}
}

// TestQueueRefusesWhatIsNotAnAddress: a header's line break or a display
// name never reaches the outbox.
func TestQueueRefusesWhatIsNotAnAddress(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	for _, to := range []string{"a@example.com\r\nBcc: x@evil.example", "Boss <a@example.com>", "not an address", ""} {
		tx, err := db.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := mail.Queue(ctx, tx, mail.Message{To: to, Subject: "s", Body: "b"}); err == nil {
			t.Errorf("queued a message to %q", to)
		}
		tx.Rollback(ctx)
	}
}

// TestAttachmentIsSentWithItsMessage: a file queued with a message (an
// invoice's PDF) reaches the server whole, beside the text.
func TestAttachmentIsSentWithItsMessage(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	smtpd := mailtest.Start(t)
	pdf := append([]byte("%PDF-1.4\n"), make([]byte, 3000)...)
	for i := range pdf[9:] {
		pdf[9+i] = byte(i)
	}
	queue(t, db, mail.Message{To: "finance@example.gov.cn", Subject: "发票", Body: "附件是发票。",
		Attachment: &mail.Attachment{Name: "发票-12345678.pdf", Type: "application/pdf", Data: pdf}})
	s := mail.NewSender(db.AppPool(t), mail.Server{URL: smtpd.URL, From: "noreply@market.example"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if pass, err := s.SendDue(ctx); err != nil || pass.Sent != 1 {
		t.Fatalf("pass: %+v %v", pass, err)
	}
	got := smtpd.Messages()
	if len(got) != 1 || got[0].Body != "附件是发票。" || len(got[0].Attachments) != 1 {
		t.Fatalf("received %+v", got)
	}
	f := got[0].Attachments[0]
	if f.Name != "发票-12345678.pdf" || f.Type != "application/pdf" || !bytes.Equal(f.Data, pdf) {
		t.Errorf("attachment %q %q, %d bytes (want %d, equal)", f.Name, f.Type, len(f.Data), len(pdf))
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestWithoutAServer: a development site writes its mail to the log and
// counts it sent; any other site keeps it queued until a server is set,
// since working links do not belong in a production log.
func TestWithoutAServer(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		dev  bool
		want string // sent_via, "" for still queued
	}{
		{"development", true, "log"},
		{"production", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := dbtest.New(t)
			queue(t, db, mail.Message{To: "a@example.com", Subject: "s", Body: "https://market.example/account/verify?token=secret"})
			s := mail.NewSender(db.AppPool(t), mail.Server{From: "noreply@market.example", Development: tc.dev}, quiet())
			if _, err := s.SendDue(ctx); err != nil {
				t.Fatal(err)
			}
			var via string
			var attempts int
			db.Pool.QueryRow(ctx, `SELECT coalesce(sent_via, ''), attempts FROM mail_outbox`).Scan(&via, &attempts)
			if via != tc.want || (tc.want == "" && attempts != 0) {
				t.Errorf("sent via %q after %d attempts, want %q", via, attempts, tc.want)
			}
		})
	}
}

// TestPermanentRefusalEndsRetries: a mail server that refuses a recipient
// for good (5xx) is not asked again.
func TestPermanentRefusalEndsRetries(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	smtpd := mailtest.Start(t)
	smtpd.RefuseForGood()
	queue(t, db, mail.Message{To: "gone@example.com", Subject: "s", Body: "b"})
	s := mail.NewSender(db.AppPool(t), mail.Server{URL: smtpd.URL, From: "noreply@market.example"}, quiet())
	if pass, err := s.SendDue(ctx); err != nil || pass.Failed != 1 {
		t.Fatalf("pass: %+v %v", pass, err)
	}
	var never bool
	var lastErr string
	db.Pool.QueryRow(ctx, `SELECT next_attempt_at = 'infinity', last_error FROM mail_outbox`).Scan(&never, &lastErr)
	if !never || !strings.Contains(lastErr, "gave up") || !strings.Contains(lastErr, "550") {
		t.Errorf("after a permanent refusal: never again %v, error %q", never, lastErr)
	}
}

// TestSentMailIsForgottenAfterAMonth: the outbox keeps what it sent, with
// its attachment, for 30 days, then forgets it; what waits is kept.
func TestSentMailIsForgottenAfterAMonth(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	smtpd := mailtest.Start(t)
	queue(t, db, mail.Message{To: "old@example.com", Subject: "old", Body: "b"}, mail.Message{To: "recent@example.com", Subject: "recent", Body: "b"})
	s := mail.NewSender(db.AppPool(t), mail.Server{URL: smtpd.URL, From: "noreply@market.example"}, quiet())
	if _, err := s.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	db.Pool.Exec(ctx, `UPDATE mail_outbox SET sent_at = now() - interval '31 days' WHERE recipient = 'old@example.com'`)
	queue(t, db, mail.Message{To: "waiting@example.com", Subject: "w", Body: "b"})
	smtpd.Refuse(true)
	if _, err := s.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	rows, _ := db.Pool.Query(ctx, `SELECT recipient FROM mail_outbox ORDER BY id`)
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || strings.Join(left, ",") != "recent@example.com,waiting@example.com" {
		t.Errorf("left in the outbox: %v %v", left, err)
	}
}

// TestNoMailInTheClear: a mail server not on the loopback that offers no
// STARTTLS gets no mail (links and invoices are not sent in the clear).
// The server listens on this machine's own network address.
func TestNoMailInTheClear(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	smtpd := mailtest.StartOn(t, networkAddress(t))
	queue(t, db, mail.Message{To: "a@example.com", Subject: "s", Body: "b"})
	s := mail.NewSender(db.AppPool(t), mail.Server{URL: smtpd.URL, From: "noreply@market.example"}, quiet())
	if pass, err := s.SendDue(ctx); err != nil || pass.Failed != 1 || len(smtpd.Messages()) != 0 {
		t.Fatalf("pass %+v %v, %d received", pass, err, len(smtpd.Messages()))
	}
	var lastErr string
	db.Pool.QueryRow(ctx, `SELECT last_error FROM mail_outbox`).Scan(&lastErr)
	if !strings.Contains(lastErr, "STARTTLS") {
		t.Errorf("last error %q", lastErr)
	}
}

// networkAddress is an IPv4 address of this machine other than the
// loopback; the test is skipped on a machine without one.
func networkAddress(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	t.Skip("no network address besides the loopback")
	return ""
}
