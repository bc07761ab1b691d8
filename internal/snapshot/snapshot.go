package snapshot

import (
	"context"
	"errors"
	"io"
	"time"

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

// Kind is the state of a snapshot.
type Kind int

// Snapshot kinds.
const (
	KindActive    Kind = iota // writable, made by Prepare
	KindView                  // read-only, made by View
	KindCommitted             // read-only parent of others, made by Commit
)

// Info describes one snapshot.
type Info struct {
	Key     string
	Parent  string
	Kind    Kind
	Created time.Time
	Size    int64 // own layer size, recorded at commit
}

// TempPrefix starts the keys of scratch snapshots (layer extraction in
// progress). Opening a snapshotter removes active snapshots whose key has
// this prefix: they are what a crash mid-extraction leaves behind.
const TempPrefix = "tmp-"

// Snapshotter manages snapshots under one root directory.
//
// Lifecycle: an image layer is unpacked with Prepare("tmp-…", parentChainID),
// Apply(key, layerTar), Commit(chainID, key); a container's writable layer is
// Prepare(containerID, imageChainID) and mounted from the returned mounts;
// Diff and Changes read what it changed; Remove drops it. Committed
// snapshots with children cannot be removed.
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

	// Apply extracts a layer tar (uncompressed) into the active snapshot key,
	// converting whiteouts for the driver, and returns the bytes read.
	Apply(ctx context.Context, key string, r io.Reader) (int64, error)
	// Stat returns the information on snapshot key (errdefs.NotFound).
	Stat(ctx context.Context, key string) (Info, error)
	// Walk calls fn for every snapshot.
	Walk(ctx context.Context, fn func(Info) error) error
	// Close releases the metadata database.
	Close() error
}

// New opens the snapshotter rooted at root and returns the driver name in use
// ("overlay" or "vfs"): overlay when the kernel and the backing filesystem
// allow it, else the copy driver vfs.
func New(root string) (Snapshotter, string, error) { return NewDriver(root, "") }
