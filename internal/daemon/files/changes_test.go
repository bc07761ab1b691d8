package files

import (
	"testing"

	"github.com/berth/berth/internal/snapshot"
)

type snapshotChange struct {
	path string
	kind snapshot.ChangeKind
}

func toChanges(in []snapshotChange) []snapshot.Change {
	var out []snapshot.Change
	for _, c := range in {
		out = append(out, snapshot.Change{Path: c.path, Kind: c.kind})
	}
	return out
}

func TestHideMountPoints(t *testing.T) {
	in := []snapshotChange{{"/etc", 0}, {"/etc/hosts", 1}, {"/etc/hostname", 1}, {"/tmp", 0}, {"/tmp/x", 1}}
	out := hideMountPoints(toChanges(in))
	if len(out) != 2 || out[0].Path != "/tmp" || out[1].Path != "/tmp/x" {
		t.Fatalf("%+v", out)
	}
}

func TestAddedMountPoints(t *testing.T) {
	in := []snapshotChange{{"/etc", snapshot.Modified}, {"/etc/hosts", snapshot.Added}, {"/proc", snapshot.Modified}, {"/dev", snapshot.Added}, {"/tmp/x", snapshot.Added}}
	got := AddedMountPoints(toChanges(in))
	if len(got) != 2 || got[0] != "/etc/hosts" || got[1] != "/dev" {
		t.Fatalf("%q", got)
	}
}
