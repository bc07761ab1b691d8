package server

import (
	"errors"
	"net/http"

	"github.com/berth/berth/internal/errdefs"
)

// notFoundPage is dockerd's answer for a path no route serves.
func notFoundPage(r *http.Request) error {
	return errdefs.NotFound(errors.New("page not found"))
}
