package server

import (
	"errors"
	"net/http"

	"github.com/berth/berth/internal/errdefs"
)

// StatusFromError is the one place where error categories become HTTP status
// codes.
func StatusFromError(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, errdefs.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, errdefs.ErrInvalidParameter):
		return http.StatusBadRequest
	case errors.Is(err, errdefs.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, errdefs.ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, errdefs.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, errdefs.ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, errdefs.ErrNotModified):
		return http.StatusNotModified
	case errors.Is(err, errdefs.ErrNotImplemented):
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

// errorBody is Docker's error response body.
type errorBody struct {
	Message string `json:"message"`
}
