package daemon

import (
	"log/slog"

	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/snapshot"
)

// Daemon is the engine. Fields are owned by the use cases that need them.
type Daemon struct {
	log *slog.Logger

	root     string // --data-root
	execRoot string // --exec-root

	images        *image.Store
	snapshotter   snapshot.Snapshotter
	storageDriver string // "overlay" or "vfs", shown in info
}
