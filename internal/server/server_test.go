package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/router"
)

type fakeRouter struct{}

func (fakeRouter) Routes() []router.Route {
	return []router.Route{
		{Pattern: "GET /containers/{name}/json", Handler: func(w http.ResponseWriter, r *http.Request) error {
			if r.PathValue("name") == "missing" {
				return errdefs.NotFound(errors.New("No such container: missing"))
			}
			_, err := w.Write([]byte(r.PathValue("name")))
			return err
		}},
	}
}

func TestStatusFromError(t *testing.T) {
	cases := map[error]int{
		errdefs.NotFound(errors.New("x")):                         404,
		fmt.Errorf("wrap: %w", errdefs.Conflict(errors.New("x"))): 409,
		errdefs.InvalidParameter(errors.New("x")):                 400,
		errdefs.Unavailable(errors.New("x")):                      503,
		errdefs.Forbidden(errors.New("x")):                        403,
		errdefs.Unauthorized(errors.New("x")):                     401,
		errdefs.NotImplemented(errors.New("x")):                   501,
		errors.New("plain"):                                       500,
	}
	for err, want := range cases {
		if got := StatusFromError(err); got != want {
			t.Errorf("StatusFromError(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestVersionPrefixAndNegotiation(t *testing.T) {
	s := New(Config{Version: "test"}, fakeRouter{})
	cases := []struct {
		path string
		code int
		body string
	}{
		{"/containers/abc/json", 200, "abc"},
		{"/v1.41/containers/abc/json", 200, "abc"},
		{"/v" + APIVersion + "/containers/abc/json", 200, "abc"},
		{"/v1.99/containers/abc/json", 400, "client version 1.99 is too new. Maximum supported API version is " + APIVersion},
		{"/v1.12/containers/abc/json", 400, "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version"},
		{"/v1.41/containers/missing/json", 404, "No such container: missing"},
		{"/v1.41/nothing", 404, "page not found"},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.code {
			t.Errorf("%s: status %d, want %d", c.path, rec.Code, c.code)
		}
		if rec.Header().Get("Api-Version") != APIVersion || rec.Header().Get("Ostype") != "linux" {
			t.Errorf("%s: headers %v", c.path, rec.Header())
		}
		body := rec.Body.String()
		if c.code != 200 {
			var e struct{ Message string }
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Errorf("%s: body %q: %v", c.path, body, err)
			}
			body = e.Message
		}
		if body != c.body {
			t.Errorf("%s: body %q, want %q", c.path, body, c.body)
		}
	}
}

func TestSplitVersion(t *testing.T) {
	for in, want := range map[string][2]string{
		"/v1.45/info":    {"1.45", "/info"},
		"/info":          {"", "/info"},
		"/volumes/x":     {"", "/volumes/x"},
		"/v1/containers": {"", "/v1/containers"},
	} {
		v, rest := splitVersion(in)
		if v != want[0] || rest != want[1] {
			t.Errorf("splitVersion(%q) = %q %q", in, v, rest)
		}
	}
}

type panicRouter struct{}

func (panicRouter) Routes() []router.Route {
	return []router.Route{{Pattern: "GET /info", Handler: func(w http.ResponseWriter, r *http.Request) error {
		var p *struct{ x int }
		return fmt.Errorf("%d", p.x) // nil dereference
	}}}
}

// TestHandlerPanicIs500: a panicking handler answers 500 with a message,
// logs its stack, and the server goes on serving.
func TestHandlerPanicIs500(t *testing.T) {
	var logBuf bytes.Buffer
	s := New(Config{Version: "test", Log: slog.New(slog.NewTextHandler(&logBuf, nil))}, panicRouter{}, fakeRouter{})
	for range 2 {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/v1.41/info", nil))
		if rec.Code != 500 || !strings.Contains(rec.Body.String(), "internal error in GET /info: panic: runtime error: invalid memory address or nil pointer dereference") {
			t.Fatalf("panic answer: %d %s", rec.Code, rec.Body)
		}
	}
	if !strings.Contains(logBuf.String(), "server_test.go") {
		t.Fatalf("no stack in the log: %s", logBuf.String())
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/v1.41/containers/abc/json", nil))
	if rec.Code != 200 {
		t.Fatalf("after the panic: %d", rec.Code)
	}
}
