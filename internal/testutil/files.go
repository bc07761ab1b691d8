package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteFiles writes each file of files (a slash-separated name under dir:
// its content) with mode 0644, making the directories on its way.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
