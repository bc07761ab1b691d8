package store

import (
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

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

// TestTxStringsPrefixSequence: plain string values stay as written (the
// image store's tags are raw IDs, not JSON), prefix listing stops at the
// prefix, and a bucket's sequence persists across opens.
func TestTxStringsPrefixSequence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(path, "tags", "ids")
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		for _, k := range []string{"sha256:aa1", "sha256:aa2", "sha256:ab"} {
			if err := tx.Put("ids", k, rec{Name: k}); err != nil {
				return err
			}
		}
		if _, err := tx.NextSequence("seq"); err != nil {
			return err
		}
		return tx.PutString("tags", "busybox:latest", "sha256:aa1")
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = raw.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("tags")).Get([]byte("busybox:latest")); string(v) != "sha256:aa1" {
			t.Errorf("raw tag value %q", v)
		}
		return nil
	})
	raw.Close()
	db, err = Open(path, "tags", "ids")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *Tx) error {
		if v, ok := tx.GetString("tags", "busybox:latest"); !ok || v != "sha256:aa1" {
			t.Errorf("GetString = %q %v", v, ok)
		}
		if _, ok := tx.GetString("tags", "none"); ok {
			t.Error("GetString of a missing key found one")
		}
		if got := tx.KeysWithPrefix("ids", "sha256:aa"); len(got) != 2 || got[0] != "sha256:aa1" || got[1] != "sha256:aa2" {
			t.Errorf("KeysWithPrefix = %v", got)
		}
		var r rec
		if err := tx.Get("ids", "sha256:ab", &r); err != nil || r.Name != "sha256:ab" {
			t.Errorf("Get = %+v %v", r, err)
		}
		return nil
	})
	err = db.Update(func(tx *Tx) error {
		n, err := tx.NextSequence("seq")
		if n != 2 {
			t.Errorf("sequence after reopen = %d, want 2", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
