package image

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	imagetypes "github.com/moby/moby/api/types/image"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/router/routertest"
)

type fake struct {
	calls   []string
	loadErr error
	lines   []string
}

func (f *fake) ImageImport(ctx context.Context, src string, body io.Reader, repo, tag, message string, changes []string, platform string) (string, error) {
	b, _ := io.ReadAll(body)
	f.calls = append(f.calls, "import "+src+" "+repo+" "+tag+" "+message+" "+strings.Join(changes, "|")+" "+string(b))
	return "sha256:abc", nil
}
func (f *fake) ImageLoad(ctx context.Context, body io.Reader, quiet bool, progress func(string)) error {
	for _, l := range f.lines {
		progress(l)
	}
	return f.loadErr
}
func (f *fake) ImageSave(ctx context.Context, names []string, w io.Writer) error {
	f.calls = append(f.calls, "save "+strings.Join(names, ","))
	_, err := w.Write([]byte("TAR"))
	return err
}
func (f *fake) ImageList(ctx context.Context, all bool, filters map[string][]string, sharedSize bool) ([]imagetypes.Summary, error) {
	b, _ := json.Marshal(filters)
	f.calls = append(f.calls, "list "+string(b))
	return []imagetypes.Summary{{ID: "sha256:abc"}}, nil
}
func (f *fake) ImageTag(ctx context.Context, name, repo, tag string) error {
	f.calls = append(f.calls, "tag "+name+" "+repo+" "+tag)
	return nil
}
func (f *fake) ImageDelete(ctx context.Context, name string, force, prune bool) ([]imagetypes.DeleteResponse, error) {
	if name == "missing" {
		return nil, errdefs.NotFound(errors.New("No such image: missing"))
	}
	f.calls = append(f.calls, "delete "+name)
	return []imagetypes.DeleteResponse{{Untagged: name}}, nil
}
func (f *fake) ImageHistory(ctx context.Context, name string) ([]imagetypes.HistoryResponseItem, error) {
	f.calls = append(f.calls, "history "+name)
	return nil, nil
}
func (f *fake) ImageInspect(ctx context.Context, name string) (*backend.ImageInspectResponse, error) {
	f.calls = append(f.calls, "inspect "+name)
	return &backend.ImageInspectResponse{InspectResponse: imagetypes.InspectResponse{ID: "sha256:abc"}}, nil
}
func (f *fake) ImagesPrune(ctx context.Context, filters map[string][]string) (*imagetypes.PruneReport, error) {
	f.calls = append(f.calls, "prune")
	return &imagetypes.PruneReport{}, nil
}

func serve(t *testing.T, b Backend) *httptest.Server {
	srv := httptest.NewServer(routertest.Handler(New(b).Routes()))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDispatchNamesWithSlashes(t *testing.T) {
	f := &fake{}
	srv := serve(t, f)
	cases := []struct{ method, path, call string }{
		{"GET", "/images/localhost:5000/app:1/json", "inspect localhost:5000/app:1"},
		{"GET", "/images/busybox/history", "history busybox"},
		{"GET", "/images/a/b/get", "save a/b"},
		{"GET", "/images/get?names=a&names=b:1", "save a,b:1"},
		{"POST", "/images/me/app/tag?repo=x/y&tag=2", "tag me/app x/y 2"},
		{"DELETE", "/images/me/app:1", "delete me/app:1"},
		{"GET", "/images/json?filters=%7B%22dangling%22%3A%7B%22true%22%3Atrue%7D%7D", `list {"dangling":["true"]}`},
		{"GET", "/images/json?filters=%7B%22label%22%3A%5B%22a%22%5D%7D", `list {"label":["a"]}`},
		{"POST", "/images/create?fromSrc=-&repo=r&tag=t&message=m&changes=CMD%20x&changes=ENV%20a%3Db", "import - r t m CMD x|ENV a=b BODY"},
	}
	for _, c := range cases {
		f.calls = nil
		body := ""
		if strings.Contains(c.path, "fromSrc") {
			body = "BODY"
		}
		code, out := do(t, c.method, srv.URL+c.path, body)
		if code >= 300 {
			t.Errorf("%s %s: %d %s", c.method, c.path, code, out)
			continue
		}
		if !reflect.DeepEqual(f.calls, []string{c.call}) {
			t.Errorf("%s %s: calls %q, want %q", c.method, c.path, f.calls, c.call)
		}
	}
	if code, _ := do(t, "GET", srv.URL+"/images/busybox/bogus", ""); code != http.StatusNotFound {
		t.Errorf("unknown action: %d", code)
	}
	if code, _ := do(t, "DELETE", srv.URL+"/images/missing", ""); code != http.StatusNotFound {
		t.Errorf("missing image: %d", code)
	}
	if code, _ := do(t, "POST", srv.URL+"/images/create?fromImage=busybox", ""); code != http.StatusNotImplemented {
		t.Errorf("pull without Puller: %d", code)
	}
	if code, _ := do(t, "GET", srv.URL+"/images/json?filters=notjson", ""); code != http.StatusBadRequest {
		t.Errorf("bad filters: %d", code)
	}
}

func TestLoadStream(t *testing.T) {
	f := &fake{lines: []string{"Loaded image: busybox:latest"}}
	srv := serve(t, f)
	code, out := do(t, "POST", srv.URL+"/images/load", "x")
	if code != 200 || strings.TrimSpace(out) != `{"stream":"Loaded image: busybox:latest\n"}` {
		t.Fatalf("load: %d %q", code, out)
	}
	// An error before any output is a 200 too, the error in the stream, as
	// dockerd answers.
	f.lines, f.loadErr = nil, errdefs.InvalidParameter(errors.New("load: invalid archive"))
	code, out = do(t, "POST", srv.URL+"/images/load", "x")
	if code != 200 || strings.TrimSpace(out) != `{"errorDetail":{"message":"load: invalid archive"},"error":"load: invalid archive"}` {
		t.Fatalf("early error: %d %q", code, out)
	}
	// An error after output ends the stream with errorDetail.
	f.lines = []string{"Loaded image: a:1"}
	code, out = do(t, "POST", srv.URL+"/images/load", "x")
	if code != 200 || !strings.Contains(out, `"errorDetail":{"message":"load: invalid archive"}`) {
		t.Fatalf("late error: %d %q", code, out)
	}
}
