package web

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"syscall"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/platform/errs"
)

// APIError is the JSON error shape every API answer of 400 and above has.
type APIError struct {
	Error ErrorBody `json:"error"`
}

type ErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Classify maps any error to a status and the client-safe body, once.
func Classify(err error) (int, ErrorBody, int) {
	var e *errs.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &e):
		return StatusOf(e), ErrorBody{Code: codeOf(e.Kind), Message: e.Message, Fields: e.Fields}, e.RetryAfter
	case errors.As(err, &fe):
		return fe.Code, ErrorBody{Code: codeForStatus(fe.Code), Message: fe.Message}, 0
	case unavailable(err):
		return http.StatusServiceUnavailable, ErrorBody{Code: "unavailable", Message: "the service is temporarily unavailable"}, 5
	default:
		return http.StatusInternalServerError, ErrorBody{Code: "internal", Message: "internal error"}, 0
	}
}

func StatusOf(e *errs.Error) int {
	switch e.Kind {
	case errs.Invalid:
		if e.Unprocessable {
			return http.StatusUnprocessableEntity
		}
		return http.StatusBadRequest
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.RateLimited:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func codeOf(k errs.Kind) string {
	if k == errs.TooLarge {
		return "too_large"
	}
	return string(k)
}

func codeForStatus(status int) string {
	switch status {
	case 401:
		return "unauthenticated"
	case 403:
		return "forbidden"
	case 404:
		return "not_found"
	case 409:
		return "conflict"
	case 413:
		return "too_large"
	case 429:
		return "rate_limited"
	case 503:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "invalid"
}

// unavailable reports errors caused by a dependency being down, which the
// client may retry: 503 rather than 500.
func unavailable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) ||
		strings.Contains(err.Error(), "closed pool") || strings.Contains(err.Error(), "connection refused")
}

// HandleError is Fiber's error handler: JSON for the API, a page elsewhere.
// It is the one place that logs a failed request's cause.
func (s *Server) HandleError(c *fiber.Ctx, err error) error {
	status, body, retry := Classify(err)
	if status >= 500 {
		s.Log.Error("request failed", "status", status, "err", err, "method", c.Method(),
			"route", routeOf(c), "request_id", RequestIDOf(c))
	}
	if retry > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retry))
	}
	if IsAPI(c) {
		return c.Status(status).JSON(APIError{Error: s.localizeAPIError(c, body)})
	}
	return s.renderError(c, status, body)
}

// localizeAPIError translates an API error's message and field messages
// into the language Accept-Language prefers, when it prefers Chinese or
// Uyghur; without the header, or preferring English, they stay English.
func (s *Server) localizeAPIError(c *fiber.Ctx, body ErrorBody) ErrorBody {
	if c.Get(fiber.HeaderAcceptLanguage) == "" {
		return body
	}
	lang := AcceptedLanguage(c, "en")
	if lang == "en" {
		return body
	}
	p := Page{Lang: lang}
	s.render.localize(&p)
	body.Message = TrMsg(p, body.Message)
	if len(body.Fields) > 0 {
		fields := make(map[string]string, len(body.Fields))
		for k, v := range body.Fields {
			fields[k] = TrMsg(p, v)
		}
		body.Fields = fields
	}
	return body
}

// ErrorView is the error page's data.
type ErrorView struct {
	Status                    int
	Title, Message, RequestID string
}

func (s *Server) renderError(c *fiber.Ctx, status int, body ErrorBody) error {
	p := s.Page(c, "")
	msg := p.Msg(body.Message)
	if status >= 500 {
		msg = p.T("error.generic")
	} else if m := p.T("error." + strconv.Itoa(status) + ".message"); !strings.HasPrefix(m, "error.") && status != 422 && status != 400 && status != 429 {
		msg = m
	}
	p.Title = p.T("error." + strconv.Itoa(status))
	p.Data = ErrorView{Status: status, Title: p.Title, Message: msg, RequestID: RequestIDOf(c)}
	b, err := s.render.Render("error", p)
	if err != nil {
		return c.Status(status).SendString(http.StatusText(status))
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(b)
}

// IsAPI tells API requests (JSON errors) from pages (the HTML error page).
func IsAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return strings.HasPrefix(p, "/api/") || p == "/api" || strings.HasPrefix(p, "/webhooks/")
}

// RequireJSON lets through only a body declared JSON (Content-Type
// application/json), for the API's calls that a visitor makes and that set
// the session cookie (login, registration), which no CSRF token guards: a
// cross-site HTML form can post them a JSON body as text/plain without a
// preflight and sign the visitor's browser in to an account of its
// choosing, whereas a cross-site application/json request needs a CORS
// preflight that this server never grants.
func RequireJSON(c *fiber.Ctx) error {
	if !c.Is("json") {
		return errs.E(errs.Invalid, "the body must be JSON (Content-Type: application/json)")
	}
	return c.Next()
}

// BindJSON decodes the request body into v; malformed JSON is a 400, and so
// is a string holding control characters other than tabs and line breaks
// (\u0000 …), named by its JSON path.
func BindJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(strings.TrimSpace(string(body))) == 0 {
		return errs.E(errs.Invalid, "request body is empty; expected JSON")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &errs.Error{Kind: errs.Invalid, Message: "malformed JSON",
				Fields: map[string]string{te.Field: "has the wrong type, expected " + te.Type.String()}}
		}
		return errs.E(errs.Invalid, "malformed JSON: %v", err)
	}
	if bad := badJSONString(reflect.ValueOf(v), ""); bad != "" {
		return controlError(bad)
	}
	return nil
}
