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
	"github.com/berth/berth/internal/server/router/routertest"
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
	rec := httptest.NewRecorder()
	routertest.Handler(New(b).Routes()).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/auth", strings.NewReader(body)))
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
