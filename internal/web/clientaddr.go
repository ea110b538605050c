package web

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ClientAddr is the address of the client that sent the request: the
// peer's, or behind a proxy (TrustProxy) the one the proxy added to
// X-Forwarded-For. That is the last address of the header's last line:
// whatever comes before it the client wrote itself (HAProxy's "option
// forwardfor" adds a line after the client's own, nginx's
// $proxy_add_x_forwarded_for appends to the client's list), and the login
// limits, the logs and the personal-data access log must not take a
// client's word for who it is.
func (s *Server) ClientAddr(c *fiber.Ctx) string {
	if s.TrustProxy {
		lines := c.Request().Header.PeekAll(fiber.HeaderXForwardedFor)
		if n := len(lines); n > 0 {
			list := string(lines[n-1])
			last := strings.TrimSpace(list[strings.LastIndexByte(list, ',')+1:])
			if ip := forwardedIP(last); ip != nil {
				return ip.String()
			}
		}
	}
	return c.Context().RemoteIP().String()
}

// forwardedIP is the address of an X-Forwarded-For entry, written bare or,
// by some proxies, with the client's port ("203.0.113.7:51000",
// "[2001:db8::7]:443"); nil when it is neither.
func forwardedIP(entry string) net.IP {
	if ip := net.ParseIP(entry); ip != nil {
		return ip
	}
	if host, _, err := net.SplitHostPort(entry); err == nil {
		return net.ParseIP(host)
	}
	return nil
}
