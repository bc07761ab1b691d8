package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	buildtypes "github.com/moby/moby/api/types/build"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/router/routertest"
)

type fakeBackend struct {
	opts  backend.BuildOptions
	body  string
	steps []string
	err   error
	id    string
}

type exitErr struct{}

func (exitErr) Error() string { return "The command '/bin/sh -c exit 4' returned a non-zero code: 4" }
func (exitErr) ExitCode() int { return 4 }

func (f *fakeBackend) Build(ctx context.Context, body io.Reader, o backend.BuildOptions, out io.Writer, imageID func(string)) error {
	b, _ := io.ReadAll(body)
	f.body, f.opts = string(b), o
	for _, s := range f.steps {
		fmt.Fprint(out, s)
	}
	if f.err != nil {
		return f.err
	}
	imageID(f.id)
	fmt.Fprint(out, "Successfully built x\n")
	return nil
}

func (f *fakeBackend) BuildCachePrune(ctx context.Context, all bool) (*buildtypes.CachePruneReport, error) {
	return &buildtypes.CachePruneReport{CachesDeleted: []string{"a"}, SpaceReclaimed: 5}, nil
}

func serve(t *testing.T, f *fakeBackend, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	routertest.Handler(New(f).Routes()).ServeHTTP(w, httptest.NewRequest(method, target, strings.NewReader(body)))
	return w
}

func TestPostBuildStream(t *testing.T) {
	f := &fakeBackend{steps: []string{"Step 1/1 : FROM busybox\n"}, id: "sha256:abc"}
	w := serve(t, f, "POST", `/build?t=a:1&t=b&dockerfile=df&buildargs={"K":"v","N":null}&labels={"l":"1"}&nocache=1&networkmode=host&extrahosts=h:1.2.3.4`, "CTX")
	want := `{"stream":"Step 1/1 : FROM busybox\n"}` + "\n" + `{"aux":{"ID":"sha256:abc"}}` + "\n" + `{"stream":"Successfully built x\n"}` + "\n"
	if w.Code != 200 || w.Body.String() != want || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
	o := f.opts
	if f.body != "CTX" || strings.Join(o.Tags, ",") != "a:1,b" || o.Dockerfile != "df" || *o.BuildArgs["K"] != "v" || o.BuildArgs["N"] != nil ||
		o.Labels["l"] != "1" || !o.NoCache || o.Network != "host" || o.ExtraHosts[0] != "h:1.2.3.4" {
		t.Errorf("options %+v", o)
	}
}

func TestPostBuildErrors(t *testing.T) {
	// Before any output: an HTTP error.
	w := serve(t, &fakeBackend{err: errdefs.InvalidParameter(errors.New("dockerfile parse error"))}, "POST", "/build", "")
	if w.Code != 400 || !strings.Contains(w.Body.String(), "dockerfile parse error") {
		t.Errorf("early error: %d %q", w.Code, w.Body.String())
	}
	// After output: in the stream, with the RUN step's exit code.
	w = serve(t, &fakeBackend{steps: []string{"Step 1/2 : RUN exit 4\n"}, err: exitErr{}}, "POST", "/build", "")
	want := `{"errorDetail":{"code":4,"message":"The command '/bin/sh -c exit 4' returned a non-zero code: 4"},"error":"The command '/bin/sh -c exit 4' returned a non-zero code: 4"}`
	if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
		t.Errorf("stream error: %d %q", w.Code, w.Body.String())
	}
	// Quiet: the held output is sent with the error.
	w = serve(t, &fakeBackend{steps: []string{"held\n"}, err: errors.New("boom")}, "POST", "/build?q=1", "")
	if !strings.Contains(w.Body.String(), `{"stream":"held\n"}`) || !strings.Contains(w.Body.String(), `"error":"boom"`) {
		t.Errorf("quiet error: %q", w.Body.String())
	}
	for _, q := range []string{"version=2", "platform=windows/amd64", "remote=https://x/y.git", "buildargs={bad"} {
		if w := serve(t, &fakeBackend{}, "POST", "/build?"+q, ""); w.Code != 400 {
			t.Errorf("%s: %d %q", q, w.Code, w.Body.String())
		}
	}
}

func TestPostBuildPrune(t *testing.T) {
	w := serve(t, &fakeBackend{}, "POST", "/build/prune?all=1", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"CachesDeleted":["a"]`) || !strings.Contains(w.Body.String(), `"SpaceReclaimed":5`) {
		t.Errorf("%d %q", w.Code, w.Body.String())
	}
}

func TestPostBuildLocalContextNeedsALocalRootPeer(t *testing.T) {
	// Not over a unix socket: refused, and the backend never called.
	f := &fakeBackend{}
	w := serve(t, f, "POST", "/build?remote=berth-local:///etc", "")
	if w.Code == 200 || !strings.Contains(w.Body.String(), "local build context refused") || f.opts.LocalDir != "" {
		t.Errorf("local context from a non-unix peer: %d %q %+v", w.Code, w.Body.String(), f.opts)
	}
}
