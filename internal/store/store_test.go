package store

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/errdefs"
)

type rec struct {
	Name string
	N    int
}

func TestPutGetDelete(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "m.db"), "c")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Put("c", "a", rec{"x", 1}); err != nil {
		t.Fatal(err)
	}
	var r rec
	if err := db.Get("c", "a", &r); err != nil || r.Name != "x" || r.N != 1 {
		t.Fatalf("get = %+v, %v", r, err)
	}
	if err := db.Delete("c", "a"); err != nil {
		t.Fatal(err)
	}
	if err := db.Get("c", "a", &r); !errdefs.IsNotFound(err) {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestUpdateIsAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(path, "c")
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = db.Update(func(tx *Tx) error {
		if err := tx.Put("c", "a", rec{"a", 1}); err != nil {
			return err
		}
		if !tx.Exists("c", "a") {
			t.Error("put not visible inside its transaction")
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update err = %v", err)
	}
	var r rec
	if err := db.Get("c", "a", &r); !errdefs.IsNotFound(err) {
		t.Fatalf("rolled back record is visible: %+v %v", r, err)
	}
	if err := db.Update(func(tx *Tx) error {
		if err := tx.Put("c", "a", rec{"a", 1}); err != nil {
			return err
		}
		return tx.Put("c", "b", rec{"b", 2})
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, "c")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var keys []string
	if err := db.ForEach("c", func(k string, _ []byte) error { keys = append(keys, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != "a" || keys[1] != "b" {
		t.Fatalf("keys after reopen = %v", keys)
	}
}
