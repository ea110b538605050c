// Package errs defines the application's error kinds. Domain packages return
// *Error values (or wrap them with %w); the web layer maps a Kind to an HTTP
// status exactly once, in its error handler.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error the way a client needs to react to it.
type Kind string

const (
	Invalid         Kind = "invalid"         // 400 / 422: the request is malformed or fails validation
	Unauthenticated Kind = "unauthenticated" // 401
	Forbidden       Kind = "forbidden"       // 403
	NotFound        Kind = "not_found"       // 404
	Conflict        Kind = "conflict"        // 409: state does not allow it, out of stock …
	TooLarge        Kind = "too_large"       // 413
	RateLimited     Kind = "rate_limited"    // 429
	Unavailable     Kind = "unavailable"     // 503
	Internal        Kind = "internal"        // 500
)

// Error is an application error with a client-safe message. Message and
// Fields must never contain personal data (names, ID numbers).
type Error struct {
	Kind    Kind
	Message string
	// Fields maps a field name (or "row N: column") to what is wrong with it.
	Fields map[string]string
	// Unprocessable marks validation failures of a well-formed request (422
	// rather than 400).
	Unprocessable bool
	// RetryAfter is the number of seconds a rate-limited client should wait.
	RetryAfter int
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%d fields)", e.Kind, e.Message, len(e.Fields))
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

// E builds an error of kind k with a formatted message.
func E(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Validation returns a 422 error listing field problems.
func Validation(message string, fields map[string]string) *Error {
	return &Error{Kind: Invalid, Message: message, Fields: fields, Unprocessable: true}
}

// KindOf reports the Kind of err, Internal when err is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// FieldErrors collects field-level validation problems in order.
type FieldErrors map[string]string

// Add records a problem for field unless one is already recorded.
func (f FieldErrors) Add(field, reason string) {
	if _, ok := f[field]; !ok {
		f[field] = reason
	}
}

// Err returns a 422 *Error when any problem was recorded, else nil.
func (f FieldErrors) Err(message string) error {
	if len(f) == 0 {
		return nil
	}
	return Validation(message, map[string]string(f))
}
