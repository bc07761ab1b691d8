package image

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	bolt "go.etcd.io/bbolt"
)

// Metadata schema (root/meta.db, bbolt):
//
//	bucket "images":  image ID (sha256:…) → JSON imageRecord
//	bucket "tags":    normalised reference (docker.io/library/busybox:latest) → image ID
//	bucket "digests": normalised name@digest → image ID (RepoDigests, set by pull)
//	bucket "layers":  chain ID → JSON layerRecord
//
// The image config is the content blob named by the image ID; each layer's
// uncompressed tar is the content blob named by its diff ID, and its
// unpacked form is the committed snapshot named by its chain ID. An image
// record is written last, after its config and layers are complete, so that
// a crash never leaves a record pointing at a half-made object; layers and
// snapshots without an image are collected on open.
var (
	bucketImages  = []byte("images")
	bucketTags    = []byte("tags")
	bucketDigests = []byte("digests")
	bucketLayers  = []byte("layers")
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

func getJSON(b *bolt.Bucket, key string, v any) (bool, error) {
	raw := b.Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}
