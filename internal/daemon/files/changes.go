package files

import (
	"context"
	"fmt"
	"path"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/snapshot"
)

// ContainerChanges lists what the container changed in its rootfs.
func (s *Service) ContainerChanges(ctx context.Context, name string) ([]containertypes.FilesystemChange, error) {
	c, err := s.containers.Container(name)
	if err != nil {
		return nil, err
	}
	ch, err := s.snapshotter.Changes(ctx, c.Layer)
	if err != nil {
		return nil, fmt.Errorf("changes of container %s: %w", c.ID, err)
	}
	out := make([]containertypes.FilesystemChange, 0, len(ch))
	ch = hideMountPoints(ch)
	for _, x := range ch {
		k := containertypes.ChangeModify
		switch x.Kind {
		case snapshot.Added:
			k = containertypes.ChangeAdd
		case snapshot.Deleted:
			k = containertypes.ChangeDelete
		}
		out = append(out, containertypes.FilesystemChange{Kind: k, Path: x.Path})
	}
	return out, nil
}

// runtimeMountPoints are files and dirs the runtime creates in the rootfs
// as mount targets; Docker keeps them in an init layer, so diff never
// shows them and commit leaves them out.
var runtimeMountPoints = map[string]bool{
	"/etc/hostname": true, "/etc/hosts": true, "/etc/resolv.conf": true, "/dev": true, "/proc": true,
	"/sys": true, "/dev/pts": true, "/dev/shm": true, "/dev/mqueue": true, "/dev/console": true,
}

// AddedMountPoints returns the runtime's mount points that the changes ch
// of a writable layer add: what a commit of the layer leaves out.
func AddedMountPoints(ch []snapshot.Change) []string {
	var out []string
	for _, x := range ch {
		if x.Kind == snapshot.Added && runtimeMountPoints[x.Path] {
			out = append(out, x.Path)
		}
	}
	return out
}

// hideMountPoints drops additions of runtime mount points, and a directory
// modification that only they caused.
func hideMountPoints(ch []snapshot.Change) []snapshot.Change {
	var out []snapshot.Change
	children := map[string]int{}
	for _, x := range ch {
		if x.Kind == snapshot.Added && runtimeMountPoints[x.Path] {
			continue
		}
		out = append(out, x)
		children[path.Dir(x.Path)]++
	}
	res := out[:0]
	for _, x := range out {
		if x.Kind == snapshot.Modified && children[x.Path] == 0 && (x.Path == "/etc" || x.Path == "/dev") {
			continue
		}
		res = append(res, x)
	}
	return res
}
