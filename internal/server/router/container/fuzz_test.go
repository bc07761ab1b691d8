package container

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/stream"
)

// FuzzCreateDecode sends arbitrary bodies at arbitrary API versions to
// POST /containers/create (decode, version gates, legacy fields) with the
// fake backend: each ends in 201 with a config handed to the backend, or
// in an InvalidParameter error (a 400), never a panic or another error.
func FuzzCreateDecode(f *testing.F) {
	for _, s := range []string{
		`{"Image":"busybox","Cmd":["echo","hi"],"HostConfig":{"NetworkMode":"host","AutoRemove":true}}`,
		`{"Image":"busybox","MacAddress":"02:42:ac:11:00:02","NetworkingConfig":{"EndpointsConfig":{"a":{},"b":{}}}}`,
		`{"Image":"x","Healthcheck":{"Test":["CMD","true"],"StartInterval":1},"HostConfig":{"IpcMode":"","ConsoleSize":[1,2],"PortBindings":{"80/tcp":[{"HostIp":"::1","HostPort":"8080"}]}}}`,
		`{"Image":"x","HostConfig":{"Mounts":[{"Type":"bind","Source":"/a","Target":"/b"}],"Memory":-1}}`,
		`{bad`, ``, `null`, `{"Config":null}`, `[]`,
	} {
		for _, v := range []string{"", "1.24", "1.41", "1.44"} {
			f.Add([]byte(s), v)
		}
	}
	var create func(http.ResponseWriter, *http.Request) error
	for _, r := range New(&fakeBackend{}).Routes() {
		if r.Pattern == "POST /containers/create" {
			create = r.Handler
		}
	}
	if create == nil {
		f.Fatal("no POST /containers/create route")
	}
	f.Fuzz(func(t *testing.T, body []byte, version string) {
		fb := &fakeBackend{}
		var h func(http.ResponseWriter, *http.Request) error
		for _, r := range New(fb).Routes() {
			if r.Pattern == "POST /containers/create" {
				h = r.Handler
			}
		}
		req := httptest.NewRequest(http.MethodPost, "/containers/create?name=n", bytes.NewReader(body))
		req = req.WithContext(stream.WithAPIVersion(req.Context(), version))
		rec := httptest.NewRecorder()
		if err := h(rec, req); err != nil {
			if !errdefs.IsInvalidParameter(err) {
				t.Fatalf("body %q at %q: %v is not an invalid parameter", body, version, err)
			}
			return
		}
		if rec.Code != http.StatusCreated || fb.name != "n" {
			t.Fatalf("body %q at %q: status %d, name %q", body, version, rec.Code, fb.name)
		}
	})
}
