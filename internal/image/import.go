package image

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/errdefs"
)

// ImportOptions describes docker import.
type ImportOptions struct {
	Ref      string   // optional repo:tag
	Message  string   // history comment (-m)
	Changes  []string // --change instructions
	Source   string   // "-" or a URL, for the default comment
	OS, Arch string   // platform, default linux/GOARCH
}

// Import creates a one-layer image from a (possibly compressed) tar of a
// root filesystem. A corrupt or truncated tar is errdefs.InvalidParameter
// and leaves nothing behind.
func (s *Store) Import(ctx context.Context, r io.Reader, opts ImportOptions) (digest.Digest, error) {
	s.gcMu.RLock()
	defer s.gcMu.RUnlock()
	var cfg dockerspec.DockerOCIImageConfig
	if err := ApplyChanges(&cfg, opts.Changes); err != nil {
		return "", err
	}
	dr, _, err := archive.DecompressStream(r)
	if err != nil {
		return "", errdefs.InvalidParameter(fmt.Errorf("import: %w", err))
	}
	defer dr.Close()
	br := bufio.NewReader(dr)
	var layer io.Reader = br
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		// Docker imports an empty body as an empty filesystem; store the
		// canonical empty tar so that other tools read the layer.
		layer = bytes.NewReader(make([]byte, 1024))
	} else if err != nil {
		return "", errdefs.InvalidParameter(fmt.Errorf("import: read archive: %w", err))
	}
	diffID, chain, err := s.ApplyLayer(ctx, "", "", layer)
	if err != nil {
		return "", fmt.Errorf("import: %w", err)
	}
	defer s.pin(chain)()
	now := time.Now().UTC()
	comment := opts.Message
	if comment == "" {
		src := opts.Source
		if src == "" {
			src = "-"
		}
		comment = "Imported from " + src
	}
	img := dockerspec.DockerOCIImage{
		Image: ocispec.Image{
			Created:  &now,
			Platform: ocispec.Platform{OS: orDefault(opts.OS, "linux"), Architecture: orDefault(opts.Arch, runtime.GOARCH)},
			RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffID}},
			History:  []ocispec.History{{Created: &now, Comment: comment}},
		},
		Config: cfg,
	}
	return s.createTagged(ctx, img, "", opts.Ref)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
