package testutil

import (
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/store"
)

// OpenStore opens a metadata store with buckets in a fresh temporary
// directory, closed when the test ends.
func OpenStore(t testing.TB, buckets ...string) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "db"), buckets...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
