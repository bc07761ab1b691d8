package container

import (
	"context"
	"io"

	"github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/backend/filters"
)

// Backend is what the container router needs from the daemon.
type Backend interface {
	// ContainerCreate creates a container; ext holds berth's extensions of
	// the HostConfig.
	ContainerCreate(ctx context.Context, name string, req container.CreateRequest, ext backend.ContainerCreateExtensions) (container.CreateResponse, error)
	ContainerStart(ctx context.Context, name string) error
	ContainerStop(ctx context.Context, name, signal string, timeout *int) error
	ContainerRestart(ctx context.Context, name, signal string, timeout *int) error
	ContainerKill(ctx context.Context, name, signal string) error
	ContainerPause(ctx context.Context, name string) error
	ContainerUnpause(ctx context.Context, name string) error
	ContainerRemove(ctx context.Context, name string, force, volumes bool) error
	// ContainerRemoveLink removes the legacy link "PARENT/ALIAS".
	ContainerRemoveLink(ctx context.Context, name string) error
	ContainerRename(ctx context.Context, name, newName string) error
	ContainerList(ctx context.Context, opts backend.ContainerListOptions) ([]container.Summary, error)
	ContainerInspect(ctx context.Context, name string, size bool) (*container.InspectResponse, error)
	// ContainerWait validates name and condition, then returns a channel that
	// yields the result once the condition is met.
	ContainerWait(ctx context.Context, name, condition string) (<-chan container.WaitResponse, error)
	ContainerLogs(ctx context.Context, name string, opts backend.ContainerLogsOptions, open func(tty bool) (stdout, stderr io.Writer)) error
	ContainerAttach(ctx context.Context, name string, opts backend.ContainerAttachOptions) error
	ContainerResize(ctx context.Context, name string, height, width uint) error
	ContainerTop(ctx context.Context, name, psArgs string) (*container.TopResponse, error)
	ContainerChanges(ctx context.Context, name string) ([]container.FilesystemChange, error)
	ContainerExport(ctx context.Context, name string, w io.Writer) error
	ContainerStatPath(ctx context.Context, name, path string) (*backend.ArchiveStat, error)
	ContainerArchivePath(ctx context.Context, name, path string) (io.ReadCloser, *backend.ArchiveStat, error)
	ContainerExtractToDir(ctx context.Context, name, path string, noOverwriteDirNonDir, copyUIDGID bool, content io.Reader) error
	ContainerPrune(ctx context.Context, f filters.Args) (*container.PruneReport, error)
	ContainerCommit(ctx context.Context, name string, opts backend.ContainerCommitOptions) (string, error)
	ContainerUpdate(ctx context.Context, name string, u container.UpdateConfig) (container.UpdateResponse, error)
	// ContainerStats calls emit with one sample, or one a second while
	// stream is set and the container runs.
	ContainerStats(ctx context.Context, name string, stream, oneShot bool, emit func(*container.StatsResponse) error) error
}
