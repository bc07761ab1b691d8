package image

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/errdefs"
)

// Files of a docker-archive (docker save) and of an OCI image layout.
const (
	ManifestFileName     = "manifest.json"
	RepositoriesFileName = "repositories"
	IndexFileName        = "index.json"
	OCILayoutFileName    = "oci-layout"
)

// Annotations Docker and containerd put on index.json entries.
const (
	AnnotationImageName = "io.containerd.image.name"
	AnnotationRefName   = ocispec.AnnotationRefName
)

// ManifestEntry is one image in a docker-archive's manifest.json.
type ManifestEntry struct {
	Config       string                               `json:"Config"`
	RepoTags     []string                             `json:"RepoTags"`
	Layers       []string                             `json:"Layers"`
	LayerSources map[digest.Digest]ocispec.Descriptor `json:"LayerSources,omitempty"`
}

// ParseManifest parses and checks a docker-archive manifest.json: at least
// one entry, each with a config, and only relative paths inside the
// archive.
func ParseManifest(data []byte) ([]ManifestEntry, error) {
	var m []ManifestEntry
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid %s: %w", ManifestFileName, err))
	}
	if len(m) == 0 {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid %s: no images", ManifestFileName))
	}
	for i, e := range m {
		if e.Config == "" {
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid %s: entry %d has no Config", ManifestFileName, i))
		}
		for _, p := range append([]string{e.Config}, e.Layers...) {
			if _, err := archive.CleanEntryName(p); err != nil {
				return nil, errdefs.InvalidParameter(fmt.Errorf("invalid %s: %w", ManifestFileName, err))
			}
		}
		for _, t := range e.RepoTags {
			if strings.TrimSpace(t) == "" {
				return nil, errdefs.InvalidParameter(fmt.Errorf("invalid %s: empty tag", ManifestFileName))
			}
		}
	}
	return m, nil
}

// blobPath returns the path of a blob in an OCI layout.
func blobPath(d digest.Digest) string {
	return "blobs/" + d.Algorithm().String() + "/" + d.Encoded()
}
