package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/store"
)

func open(t *testing.T, dir string) (*Store, *store.DB) {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "meta.db"), Bucket)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(db, filepath.Join(dir, "volumes"))
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return s, db
}

func TestCreateGetListRemove(t *testing.T) {
	dir := t.TempDir()
	s, db := open(t, dir)
	defer db.Close()
	r, err := s.Create("data", "", nil, map[string]string{"a": "b"})
	if err != nil || r.Driver != DriverLocal || r.Anonymous() {
		t.Fatalf("create: %+v %v", r, err)
	}
	if fi, err := os.Stat(s.Path("data")); err != nil || !fi.IsDir() {
		t.Fatalf("data dir: %v", err)
	}
	again, err := s.Create("data", "local", nil, nil)
	if err != nil || again != r {
		t.Fatalf("create of an existing volume must return it: %v", err)
	}
	if _, err := s.Create("data", "local", map[string]string{"type": "tmpfs"}, nil); !errdefs.IsConflict(err) {
		t.Fatalf("create with other options: %v", err)
	}
	anon, err := s.Create("", "", nil, nil)
	if err != nil || len(anon.Name) != 64 || !anon.Anonymous() {
		t.Fatalf("anonymous: %+v %v", anon, err)
	}
	if l := s.List(); len(l) != 2 {
		t.Fatalf("list: %v", l)
	}
	if err := s.Remove("data"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("data"); !errdefs.IsNotFound(err) {
		t.Fatalf("get removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "volumes", "data")); err == nil {
		t.Fatal("data dir left")
	}
	if err := s.Remove("data"); !errdefs.IsNotFound(err) {
		t.Fatalf("remove twice: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	s, db := open(t, dir)
	defer db.Close()
	for _, name := range []string{"a/b", "../x", "x", "-x", ".x", "a b"} {
		_, err := s.Create(name, "", nil, nil)
		if !errdefs.IsInvalidParameter(err) || !strings.Contains(err.Error(), "includes invalid characters") {
			t.Errorf("name %q: %v", name, err)
		}
	}
	for _, opts := range []map[string]string{{"bogus": "1"}, {"device": "/dev/x"}, {"o": "size=1m"}, {"type": "ext4"}} {
		if _, err := s.Create("ok-name", "", opts, nil); !errdefs.IsInvalidParameter(err) {
			t.Errorf("options %v: %v", opts, err)
		}
	}
	if _, err := s.Create("ok-name", "nfs-plugin", nil, nil); !errdefs.IsNotFound(err) {
		t.Errorf("unknown driver: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "volumes")); len(entries) != 0 {
		t.Fatalf("bad input left %v", entries)
	}
}

// TestRepair checks what New does with the traces of interrupted creates
// and removes.
func TestRepair(t *testing.T) {
	dir := t.TempDir()
	s, db := open(t, dir)
	if _, err := s.Create("kept", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("gone", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	root := filepath.Join(dir, "volumes")
	// A create that made its dir but not its record; a remove that set the
	// dir aside; a remove that deleted the dir but not the record.
	if err := os.MkdirAll(filepath.Join(root, "orphan", "_data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, ".rm-old", "_data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, "gone")); err != nil {
		t.Fatal(err)
	}
	s, db = open(t, dir)
	defer db.Close()
	var names []string
	for _, r := range s.List() {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "kept,orphan" {
		t.Fatalf("after repair: %v", names)
	}
	if _, err := os.Stat(filepath.Join(root, ".rm-old")); err == nil {
		t.Fatal("set-aside dir not deleted")
	}
}
