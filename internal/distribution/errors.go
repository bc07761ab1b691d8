package distribution

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berth/berth/internal/errdefs"
)

// translate turns a registry error into Docker's wording and an errdefs
// category: a missing manifest is "manifest for X not found: manifest
// unknown", a refused pull "pull access denied for X, …".
func translate(err error, ref string, push bool) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var te *transport.Error
	if !errors.As(err, &te) {
		if errdefs.IsNotFound(err) || errdefs.IsInvalidParameter(err) || errdefs.IsConflict(err) {
			return err
		}
		return errdefs.Unavailable(err)
	}
	codes := map[transport.ErrorCode]bool{}
	var msgs []string
	for _, d := range te.Errors {
		codes[d.Code] = true
		msgs = append(msgs, strings.ReplaceAll(strings.ToLower(string(d.Code)), "_", " ")+": "+d.Message)
	}
	detail := strings.Join(msgs, "; ")
	if detail == "" {
		detail = http.StatusText(te.StatusCode)
	}
	switch {
	case push && (codes[transport.UnauthorizedErrorCode] || codes[transport.DeniedErrorCode] || te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden):
		return errdefs.Forbidden(fmt.Errorf("push access denied for %s: %s", ref, detail))
	case codes[transport.ManifestUnknownErrorCode]:
		return errdefs.NotFound(fmt.Errorf("manifest for %s not found: %s", ref, detail))
	case codes[transport.NameUnknownErrorCode] || codes[transport.UnauthorizedErrorCode] || codes[transport.DeniedErrorCode] ||
		te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden:
		return errdefs.NotFound(fmt.Errorf("pull access denied for %s, repository does not exist or may require 'docker login': %s", ref, detail))
	case te.StatusCode == http.StatusNotFound:
		return errdefs.NotFound(fmt.Errorf("%s: not found: %s", ref, detail))
	}
	return errdefs.Unavailable(fmt.Errorf("%s: %s", ref, detail))
}
