package registry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/registry"

	"github.com/berth/berth/internal/errdefs"
)

type fake struct{ got registry.AuthConfig }

func (f *fake) RegistryLogin(_ context.Context, cfg registry.AuthConfig) (string, string, error) {
	f.got = cfg
	if cfg.Password != "right" {
		return "", "", errdefs.Forbidden(errors.New("login attempt failed"))
	}
	return "Login Succeeded", "", nil
}

func serve(t *testing.T, b Backend, body string) (int, string) {
	t.Helper()
	r := New(b).Routes()[0]
	req := httptest.NewRequest(http.MethodPost, "/auth", strings.NewReader(body))
	rec := httptest.NewRecorder()
	if err := r.Handler(rec, req); err != nil {
		switch {
		case errdefs.IsInvalidParameter(err):
			return http.StatusBadRequest, err.Error()
		case errors.Is(err, errdefs.ErrForbidden):
			return http.StatusForbidden, err.Error()
		}
		return http.StatusInternalServerError, err.Error()
	}
	return rec.Code, rec.Body.String()
}

func TestPostAuth(t *testing.T) {
	f := &fake{}
	code, body := serve(t, f, `{"username":"u","password":"right","serveraddress":"127.0.0.1:5000"}`)
	if code != http.StatusOK || !strings.Contains(body, `"Status":"Login Succeeded"`) || f.got.ServerAddress != "127.0.0.1:5000" || f.got.Username != "u" {
		t.Fatalf("%d %s %+v", code, body, f.got)
	}
	if code, _ := serve(t, f, `{"username":"u","password":"wrong"}`); code != http.StatusForbidden {
		t.Fatalf("wrong password: %d", code)
	}
	if code, _ := serve(t, f, `{`); code != http.StatusBadRequest {
		t.Fatalf("bad body: %d", code)
	}
}
