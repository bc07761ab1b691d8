package dockerfile

import (
	"context"
	"io"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// Image is an image as the builder sees it.
type Image struct {
	ID     string // sha256:…
	Config dockerspec.DockerOCIImageConfig
}

// RunRequest asks the backend to run one RUN step: create a container on
// Image with Config (Cmd is the command, Entrypoint empty), stream its
// output to Out, wait for it and, when it exits 0, commit its changes as a
// new image whose config is Commit. The container is removed in every case.
type RunRequest struct {
	Image     string
	Config    dockerspec.DockerOCIImageConfig // what the process runs with
	Commit    dockerspec.DockerOCIImageConfig // the new image's config
	CreatedBy string
	Network   string // "", "default", "bridge", "host", "none"
	// ExtraHosts are --add-host entries (host:ip) for /etc/hosts.
	ExtraHosts []string
	Out        io.Writer
	// Started is called with the container ID once it exists.
	Started func(id string)
}

// ExitError is a RUN command that exited non-zero.
type ExitError struct {
	Cmd  []string
	Code int
}

// ExitCode returns the command's exit code.
func (e *ExitError) ExitCode() int { return e.Code }

func (e *ExitError) Error() string {
	return "The command '" + joinCmd(e.Cmd) + "' returned a non-zero code: " + itoa(e.Code)
}

// Backend is what the builder needs from the engine.
type Backend interface {
	// GetImage resolves name (a reference or an image ID). With pull set,
	// or when the image is missing, the backend may pull it, writing
	// progress to out.
	GetImage(ctx context.Context, name string, pull bool, out io.Writer) (*Image, error)
	// Run runs a RUN step (see RunRequest) and returns the new image ID;
	// a non-zero exit is an *ExitError.
	Run(ctx context.Context, req RunRequest) (string, error)
	// Mutate prepares a writable copy of image parent ("" for scratch),
	// calls fn with its root directory, and commits the changes as a new
	// image with config cfg.
	Mutate(ctx context.Context, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string, fn func(root string) error) (string, error)
	// View calls fn with a read-only view of image id's root filesystem.
	View(ctx context.Context, id string, fn func(root string) error) error
	// SetConfig makes an image with parent's layers ("" for scratch) and
	// config cfg, adding an empty-layer history entry.
	SetConfig(ctx context.Context, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string) (string, error)
	// Tag points ref at image id.
	Tag(ctx context.Context, id, ref string) error
}
