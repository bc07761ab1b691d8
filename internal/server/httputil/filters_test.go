package httputil

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/errdefs"
)

// TestPruneFilters: a prune handler gets the request's filters and
// answers its report as JSON; a key not accepted and a malformed value are
// invalid parameters, and prune does not run.
func TestPruneFilters(t *testing.T) {
	req := func(f string) *http.Request {
		return httptest.NewRequest("POST", "/x/prune?filters="+url.QueryEscape(f), nil)
	}
	var got filters.Args
	prune := func(_ context.Context, f map[string][]string) (map[string]int, error) {
		got = f
		return map[string]int{"SpaceReclaimed": 3}, nil
	}
	w := httptest.NewRecorder()
	if err := Prune(w, req(`{"label":{"a=b":true}}`), prune, "label"); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"SpaceReclaimed":3}` || got.Get("label")[0] != "a=b" {
		t.Fatalf("answer %d %q, filters %v", w.Code, w.Body, got)
	}
	got = nil
	for _, f := range []string{`{"until":{"1h":true}}`, `{bad`} {
		if err := Prune(httptest.NewRecorder(), req(f), prune, "label"); !errdefs.IsInvalidParameter(err) || got != nil {
			t.Errorf("filters %s: %v (prune ran: %v)", f, err, got != nil)
		}
	}
	if _, err := Filters(req(`{"any":{"x":true}}`)); err != nil {
		t.Errorf("no accepted list: %v", err)
	}
}

// TestObject gives the fields of a struct as JSON and refuses a non-object.
func TestObject(t *testing.T) {
	m, ok := Object(struct{ A int }{1})
	if !ok || string(m["A"]) != "1" {
		t.Fatalf("Object = %v %v", m, ok)
	}
	if _, ok := Object([]int{1}); ok {
		t.Fatal("a list is not an object")
	}
}

// TestReadJSON: an empty body, sized or streamed, leaves the value as it
// was; a malformed or truncated one is an invalid parameter.
func TestReadJSON(t *testing.T) {
	body := func(s string, length int64) *http.Request {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(s))
		r.ContentLength = length
		return r
	}
	v := map[string]int{"kept": 1}
	for _, r := range []*http.Request{body("", 0), body("", -1)} {
		if err := ReadJSON(r, &v); err != nil || v["kept"] != 1 {
			t.Fatalf("empty body: %v %v", v, err)
		}
	}
	if err := ReadJSON(body(`{"a":2}`, -1), &v); err != nil || v["a"] != 2 {
		t.Fatalf("streamed body: %v %v", v, err)
	}
	for _, s := range []string{`{"a":`, `[1]`, `nope`} {
		if err := ReadJSON(body(s, int64(len(s))), &v); !errdefs.IsInvalidParameter(err) {
			t.Errorf("body %q: %v", s, err)
		}
	}
}
