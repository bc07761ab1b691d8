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
		"db":  "81724810e7930843394c2b7da51fcee24be8c856897ca0a0616754d38cc7a5b3",
		"web": "4bf8d3d8d79576b81d3bce9918c23bb90a2ded43aeab3d1dc698c770472e6cf8",
	}
	for name, h := range want {
		got, err := ServiceHash(p.Services[name])
		if err != nil || got != h {
			t.Errorf("ServiceHash(%s) = %s, %v; docker compose's is %s", name, got, err, h)
		}
	}
}
