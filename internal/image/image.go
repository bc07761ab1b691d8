package image

import (
	"context"
	"errors"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
)

// ErrNotImplemented is returned by placeholder bodies until the store lands.
var ErrNotImplemented = errors.New("image: not implemented")

// Image is one image in the store.
type Image struct {
	ID          digest.Digest // sha256 of the config blob, as Docker's image ID
	RepoTags    []string      // normalised: docker.io/library/busybox:latest
	RepoDigests []string
	Config      dockerspec.DockerOCIImage
	Created     time.Time
	Size        int64 // sum of the uncompressed layer sizes
}

// ChainID returns the chain ID of the top layer: the snapshot a container's
// writable layer is prepared on ("" for an image without layers).
func (i *Image) ChainID() string { return "" }

// CommitOptions describes a commit of a container's writable layer.
type CommitOptions struct {
	Ref     string // optional repo:tag for the new image
	Author  string
	Comment string
	Config  *dockerspec.DockerOCIImageConfig // the container's config, after --change
}

// Store is the image store.
type Store struct{}

// Get resolves a reference or an (abbreviated) image ID.
func (s *Store) Get(ctx context.Context, refOrID string) (*Image, error) {
	return nil, ErrNotImplemented
}

// Commit creates an image from the active snapshot key on top of parent.
func (s *Store) Commit(ctx context.Context, snapshotKey string, parent digest.Digest, opts CommitOptions) (digest.Digest, error) {
	return "", ErrNotImplemented
}
