package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Server is where mail is sent: an SMTP server's URL,
// smtp://user:password@host:port (STARTTLS, required but to a server on
// this machine) or smtps://… (TLS from the first byte). Without one, a
// development site (Development: its base URL is on this machine) writes
// each message to the log instead; any other keeps its mail queued until a
// server is configured, since a log is no place for working links.
type Server struct {
	URL         string
	From        string // the sender's address, e.g. noreply@market.example
	Development bool
}

// Sender delivers the outbox.
type Sender struct {
	db     *pgxpool.Pool
	server Server
	log    *slog.Logger
	// Batch is how many messages a pass takes at most.
	Batch int
}

// NewSender returns a sender of db's outbox through server.
func NewSender(db *pgxpool.Pool, server Server, log *slog.Logger) *Sender {
	return &Sender{db: db, server: server, log: log, Batch: 20}
}

// Pass is what one SendDue did.
type Pass struct{ Sent, Failed int }

const (
	// lease is how long a taken message waits before another pass may take
	// it again, so that a sender that dies while sending leaves its
	// messages to others. It is twice the mail job's timeout: a pass ends
	// its sends before its messages can be taken again.
	lease = 10 * time.Minute
	// maxAttempts bounds the retries of a message the server keeps
	// refusing for the time being: about a day of back-offs. A permanent
	// refusal (5xx) ends them at once.
	maxAttempts = 12
	// keepSent is how long a sent message stays in the outbox, with its
	// attachment, for whoever must tell what was sent.
	keepSent = 30 * 24 * time.Hour
)

// SendDue sends the messages due, each taken under a lease in a short
// statement of its own and sent outside any transaction (a mail server may
// take seconds). A message the server refuses for now is tried again
// later, after 1, 2, 4 … minutes, up to six hours apart. It also forgets
// the messages sent more than keepSent ago.
func (s *Sender) SendDue(ctx context.Context) (Pass, error) {
	var pass Pass
	if s.server.URL == "" && !s.server.Development {
		return pass, nil // kept queued until a server is configured
	}
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
	const purge = `DELETE FROM mail_outbox WHERE sent_at < now() - $1::interval`
	if _, err := s.db.Exec(ctx, purge, keepSent.String()); err != nil {
		return pass, fmt.Errorf("purge mail: %w", err)
	}
	return pass, nil
}

type queued struct {
	id       int64
	Message  Message
	attempts int
	created  time.Time
	attached bool // its attachment is read when it is sent (send), not with the batch
}

func (s *Sender) take(ctx context.Context) ([]queued, error) {
	const q = `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = now() + $2::interval
		WHERE id IN (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= now()
			ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING id, recipient, subject, body, attempts, created_at, attachment IS NOT NULL`
	rows, err := s.db.Query(ctx, q, s.Batch, lease.String())
	if err != nil {
		return nil, fmt.Errorf("take mail: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (queued, error) {
		var m queued
		err := r.Scan(&m.id, &m.Message.To, &m.Message.Subject, &m.Message.Body, &m.attempts, &m.created, &m.attached)
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

// retry puts the message back after its back-off, or for good ("infinity")
// once the server refused it for good or maxAttempts times.
func (s *Sender) retry(ctx context.Context, m queued, cause error) error {
	wait := min(time.Minute<<min(m.attempts-1, 9), 6*time.Hour).String()
	msg := cause.Error()
	var proto *textproto.Error
	permanent := errors.As(cause, &proto) && proto.Code >= 500
	giveUp := permanent || m.attempts >= maxAttempts
	if giveUp {
		msg = fmt.Sprintf("gave up after %d attempts: %s", m.attempts, msg)
	}
	if len(msg) > 500 {
		msg = msg[:500]
	}
	const q = `UPDATE mail_outbox SET last_error = $3,
			next_attempt_at = CASE WHEN $4 THEN 'infinity'::timestamptz ELSE now() + $2::interval END
		WHERE id = $1`
	if _, err := s.db.Exec(ctx, q, m.id, wait, msg, giveUp); err != nil {
		return fmt.Errorf("mail %d retry: %w", m.id, err)
	}
	return nil
}

// send delivers one message, by SMTP or, on a development site without a
// server, to the log.
func (s *Sender) send(ctx context.Context, m queued) (string, error) {
	if s.server.URL == "" {
		s.log.Info("mail (development: no MARKET_SMTP_URL)", "to", m.Message.To,
			"subject", m.Message.Subject, "body", m.Message.Body)
		return "log", nil
	}
	if m.attached {
		f := &Attachment{}
		const q = `SELECT attachment_name, attachment_type, attachment FROM mail_outbox WHERE id = $1`
		if err := s.db.QueryRow(ctx, q, m.id).Scan(&f.Name, &f.Type, &f.Data); err != nil {
			return "", fmt.Errorf("mail %d attachment: %w", m.id, err)
		}
		m.Message.Attachment = f
	}
	data := Compose(s.server.From, m.Message, m.created, fmt.Sprintf("%d", m.id))
	return "smtp", deliver(ctx, s.server.URL, s.server.From, m.Message.To, data)
}
