package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestServiceHashAsDockerCompose: the config hashes of a project are the
// ones docker compose 2.40.3 prints for it (`docker compose -p x config
// --hash '*'` in testdata/hash), so that neither tool recreates the
// other's containers. The project names no host path, so the hashes do
// not depend on where the repository lies; the integration tests check the
// same on the two-tier project, bind mounts included, against the plugin.
func TestServiceHashAsDockerCompose(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "hash"))
	if err != nil {
		t.Fatal(err)
	}
	os.Unsetenv("COMPOSE_FILE")
	p, err := Load(context.Background(), LoadOptions{Name: "x", ProjectDir: dir, Files: []string{filepath.Join(dir, "compose.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"db":  "c10821672e9d13b47b42f36b0d2fb0a88fdf9013753fc0df765b20a780248709",
		"web": "5e5986f2645ea5af31efd344d16c7b91d8092fd5019bffc5fbaa14c4471cc30b",
	}
	for name, h := range want {
		got, err := ServiceHash(p.Services[name])
		if err != nil || got != h {
			t.Errorf("ServiceHash(%s) = %s, %v; docker compose's is %s", name, got, err, h)
		}
	}
}
