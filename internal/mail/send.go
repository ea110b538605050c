package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Server is where mail is sent: an SMTP server's URL,
// smtp://user:password@host:port (STARTTLS when the server offers it,
// required with a password) or smtps://… (TLS from the first byte).
// Without one (development) each message is written to the log instead.
type Server struct {
	URL  string
	From string // the sender's address, e.g. noreply@market.example
}

// Sender delivers the outbox.
type Sender struct {
	db     *pgxpool.Pool
	server Server
	log    *slog.Logger
	now    func() time.Time
	// Batch is how many messages a pass takes at most.
	Batch int
}

// NewSender returns a sender of db's outbox through server.
func NewSender(db *pgxpool.Pool, server Server, log *slog.Logger) *Sender {
	return &Sender{db: db, server: server, log: log, now: time.Now, Batch: 50}
}

// Pass is what one SendDue did.
type Pass struct{ Sent, Failed int }

// lease is how long a taken message waits before another pass may take it
// again: a sender that dies while sending leaves its messages to others.
const lease = 5 * time.Minute

// SendDue sends the messages due, each taken under a lease in a short
// transaction of its own and sent outside any transaction (a mail server
// may take seconds). A message the server refuses is tried again later,
// after 1, 2, 4 … minutes, up to six hours apart.
func (s *Sender) SendDue(ctx context.Context) (Pass, error) {
	var pass Pass
	msgs, err := s.take(ctx)
	if err != nil {
		return pass, err
	}
	for _, m := range msgs {
		via, err := s.send(ctx, m)
		if err != nil {
			pass.Failed++
			s.log.Warn("mail not sent", "id", m.id, "attempt", m.attempts, "err", err)
			if err := s.retry(ctx, m, err); err != nil {
				return pass, err
			}
			continue
		}
		pass.Sent++
		if err := s.done(ctx, m.id, via); err != nil {
			return pass, err
		}
	}
	return pass, nil
}

type queued struct {
	id       int64
	Message  Message
	attempts int
	created  time.Time
}

func (s *Sender) take(ctx context.Context) ([]queued, error) {
	const q = `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = now() + $2::interval
		WHERE id IN (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= now()
			ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING id, recipient, subject, body, attempts, created_at, attachment_name, attachment_type, attachment`
	rows, err := s.db.Query(ctx, q, s.Batch, lease.String())
	if err != nil {
		return nil, fmt.Errorf("take mail: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (queued, error) {
		var m queued
		var name, typ *string
		var data []byte
		err := r.Scan(&m.id, &m.Message.To, &m.Message.Subject, &m.Message.Body, &m.attempts, &m.created, &name, &typ, &data)
		if name != nil && typ != nil {
			m.Message.Attachment = &Attachment{Name: *name, Type: *typ, Data: data}
		}
		return m, err
	})
}

func (s *Sender) done(ctx context.Context, id int64, via string) error {
	const q = `UPDATE mail_outbox SET sent_at = now(), sent_via = $2, last_error = NULL WHERE id = $1`
	if _, err := s.db.Exec(ctx, q, id, via); err != nil {
		return fmt.Errorf("mail %d sent: %w", id, err)
	}
	return nil
}

func (s *Sender) retry(ctx context.Context, m queued, cause error) error {
	wait := min(time.Minute<<min(m.attempts-1, 9), 6*time.Hour)
	const q = `UPDATE mail_outbox SET next_attempt_at = now() + $2::interval, last_error = $3 WHERE id = $1`
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	if _, err := s.db.Exec(ctx, q, m.id, wait.String(), msg); err != nil {
		return fmt.Errorf("mail %d retry: %w", m.id, err)
	}
	return nil
}

// send delivers one message, by SMTP or, without a server, to the log.
func (s *Sender) send(ctx context.Context, m queued) (string, error) {
	if s.server.URL == "" {
		s.log.Info("mail (no SMTP server configured: MARKET_SMTP_URL)", "to", m.Message.To,
			"subject", m.Message.Subject, "body", m.Message.Body)
		return "log", nil
	}
	data := Compose(s.server.From, m.Message, m.created, fmt.Sprintf("%d", m.id))
	return "smtp", deliver(ctx, s.server.URL, s.server.From, m.Message.To, data)
}

// Compose renders m as an RFC 5322 message: UTF-8 text in base64, the
// subject encoded for non-ASCII; with an attachment, multipart/mixed.
func Compose(from string, m Message, date time.Time, id string) []byte {
	var b bytes.Buffer
	host := from[strings.LastIndexByte(from, '@')+1:]
	nonce := make([]byte, 6)
	rand.Read(nonce)
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s.%s@%s>\r\nMIME-Version: 1.0\r\n",
		from, m.To, mime.BEncoding.Encode("utf-8", m.Subject), date.Format(time.RFC1123Z), id, hex.EncodeToString(nonce), host)
	text := func() {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		writeBase64(&b, []byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	}
	f := m.Attachment
	if f == nil {
		text()
		return b.Bytes()
	}
	boundary := "=_" + hex.EncodeToString(nonce) + id
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n", boundary, boundary)
	text()
	fmt.Fprintf(&b, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: %s\r\n\r\n",
		boundary, f.Type, mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	writeBase64(&b, f.Data)
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// writeBase64 writes data in base64 lines of 76 characters.
func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

// deliver speaks SMTP to the server of rawURL.
func deliver(ctx context.Context, rawURL, from, to string, data []byte) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("smtp url: %w", err)
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = map[string]string{"smtps": "465"}[u.Scheme]
		if port == "" {
			port = "587"
		}
	}
	d := net.Dialer{Timeout: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	} else {
		conn.SetDeadline(time.Now().Add(time.Minute))
	}
	if u.Scheme == "smtps" {
		conn = tls.Client(conn, &tls.Config{ServerName: host})
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && u.Scheme == "smtp" {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if pw, has := u.User.Password(); has {
		// PlainAuth refuses to send the password without TLS, except to
		// localhost.
		if err := c.Auth(smtp.PlainAuth("", u.User.Username(), pw, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
