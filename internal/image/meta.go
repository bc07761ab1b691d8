package image

import (
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/reference"
	"github.com/berth/berth/internal/store"
)

// Metadata schema (root/meta.db, a store.DB):
//
//	bucket "images":  image ID (sha256:…) → JSON imageRecord
//	bucket "tags":    normalised reference (docker.io/library/busybox:latest) → image ID (a plain string)
//	bucket "digests": normalised name@digest → image ID (a plain string; RepoDigests, set by pull)
//	bucket "layers":  chain ID → JSON layerRecord
//
// The image config is the content blob named by the image ID; each layer's
// uncompressed tar is the content blob named by its diff ID, and its
// unpacked form is the committed snapshot named by its chain ID. An image
// record is written last, after its config and layers are complete, so that
// a crash never leaves a record pointing at a half-made object; layers and
// snapshots without an image are collected on open.
const (
	bucketImages  = "images"
	bucketTags    = "tags"
	bucketDigests = "digests"
	bucketLayers  = "layers"
)

type imageRecord struct {
	Parent      digest.Digest `json:"parent,omitempty"`
	LastTagTime time.Time     `json:"lastTagTime,omitempty"`
	Loaded      time.Time     `json:"loaded"`
}

type layerRecord struct {
	DiffID digest.Digest `json:"diffID"`
	Parent digest.Digest `json:"parent,omitempty"` // parent chain ID
	Size   int64         `json:"size"`             // unpacked size
}

// getImage reads the record of image id; a missing one is Docker's "No
// such image".
func getImage(tx *store.Tx, id digest.Digest, rec *imageRecord) error {
	err := tx.Get(bucketImages, id.String(), rec)
	if errdefs.IsNotFound(err) {
		return NotFoundError(id.String())
	}
	return err
}

// refBucket is the bucket of the normalised reference key: digests for
// name@digest, tags for the rest.
func refBucket(key string) string {
	if reference.Digest(key) != "" {
		return bucketDigests
	}
	return bucketTags
}

// refsTo returns the references of bucket (tags or digests) that name id,
// in key order.
func refsTo(tx *store.Tx, bucket string, id digest.Digest) []string {
	var out []string
	_ = tx.ForEach(bucket, func(k string, v []byte) error {
		if string(v) == id.String() {
			out = append(out, k)
		}
		return nil
	})
	return out
}
