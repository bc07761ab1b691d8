package image

import (
	"errors"
	"sync"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/content"
	"github.com/berth/berth/internal/snapshot"
	"github.com/berth/berth/internal/store"
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

	Parent      digest.Digest // image this one was committed or built on ("" if none)
	LastTagTime time.Time
}

// ChainID returns the chain ID of the top layer: the snapshot a container's
// writable layer is prepared on ("" for an image without layers).
func (i *Image) ChainID() string {
	ids := ChainIDs(i.Config.RootFS.DiffIDs)
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1].String()
}

// CommitOptions describes a commit of a container's writable layer.
type CommitOptions struct {
	Ref     string // optional repo:tag for the new image
	Author  string
	Comment string
	Config  *dockerspec.DockerOCIImageConfig // the container's config, after --change

	// CreatedBy is the history line (docker commit uses the container's
	// command, docker build the instruction).
	CreatedBy string
	// Exclude lists absolute paths left out of the new layer: the mount
	// points the engine created in the writable layer (/etc/hostname,
	// /etc/hosts, /etc/resolv.conf, volume targets), which Docker keeps in
	// a separate init layer.
	Exclude []string
	// AfterLayer, when set, runs once the layer is stored and before the
	// image record is written (a seam for crash tests).
	AfterLayer func()
}

// Store is the image store. Its metadata lives in one bbolt file
// (root/meta.db, schema in meta.go), configs and layer tars in the content
// store, unpacked layers in the snapshotter under their chain IDs.
type Store struct {
	root    string
	db      *store.DB
	content *content.Store
	sn      snapshot.Snapshotter

	// gcMu keeps GC out while images are being made: Import, Load and
	// Commit hold it shared, GC exclusively.
	gcMu   sync.RWMutex
	mu     sync.Mutex            // serialises changes of images, tags and layers
	pinned map[digest.Digest]int // chain IDs of layers being made into images; GC keeps them
}
