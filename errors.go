package luoshi

import (
	"errors"
	"fmt"
)

// Error codes: the small set every layer maps to (the web layer to HTTP
// status codes, in one place).
const (
	EInvalid   = "invalid"
	ENotFound  = "not_found"
	EForbidden = "forbidden"
	EConflict  = "conflict"
	EInternal  = "internal"
)

// Error is a domain error with a machine-readable code and a message fit for
// the user.
type Error struct {
	Code    string
	Message string
	Err     error // underlying cause, may be nil
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}
