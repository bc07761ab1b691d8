package volume_test

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/volume"
)

func TestVolumeCommands(t *testing.T) {
	f := clitest.New(t)
	f.Handle("POST /volumes/create", clitest.JSON(volume.Volume{Name: "data", Driver: "local"}))
	f.Handle("GET /volumes", clitest.JSON(volume.ListResponse{Volumes: []volume.Volume{{Name: "data", Driver: "local"}, {Name: "cache", Driver: "local"}}}))
	f.Handle("DELETE /volumes/data", clitest.NoContent)
	f.Handle("DELETE /volumes/nosuch", clitest.NotFound("get nosuch: no such volume"))
	f.Handle("POST /volumes/prune", clitest.JSON(volume.PruneReport{VolumesDeleted: []string{"anon1"}, SpaceReclaimed: 0}))

	if out, _, code := f.Run("", "volume", "create", "--label", "a=b", "data"); code != 0 || out != "data\n" {
		t.Fatalf("volume create: %d %q", code, out)
	}
	if body := string(f.Find("POST", "/volumes/create")[0].Body); !strings.Contains(body, `"Name":"data"`) || !strings.Contains(body, `"a":"b"`) {
		t.Fatalf("volume create body %s", body)
	}
	f.WantOut(t, "DRIVER    VOLUME NAME\nlocal     data\nlocal     cache\n", "volume", "ls")
	f.WantOut(t, "data\ncache\n", "volume", "ls", "-q")
	out, errOut, code := f.Run("", "volume", "rm", "data", "nosuch")
	if code != 1 || out != "data\n" || errOut != "Error response from daemon: get nosuch: no such volume\n" {
		t.Fatalf("volume rm: %d %q %q", code, out, errOut)
	}
	f.WantOut(t, "Deleted Volumes:\nanon1\n\nTotal reclaimed space: 0B\n", "volume", "prune", "-f")
}
