package compose

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadValidatesAgainstSchema: a compose file that the compose
// specification's schema refuses does not load, with the schema's words
// (the JSON schema library's metaschemas are compiled on first use, not at
// every start of the binary: third_party/README.md).
func TestLoadValidatesAgainstSchema(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown key": "services:\n  web:\n    image: busybox\n    bogus: 1\n",
		"wrong type":  "services:\n  web:\n    image: busybox\n    ports: 80\n",
	} {
		f := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(context.Background(), LoadOptions{Name: "x", ProjectDir: dir, Files: []string{f}})
		if err == nil || !strings.Contains(err.Error(), "services.web") {
			t.Errorf("%s: Load = %v, want the schema's error about services.web", name, err)
		}
	}
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte("services:\n  web:\n    image: busybox\n    ports: [\"80\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), LoadOptions{Name: "x", ProjectDir: dir, Files: []string{ok}}); err != nil {
		t.Errorf("a valid file: %v", err)
	}
}
