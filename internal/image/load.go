package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/reference"
)

// LoadedImage is one image Load created.
type LoadedImage struct {
	ID   digest.Digest
	Tags []string // normalised
}

// Load reads a docker-archive or OCI layout tar (plain, gzip, bzip2, xz or
// zstd) and creates its images. progress, if set, receives Docker's lines
// ("Loaded image: busybox:latest"). A corrupt archive is
// errdefs.InvalidParameter; images already created stay, nothing half-made
// does.
func (s *Store) Load(ctx context.Context, r io.Reader, progress func(string)) ([]LoadedImage, error) {
	s.gcMu.RLock()
	defer s.gcMu.RUnlock()
	if progress == nil {
		progress = func(string) {}
	}
	dr, _, err := archive.DecompressStream(r)
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("load: %w", err))
	}
	defer dr.Close()
	tmp, err := os.MkdirTemp(filepath.Join(s.root, "tmp"), "load-")
	if err != nil {
		return nil, fmt.Errorf("load: create scratch dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	if _, err := archive.Apply(ctx, tmp, dr, archive.ApplyOptions{Whiteouts: archive.WhiteoutNone, NoChown: true}); err != nil {
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			return nil, fmt.Errorf("load: %w", err) // the disk's failure, not the archive's
		}
		return nil, errdefs.InvalidParameter(fmt.Errorf("load: invalid archive: %w", err))
	}
	entries, err := readArchiveManifest(tmp)
	if err != nil {
		return nil, err
	}
	var out []LoadedImage
	for _, e := range entries {
		li, err := s.loadOne(ctx, tmp, e, progress)
		if err != nil {
			return out, err
		}
		out = append(out, li)
		if len(li.Tags) == 0 {
			progress("Loaded image ID: " + li.ID.String())
		}
		for _, t := range li.Tags {
			progress("Loaded image: " + reference.Familiar(t))
		}
	}
	return out, nil
}

// archiveImage is one image to load: paths inside the extracted archive.
type archiveImage struct {
	config string
	layers []string
	tags   []string
}

func readArchiveManifest(dir string) ([]archiveImage, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFileName))
	if err == nil {
		m, err := ParseManifest(data)
		if err != nil {
			return nil, err
		}
		out := make([]archiveImage, 0, len(m))
		for _, e := range m {
			out = append(out, archiveImage{config: e.Config, layers: e.Layers, tags: e.RepoTags})
		}
		return out, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load: read %s: %w", ManifestFileName, err)
	}
	data, err = os.ReadFile(filepath.Join(dir, IndexFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errdefs.InvalidParameter(errors.New("load: invalid archive: no manifest.json or index.json found"))
	}
	if err != nil {
		return nil, fmt.Errorf("load: read %s: %w", IndexFileName, err)
	}
	return readOCIIndex(dir, data, nil, 0)
}

// readOCIIndex walks an OCI index (nested indexes followed) and returns the
// images of the host platform (or all single-platform manifests).
func readOCIIndex(dir string, data []byte, names []string, depth int) ([]archiveImage, error) {
	if depth > 4 {
		return nil, errdefs.InvalidParameter(errors.New("load: OCI index nested too deep"))
	}
	var idx ocispec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("load: invalid OCI index: %w", err))
	}
	var out []archiveImage
	picked := false
	for _, d := range idx.Manifests {
		if d.Platform != nil && len(idx.Manifests) > 1 && (d.Platform.OS != "linux" || d.Platform.Architecture != runtime.GOARCH) {
			continue
		}
		tags := append([]string(nil), names...)
		if n := d.Annotations[AnnotationImageName]; n != "" {
			tags = append(tags, n)
		} else if n := d.Annotations[AnnotationRefName]; strings.ContainsAny(n, "/:") {
			tags = append(tags, n)
		}
		raw, err := readBlob(dir, d.Digest)
		if err != nil {
			return nil, err
		}
		switch d.MediaType {
		case ocispec.MediaTypeImageIndex, "application/vnd.docker.distribution.manifest.list.v2+json":
			sub, err := readOCIIndex(dir, raw, tags, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		default:
			var m ocispec.Manifest
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, errdefs.InvalidParameter(fmt.Errorf("load: invalid manifest %s: %w", d.Digest, err))
			}
			if m.Config.MediaType == "application/vnd.in-toto+json" || strings.Contains(m.Config.MediaType, "attestation") {
				continue
			}
			img := archiveImage{config: blobPath(m.Config.Digest), tags: tags}
			for _, l := range m.Layers {
				img.layers = append(img.layers, blobPath(l.Digest))
			}
			out = append(out, img)
			picked = true
		}
		if picked && d.Platform != nil {
			break
		}
	}
	if len(out) == 0 && depth == 0 {
		return nil, errdefs.InvalidParameter(errors.New("load: OCI index lists no image for this platform"))
	}
	return out, nil
}

func readBlob(dir string, d digest.Digest) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("load: invalid digest %q: %w", d, err))
	}
	f, err := openIn(dir, blobPath(d))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("load: read blob %s: %w", d, err)
	}
	if digest.FromBytes(data) != d {
		return nil, errdefs.InvalidParameter(fmt.Errorf("load: blob %s: digest mismatch", d))
	}
	return data, nil
}

// openIn opens the archive path p inside dir, resolving symlinks (old
// docker-archives link layer.tar files) without leaving dir.
func openIn(dir, p string) (*os.File, error) {
	full, err := securejoin.SecureJoin(dir, p)
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("load: path %s: %w", p, err))
	}
	f, err := os.Open(full)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errdefs.InvalidParameter(fmt.Errorf("load: invalid archive: %s missing", p))
	}
	if err != nil {
		return nil, fmt.Errorf("load: open %s: %w", p, err)
	}
	return f, nil
}

func (s *Store) loadOne(ctx context.Context, dir string, e archiveImage, progress func(string)) (LoadedImage, error) {
	f, err := openIn(dir, e.config)
	if err != nil {
		return LoadedImage{}, err
	}
	raw, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return LoadedImage{}, fmt.Errorf("load: read config: %w", err)
	}
	var cfg dockerspec.DockerOCIImage
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return LoadedImage{}, errdefs.InvalidParameter(fmt.Errorf("load: invalid image config %s: %w", e.config, err))
	}
	diffIDs := cfg.RootFS.DiffIDs
	if len(diffIDs) != len(e.layers) {
		return LoadedImage{}, errdefs.InvalidParameter(fmt.Errorf("load: config %s lists %d layers, manifest %d", e.config, len(diffIDs), len(e.layers)))
	}
	chains := ChainIDs(diffIDs)
	defer s.pin(chains...)()
	var parent digest.Digest
	for i, lp := range e.layers {
		if !s.hasLayer(ctx, chains[i]) {
			if err := s.loadLayer(ctx, dir, lp, parent, diffIDs[i]); err != nil {
				return LoadedImage{}, err
			}
		}
		parent = chains[i]
	}
	id, err := s.Create(ctx, raw, "")
	if err != nil {
		return LoadedImage{}, err
	}
	li := LoadedImage{ID: id}
	for _, t := range e.tags {
		n, err := reference.Normalize(t)
		if err != nil {
			return li, err
		}
		if prev, err := s.Resolve(ctx, n); err == nil && prev != id {
			progress(fmt.Sprintf("The image %s already exists, renaming the old one with ID %s to empty string", reference.Familiar(n), prev))
		}
		if err := s.Tag(ctx, id, n); err != nil {
			return li, err
		}
		li.Tags = append(li.Tags, n)
	}
	return li, nil
}

func (s *Store) loadLayer(ctx context.Context, dir, p string, parent, diffID digest.Digest) error {
	f, err := openIn(dir, p)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 10)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("load: layer %s: %w", p, err)
	}
	if archive.DetectCompression(head[:n]) == archive.Uncompressed {
		// The usual case (docker save): link the file instead of copying it.
		if _, _, err := s.applyLayerFile(ctx, parent, diffID, f); err != nil {
			return fmt.Errorf("load: layer %s: %w", p, err)
		}
		return nil
	}
	dr, _, err := archive.DecompressStream(f)
	if err != nil {
		return errdefs.InvalidParameter(fmt.Errorf("load: layer %s: %w", p, err))
	}
	defer dr.Close()
	if _, _, err := s.ApplyLayer(ctx, parent, diffID, dr); err != nil {
		return fmt.Errorf("load: layer %s: %w", p, err)
	}
	return nil
}
