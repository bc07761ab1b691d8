package snapshot

import (
	"context"
	"errors"
	"io"

	"github.com/berth/berth/internal/mount"
)

// ErrNotImplemented is returned by placeholder bodies until the snapshotter lands.
var ErrNotImplemented = errors.New("snapshot: not implemented")

// ChangeKind is the kind of one filesystem change, as docker diff prints it.
type ChangeKind int

const (
	Modified ChangeKind = iota // C
	Added                      // A
	Deleted                    // D
)

// Change is one path changed in an active snapshot.
type Change struct {
	Path string
	Kind ChangeKind
}

// Snapshotter manages snapshots under one root directory.
type Snapshotter interface {
	Prepare(ctx context.Context, key, parent string) ([]mount.Mount, error)
	View(ctx context.Context, key, parent string) ([]mount.Mount, error)
	Mounts(ctx context.Context, key string) ([]mount.Mount, error)
	Commit(ctx context.Context, name, key string) error
	Remove(ctx context.Context, key string) error
	Exists(ctx context.Context, key string) bool
	Changes(ctx context.Context, key string) ([]Change, error)
	Diff(ctx context.Context, key string) (io.ReadCloser, error)
	// Usage returns the bytes used by the snapshot's own layer.
	Usage(ctx context.Context, key string) (int64, error)
}

// New opens the snapshotter rooted at root and returns the driver name in use
// ("overlay" or "vfs").
func New(root string) (Snapshotter, string, error) { return nil, "", ErrNotImplemented }
