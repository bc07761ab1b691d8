package server

import (
	"errors"
	"net/http"

	"github.com/berth/berth/internal/errdefs"
)

// categoryStatus maps the errdefs categories to HTTP status codes, the
// first category an error is in winning.
var categoryStatus = []struct {
	category error
	status   int
}{
	{errdefs.ErrNotFound, http.StatusNotFound},
	{errdefs.ErrInvalidParameter, http.StatusBadRequest},
	{errdefs.ErrConflict, http.StatusConflict},
	{errdefs.ErrUnavailable, http.StatusServiceUnavailable},
	{errdefs.ErrForbidden, http.StatusForbidden},
	{errdefs.ErrUnauthorized, http.StatusUnauthorized},
	{errdefs.ErrNotModified, http.StatusNotModified},
	{errdefs.ErrNotImplemented, http.StatusNotImplemented},
}

// StatusFromError is the one place where error categories become HTTP status
// codes.
func StatusFromError(err error) int {
	if err == nil {
		return http.StatusOK
	}
	for _, c := range categoryStatus {
		if errors.Is(err, c.category) {
			return c.status
		}
	}
	return http.StatusInternalServerError
}

// errorBody is Docker's error response body.
type errorBody struct {
	Message string `json:"message"`
}
