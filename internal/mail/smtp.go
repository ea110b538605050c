package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

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
	if u.Scheme == "smtp" {
		// STARTTLS is required: a server that does not offer it, or a
		// network that strips the offer, would carry links and invoices in
		// the clear. A server on this machine (a relay, or a test's) is
		// spoken to as it is.
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
				return err
			}
		} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return errors.New("the mail server offers no STARTTLS: mail is not sent in the clear")
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
