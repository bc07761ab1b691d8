package daemon

import "github.com/berth/berth/internal/snapshot"

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
