// Package httperr maps luoshi error codes to HTTP status codes: the one
// place where the domain's errors meet HTTP, shared by the web pages
// (package http) and the system API (package api).
package httperr

import (
	nethttp "net/http"

	"luoshi"
)

// Status returns the HTTP status for err: 400 for invalid input, 404 for
// not found, 403 for forbidden, 409 for a conflict, 500 for anything else.
func Status(err error) int {
	switch luoshi.ErrorCode(err) {
	case luoshi.EInvalid:
		return nethttp.StatusBadRequest
	case luoshi.ENotFound:
		return nethttp.StatusNotFound
	case luoshi.EForbidden:
		return nethttp.StatusForbidden
	case luoshi.EConflict:
		return nethttp.StatusConflict
	}
	return nethttp.StatusInternalServerError
}
