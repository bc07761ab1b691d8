package filters

import (
	"reflect"
	"testing"

	"github.com/berth/berth/internal/errdefs"
)

func TestParse(t *testing.T) {
	a, err := Parse(`{"status":{"running":true,"exited":true},"name":{"web":true}}`)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Get("status"), []string{"exited", "running"}) || !a.Has("name") || a.Has("label") {
		t.Fatalf("parsed %v", a)
	}
	b, err := Parse(`{"label":["a=b"]}`)
	if err != nil || !reflect.DeepEqual(b.Get("label"), []string{"a=b"}) {
		t.Fatalf("legacy %v %v", b, err)
	}
	if _, err := Parse(`{bad`); !errdefs.IsInvalidParameter(err) {
		t.Fatalf("bad json: %v", err)
	}
	if err := a.Validate("status"); !errdefs.IsInvalidParameter(err) || err.Error() != "invalid filter 'name'" {
		t.Fatalf("validate: %v", err)
	}
}

func TestAny(t *testing.T) {
	f := Args{"name": {"web", "db"}}
	is := func(want string) func(string) bool { return func(v string) bool { return v == want } }
	if !f.Any("name", is("db")) {
		t.Error("a key given twice must match either value")
	}
	if f.Any("name", is("cache")) {
		t.Error("no value matches cache")
	}
	if !f.Any("id", is("anything")) {
		t.Error("an absent key lets everything through")
	}
}
