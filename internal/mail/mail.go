// Package mail sends the service's e-mail through an outbox: a use case
// queues a message in its own transaction (Queue), and a background job
// (Sender.SendDue) delivers what is queued by SMTP afterwards, retrying
// with a back-off while the mail server refuses or is down. A message is
// sent at least once; a crash between the SMTP server's acceptance and the
// outbox's update sends it again.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Message is one e-mail: plain text, to one recipient, with at most one
// file attached.
type Message struct {
	To         string
	Subject    string
	Body       string
	Attachment *Attachment
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name string // the file's name as the recipient sees it
	Type string // its media type, e.g. application/pdf
	Data []byte
}

// Queue adds m to the outbox in tx, the transaction of the use case that
// sends it: the message is sent if and only if the use case commits.
func Queue(ctx context.Context, tx pgx.Tx, m Message) error {
	to, err := address(m.To)
	if err != nil {
		return err
	}
	if strings.TrimSpace(m.Subject) == "" || !utf8.ValidString(m.Subject+m.Body) {
		return fmt.Errorf("mail to %s: an empty subject or text that is not UTF-8", to)
	}
	var name, typ *string
	var data []byte
	if f := m.Attachment; f != nil {
		if f.Name == "" || f.Type == "" || strings.ContainsAny(f.Name+f.Type, "\r\n\"") {
			return fmt.Errorf("mail to %s: an attachment without a name and a type", to)
		}
		name, typ, data = &f.Name, &f.Type, f.Data
	}
	const q = `INSERT INTO mail_outbox (recipient, subject, body, attachment_name, attachment_type, attachment)
		VALUES ($1, $2, $3, $4, $5, $6)`
	if _, err := tx.Exec(ctx, q, to, m.Subject, m.Body, name, typ, data); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

// ErrNotAnAddress refuses a recipient that is not an e-mail address alone.
var ErrNotAnAddress = errors.New("not an e-mail address")

// address is an e-mail address alone ("a@b.example"), lower-cased, or an
// error: the outbox never holds a display name or a header's line break.
func address(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(s) || strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("mail: %q: %w", s, ErrNotAnAddress)
	}
	return strings.ToLower(a.Address), nil
}
