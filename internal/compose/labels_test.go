package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestServiceHashAsDockerCompose: the config hashes of the two-tier test
// project are the ones docker compose 2.40.3 prints for it (`docker
// compose -p x config --hash '*'` in integration/testdata/compose2), so
// that neither tool recreates the other's containers.
func TestServiceHashAsDockerCompose(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "integration", "testdata", "compose2"))
	if err != nil {
		t.Fatal(err)
	}
	os.Unsetenv("COMPOSE_FILE")
	p, err := Load(context.Background(), LoadOptions{Name: "x", ProjectDir: dir, Files: []string{filepath.Join(dir, "compose.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"db":  "a4f79fc878e8d1c0eaad111f0292c04c5f0d5d2f793fe9afbf7605f4f47e2621",
		"web": "07dc6b07ba9f239100243fa1cd091f1b781d48eafde1afc61e63924fc89b023c",
	}
	for name, h := range want {
		got, err := ServiceHash(p.Services[name])
		if err != nil || got != h {
			t.Errorf("ServiceHash(%s) = %s, %v; docker compose's is %s", name, got, err, h)
		}
	}
}
