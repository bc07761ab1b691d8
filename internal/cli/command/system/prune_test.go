package system_test

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
)

func TestPrunes(t *testing.T) {
	f := clitest.New(t)
	f.Handle("POST /containers/prune", clitest.JSON(container.PruneReport{ContainersDeleted: []string{"aaa", "bbb"}, SpaceReclaimed: 2048}))
	f.Handle("POST /images/prune", clitest.JSON(image.PruneReport{ImagesDeleted: []image.DeleteResponse{{Untagged: "x:1"}, {Deleted: "sha256:ccc"}}, SpaceReclaimed: 1000}))
	out, _, code := f.Run("", "container", "prune", "-f")
	if code != 0 || out != "Deleted Containers:\naaa\nbbb\n\nTotal reclaimed space: 2.048kB\n" {
		t.Fatalf("container prune: %d %q", code, out)
	}
	f.WantOut(t, "Deleted Images:\nuntagged: x:1\ndeleted: sha256:ccc\n\nTotal reclaimed space: 1kB\n", "image", "prune", "-a", "-f")
	if q := f.Find("POST", "/images/prune")[0].Query; !strings.Contains(q, "dangling") || !strings.Contains(q, "false") {
		t.Fatalf("image prune -a query %q", q)
	}
	// Without -f the user is asked; "n" aborts without calling the API.
	out, _, code = f.Run("n\n", "container", "prune")
	if code != 0 || out != "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] " || len(f.Find("POST", "/containers/prune")) != 1 {
		t.Fatalf("prune declined: %d %q", code, out)
	}
	out, _, _ = f.Run("y\n", "system", "prune")
	if !strings.Contains(out, "Deleted Containers:\naaa\nbbb\n") || !strings.Contains(out, "Deleted Images:\n") || !strings.HasSuffix(out, "Total reclaimed space: 3.048kB\n") {
		t.Fatalf("system prune: %q", out)
	}
}

// TestPruneSections checks the network, volume and build cache sections of
// system prune (each kind's own prune function) and builder prune's report,
// which has no blank line after its list.
func TestPruneSections(t *testing.T) {
	f := clitest.New(t)
	f.Handle("POST /containers/prune", clitest.JSON(map[string]any{}))
	f.Handle("POST /images/prune", clitest.JSON(map[string]any{}))
	f.Handle("POST /networks/prune", clitest.JSON(map[string]any{"NetworksDeleted": []string{"n1"}}))
	f.Handle("POST /volumes/prune", clitest.JSON(map[string]any{"VolumesDeleted": []string{"v1"}, "SpaceReclaimed": 1000}))
	f.Handle("POST /build/prune", clitest.JSON(map[string]any{"CachesDeleted": []string{"c1"}, "SpaceReclaimed": 24}))
	out, _, code := f.Run("", "system", "prune", "-f", "--volumes", "--filter", "label=a=b")
	want := "Deleted Networks:\nn1\n\nDeleted Volumes:\nv1\n\nDeleted build cache objects:\nc1\n\nTotal reclaimed space: 1.024kB\n"
	if code != 0 || out != want {
		t.Fatalf("system prune: %d %q, want %q", code, out, want)
	}
	for _, p := range []string{"/networks/prune", "/volumes/prune", "/build/prune"} {
		if r := f.Find("POST", p); len(r) != 1 || !strings.Contains(r[0].Query, "label") {
			t.Fatalf("%s: requests %+v, want one with the filter", p, r)
		}
	}
	out, _, code = f.Run("", "builder", "prune", "-f")
	if want := "Deleted build cache objects:\nc1\nTotal reclaimed space: 24B\n"; code != 0 || out != want {
		t.Fatalf("builder prune: %d %q, want %q", code, out, want)
	}
	if q := f.Find("POST", "/build/prune")[1].Query; strings.Contains(q, "filters") {
		t.Fatalf("builder prune sent filters: %q", q)
	}
}
