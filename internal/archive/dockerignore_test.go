package archive

import (
	"io/fs"
	"reflect"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TestWalkContext leaves out what .dockerignore excludes, walks into an
// excluded directory only for an exception, and keeps what keep names.
func TestWalkContext(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		".dockerignore": "*.log\nbuild\nvendor\n!vendor/keep\nDockerfile\n",
		"Dockerfile":    "FROM scratch",
		"a.log":         "x",
		"main.go":       "x",
		"build/out":     "x",
		"vendor/keep":   "x",
		"vendor/drop":   "x",
	})
	pm, err := Dockerignore(dir)
	if err != nil || pm == nil {
		t.Fatalf("Dockerignore: %v %v", pm, err)
	}
	var got []string
	keep := func(name string) bool { return name == "Dockerfile" }
	err = WalkContext(dir, pm, keep, func(p, name string, d fs.DirEntry) error {
		got = append(got, name)
		return nil
	})
	want := []string{".dockerignore", "Dockerfile", "main.go", "vendor/keep"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("walked %v (%v), want %v", got, err, want)
	}
	if pm, err := Dockerignore(t.TempDir()); pm != nil || err != nil {
		t.Fatalf("no .dockerignore: %v %v", pm, err)
	}
}
