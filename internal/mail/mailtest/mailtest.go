// Package mailtest is an SMTP server for tests: it accepts every message
// (or, while Refuse is set, refuses recipients with a temporary error) and
// keeps what it received, decoded.
package mailtest

import (
	"bufio"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
)

// Received is one message as the server got it.
type Received struct {
	From, To    string // the envelope
	Subject     string // decoded
	Body        string // decoded text
	Attachments []Attachment
	Raw         string
}

// Attachment is a file a message carried, decoded.
type Attachment struct {
	Name, Type string
	Data       []byte
}

// Server is a running SMTP server on 127.0.0.1.
type Server struct {
	URL string // smtp://127.0.0.1:port

	ln     net.Listener
	mu     sync.Mutex
	got    []Received
	refuse string // the answer to RCPT TO while refusing, "" when accepting
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(tb testing.TB) *Server { tb.Helper(); return StartOn(tb, "127.0.0.1") }

// StartOn runs a server on the address ip until the test ends.
func StartOn(tb testing.TB, ip string) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{URL: "smtp://" + ln.Addr().String(), ln: ln}
	var wg sync.WaitGroup
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); s.serve(conn) }()
		}
	}()
	tb.Cleanup(func() { ln.Close(); wg.Wait() })
	return s
}

// Refuse makes the server refuse recipients for the time being (true: 451)
// or accept them (false).
func (s *Server) Refuse(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = map[bool]string{true: "451 4.3.0 try again later"}[on]
}

// RefuseForGood makes the server refuse recipients permanently (550).
func (s *Server) RefuseForGood() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = "550 5.1.1 no such mailbox"
}

// Messages is what the server has accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...)
}

func (s *Server) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) { io.WriteString(conn, line+"\r\n") }
	say("220 mailtest ESMTP")
	var from, to string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-mailtest")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			from = envelope(line)
			say("250 OK")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			s.mu.Lock()
			refuse := s.refuse
			s.mu.Unlock()
			if refuse != "" {
				say(refuse)
				continue
			}
			to = envelope(line)
			say("250 OK")
		case cmd == "DATA":
			say("354 end with <CRLF>.<CRLF>")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.got = append(s.got, decode(from, to, data.String()))
			s.mu.Unlock()
			say("250 OK queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 OK")
		}
	}
}

func envelope(line string) string {
	_, rest, _ := strings.Cut(line, ":")
	addr, _, _ := strings.Cut(strings.TrimSpace(rest), " ") // parameters such as BODY=8BITMIME follow
	return strings.Trim(addr, "<>")
}

func decode(from, to, raw string) Received {
	got := Received{From: from, To: to, Raw: raw}
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		return got
	}
	got.Subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	media, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if !strings.HasPrefix(media, "multipart/") {
		got.Body = strings.ReplaceAll(text(m.Header.Get("Content-Transfer-Encoding"), m.Body), "\r\n", "\n")
		return got
	}
	parts := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := parts.NextRawPart()
		if err != nil {
			return got
		}
		if _, disp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition")); disp["filename"] != "" {
			typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			got.Attachments = append(got.Attachments, Attachment{Name: disp["filename"], Type: typ,
				Data: []byte(text(p.Header.Get("Content-Transfer-Encoding"), p))})
			continue
		}
		got.Body = strings.ReplaceAll(text(p.Header.Get("Content-Transfer-Encoding"), p), "\r\n", "\n")
	}
}

// text is a part's content, base64 decoded when it says so.
func text(encoding string, r io.Reader) string {
	body, _ := io.ReadAll(r)
	if strings.EqualFold(encoding, "base64") {
		body, _ = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(body)))
	}
	return string(body)
}
