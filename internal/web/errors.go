package web

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/platform/errs"
)

// apiError is the JSON error shape of API.md.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// classify maps any error to a status and the client-safe body, once.
func classify(err error) (int, apiErrorBody, int) {
	var e *errs.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &e):
		return statusOf(e), apiErrorBody{Code: codeOf(e.Kind), Message: e.Message, Fields: e.Fields}, e.RetryAfter
	case errors.As(err, &fe):
		return fe.Code, apiErrorBody{Code: codeForStatus(fe.Code), Message: fe.Message}, 0
	case unavailable(err):
		return http.StatusServiceUnavailable, apiErrorBody{Code: "unavailable", Message: "the service is temporarily unavailable"}, 5
	default:
		return http.StatusInternalServerError, apiErrorBody{Code: "internal", Message: "internal error"}, 0
	}
}

func statusOf(e *errs.Error) int {
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

// handleError is Fiber's error handler: JSON for the API, a page elsewhere.
// It is the one place that logs a failed request's cause.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, body, retry := classify(err)
	if status >= 500 {
		s.Log.Error("request failed", "status", status, "err", err, "method", c.Method(),
			"route", routeOf(c), "request_id", requestIDOf(c))
	}
	if retry > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retry))
	}
	if isAPI(c) {
		return c.Status(status).JSON(apiError{Error: body})
	}
	return s.renderError(c, status, body)
}

func (s *Server) renderError(c *fiber.Ctx, status int, body apiErrorBody) error {
	p := s.page(c, "")
	msg := p.Msg(body.Message)
	if status >= 500 {
		msg = p.T("error.generic")
	} else if m := p.T("error." + strconv.Itoa(status) + ".message"); !strings.HasPrefix(m, "error.") && status != 422 && status != 400 && status != 429 {
		msg = m
	}
	p.Title = p.T("error." + strconv.Itoa(status))
	p.Data = map[string]any{"Status": status, "Title": p.Title, "Message": msg, "RequestID": requestIDOf(c)}
	b, err := s.render.Render("error", p)
	if err != nil {
		return c.Status(status).SendString(http.StatusText(status))
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(b)
}

func isAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return strings.HasPrefix(p, "/api/") || p == "/api" || strings.HasPrefix(p, "/webhooks/")
}

// bindJSON decodes the request body into v; malformed JSON is a 400.
func bindJSON(c *fiber.Ctx, v any) error {
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
	return nil
}

func asErr(err error, target **errs.Error) bool { return errors.As(err, target) }

func itoa(n int) string { return strconv.Itoa(n) }

// ctxT is the context type handlers pass to domain calls.
type ctxT = context.Context

// parseYuanForm reads "12.80" as 1280 fen, exactly (no floats).
func parseYuanForm(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, errors.New("bad amount")
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e12 {
		return 0, errors.New("bad amount")
	}
	f := int64(0)
	if frac != "" {
		for len(frac) < 2 {
			frac += "0"
		}
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, errors.New("bad amount")
		}
	}
	return w*100 + f, nil
}
