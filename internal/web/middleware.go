package web

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
)

const (
	sessionCookie = "market_session"
	csrfCookie    = "market_csrf" // double-submit token for forms shown to visitors
	langCookie    = "market_lang"
	cartCookie    = "market_cart"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// Request ids need to be unique, not secret: a random prefix per process
// and a counter cost a fraction of reading crypto/rand for every request.
var (
	requestIDPrefix = auth.RandomToken(6) + "-"
	requestIDSeq    atomic.Uint64
)

// requestID takes a sane X-Request-Id from the client or makes one.
func (s *Server) requestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if id == "" || !requestIDPattern.MatchString(id) {
		id = requestIDPrefix + strconv.FormatUint(requestIDSeq.Add(1), 36)
	}
	c.Locals("request_id", id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

// RequestIDOf is the request's id (X-Request-Id), for logs and error pages.
func RequestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals("request_id").(string)
	return id
}

// routeOf is the matched route pattern, bounded in cardinality for metrics:
// requests that matched only middleware count as "unmatched".
func routeOf(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || (r.Path == "/" && c.Path() != "/") {
		return "unmatched"
	}
	return r.Path
}

// instrument turns errors into responses (so the status is known), then logs
// the request and records its metrics.
func (s *Server) instrument(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := s.HandleError(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	// Fiber's strings point into the request's buffers, which the next
	// request on the connection overwrites: a label kept by Prometheus must
	// be a constant or a copy, or the registry ends up with two series of
	// one name.
	method, route := methodLabel(c.Method()), strings.Clone(routeOf(c))
	elapsed := time.Since(start)
	s.metrics.observe(method, route, status, elapsed)
	size := -1 // a streamed body (exports) is not read here: that would buffer it whole
	if !c.Context().IsBodyStream() {
		size = len(c.Response().Body())
	}
	// Typed attributes: no boxing of each value into an interface.
	s.Log.LogAttrs(context.Background(), slog.LevelInfo, "http", slog.String("method", method),
		slog.String("path", c.Path()), slog.String("route", route), slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.Int("bytes", size),
		slog.String("ip", s.ClientAddr(c)), slog.String("request_id", RequestIDOf(c)))
	return nil
}

// deadline gives the request's work a deadline: a slow query or a stuck
// dependency ends with the request instead of holding a connection on.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// securityHeaders sets a strict CSP (everything is self-hosted; Stripe.js is
// allowed on the checkout page by that handler) and the usual hardening.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.overTLS(c) {
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	return c.Next()
}

// locale picks the page language: the cookie set by the switch link, else
// Accept-Language, else Chinese.
func (s *Server) locale(c *fiber.Ctx) error {
	c.Locals("lang", cmp.Or(ChosenLanguage(c), Languages[0]))
	return c.Next()
}

// ChosenLanguage is the language the visitor asked for (the switch link's
// cookie, else Accept-Language), or "" when neither names one the service
// speaks: unlike the page's language, no default is filled in.
func ChosenLanguage(c *fiber.Ctx) string {
	if lang := c.Cookies(langCookie); supported(lang) {
		return lang
	}
	if c.Get(fiber.HeaderAcceptLanguage) == "" {
		return "" // Fiber would answer its first offer
	}
	return AcceptedLanguage(c, "")
}

// AcceptedLanguage is the served language Accept-Language prefers (zh,
// zh-TW … count as zh-CN; ug-CN and ug-Arab as ug), else def.
func AcceptedLanguage(c *fiber.Ctx, def string) string {
	switch c.AcceptsLanguages("zh-CN", "zh", "en", "ug") {
	case "zh-CN", "zh":
		return "zh-CN"
	case "en":
		return "en"
	case "ug":
		return "ug"
	}
	return def
}

func supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// loadActor resolves a bearer token or the session cookie. A broken Redis
// makes visitors anonymous rather than breaking public pages.
func (s *Server) loadActor(c *fiber.Ctx) error {
	if tok, ok := bearer(c); ok {
		a, login, err := s.Auth.ActorForToken(Ctx(c), tok)
		if err != nil {
			return err
		}
		c.Locals("actor", a)
		c.Locals("bearer", tok)
		c.Locals("login", login)
		return c.Next()
	}
	if id := c.Cookies(sessionCookie); id != "" {
		a, sess, err := s.Auth.ActorForSession(Ctx(c), id)
		switch {
		case err == nil:
			c.Locals("actor", a)
			c.Locals("session", sess)
			c.Locals("login", sess.Login)
		case errors.Is(err, auth.ErrNoSession) || errs.Is(err, errs.Unauthenticated):
			s.ClearSessionCookie(c)
		default:
			s.Log.Warn("session store unavailable; serving as visitor", "err", err, "request_id", RequestIDOf(c))
		}
	}
	return c.Next()
}

func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// ActorOf is who sent the request (anonymous for visitors).
func ActorOf(c *fiber.Ctx) auth.Actor {
	a, _ := c.Locals("actor").(auth.Actor)
	return a
}

// SessionOf is the request's browser session, when it came with one.
func SessionOf(c *fiber.Ctx) (auth.Session, bool) {
	s, ok := c.Locals("session").(auth.Session)
	return s, ok
}

var errCSRF = errs.E(errs.Forbidden, "the form has expired, please try again")

// csrf guards unsafe methods of cookie sessions with the session's token
// (header X-CSRF-Token or form field _csrf), and visitors' page forms with a
// double-submit cookie. Bearer clients carry no ambient authority.
func (s *Server) csrf(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return c.Next()
	}
	if _, ok := bearer(c); ok || strings.HasPrefix(c.Path(), "/webhooks/") {
		return c.Next()
	}
	sent := c.Get("X-CSRF-Token")
	if sent == "" {
		sent = c.FormValue("_csrf")
	}
	if sess, ok := SessionOf(c); ok {
		if !tokenEqual(sent, sess.CSRF) {
			return errCSRF
		}
		return c.Next()
	}
	if !IsAPI(c) && !tokenEqual(sent, c.Cookies(csrfCookie)) {
		return errCSRF
	}
	return c.Next()
}

func tokenEqual(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// overTLS reports whether the browser reached the site over https: the
// site's public address says so (a TLS proxy in front need not set
// X-Forwarded-Proto, and a cookie without Secure would then travel in the
// clear if the browser were ever led to http), or the request does.
func (s *Server) overTLS(c *fiber.Ctx) bool {
	return strings.HasPrefix(s.BaseURL, "https://") || c.Protocol() == "https"
}
