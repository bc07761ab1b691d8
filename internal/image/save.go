package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth/berth/internal/reference"
)

// saveImage is one image in a save, with the tags to record.
type saveImage struct {
	img  *Image
	tags []string // normalised
}

// Save writes the images named by names (references or IDs) as one tar in
// the format of Docker 25+: a docker-archive (manifest.json with Config,
// RepoTags, Layers; repositories) that is also an OCI image layout
// (oci-layout, index.json, blobs/sha256/...). Layers are stored
// uncompressed, so their digests are the diff IDs.
func (s *Store) Save(ctx context.Context, names []string, w io.Writer) error {
	imgs, err := s.resolveSave(ctx, names)
	if err != nil {
		return err
	}
	sw := &saveWriter{tw: tar.NewWriter(w), written: map[digest.Digest]bool{}}
	if err := sw.dir("blobs/"); err != nil {
		return err
	}
	if err := sw.dir("blobs/sha256/"); err != nil {
		return err
	}
	var manifest []ManifestEntry
	index := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex}
	repos := map[string]map[string]string{}
	for _, si := range imgs {
		img := si.img
		if err := s.saveBlob(ctx, sw, img.ID); err != nil {
			return err
		}
		cfgSize, _ := s.content.Size(ctx, img.ID)
		m := ocispec.Manifest{
			Versioned: specs.Versioned{SchemaVersion: 2},
			MediaType: ocispec.MediaTypeImageManifest,
			Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: img.ID, Size: cfgSize},
			Layers:    []ocispec.Descriptor{},
		}
		entry := ManifestEntry{Config: blobPath(img.ID), RepoTags: []string{}}
		for _, d := range img.Config.RootFS.DiffIDs {
			if err := s.saveBlob(ctx, sw, d); err != nil {
				return err
			}
			size, _ := s.content.Size(ctx, d)
			m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: size})
			entry.Layers = append(entry.Layers, blobPath(d))
		}
		mraw, err := json.Marshal(m)
		if err != nil {
			return err
		}
		mdesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(mraw), Size: int64(len(mraw))}
		if err := sw.blob(mdesc.Digest, mraw); err != nil {
			return err
		}
		if len(si.tags) == 0 {
			index.Manifests = append(index.Manifests, mdesc)
		}
		for _, t := range si.tags {
			d := mdesc
			d.Annotations = map[string]string{AnnotationImageName: t, AnnotationRefName: reference.Tag(t)}
			index.Manifests = append(index.Manifests, d)
			entry.RepoTags = append(entry.RepoTags, reference.Familiar(t))
			name := reference.FamiliarName(t)
			if repos[name] == nil {
				repos[name] = map[string]string{}
			}
			if n := len(img.Config.RootFS.DiffIDs); n > 0 {
				repos[name][reference.Tag(t)] = img.Config.RootFS.DiffIDs[n-1].Encoded()
			}
		}
		manifest = append(manifest, entry)
	}
	for _, f := range []struct {
		name string
		v    any
	}{
		{IndexFileName, index},
		{ManifestFileName, manifest},
		{OCILayoutFileName, ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion}},
	} {
		raw, err := json.Marshal(f.v)
		if err != nil {
			return err
		}
		if err := sw.file(f.name, raw); err != nil {
			return err
		}
	}
	if len(repos) > 0 {
		raw, _ := json.Marshal(repos)
		if err := sw.file(RepositoriesFileName, raw); err != nil {
			return err
		}
	}
	return sw.tw.Close()
}

// resolveSave maps names to images: a tag saves that tag, a repository
// name without tag saves all its tags, an ID saves the image untagged.
func (s *Store) resolveSave(ctx context.Context, names []string) ([]*saveImage, error) {
	if len(names) == 0 {
		return nil, NotFoundError("")
	}
	byID := map[digest.Digest]*saveImage{}
	var order []digest.Digest
	add := func(img *Image, tag string) {
		si, ok := byID[img.ID]
		if !ok {
			si = &saveImage{img: img}
			byID[img.ID] = si
			order = append(order, img.ID)
		}
		if tag != "" {
			for _, t := range si.tags {
				if t == tag {
					return
				}
			}
			si.tags = append(si.tags, tag)
		}
	}
	for _, name := range names {
		if repoOnly(name) {
			if n, err := reference.Parse(name); err == nil {
				repo := reference.FamiliarName(n.String())
				all, err := s.List(ctx)
				if err != nil {
					return nil, err
				}
				found := false
				for _, img := range all {
					for _, t := range img.RepoTags {
						if reference.FamiliarName(t) == repo {
							add(img, t)
							found = true
						}
					}
				}
				if found {
					continue
				}
			}
		}
		id, err := s.Resolve(ctx, name)
		if err != nil {
			return nil, err
		}
		img, err := s.byID(ctx, id)
		if err != nil {
			return nil, err
		}
		tag := ""
		if n, err := reference.Parse(name); err == nil {
			for _, t := range img.RepoTags {
				if t == n.String() {
					tag = t
				}
			}
		}
		add(img, tag)
	}
	out := make([]*saveImage, 0, len(order))
	for _, id := range order {
		sort.Strings(byID[id].tags)
		out = append(out, byID[id])
	}
	return out, nil
}

// repoOnly reports whether name is a repository without tag or digest.
func repoOnly(name string) bool {
	if strings.Contains(name, "@") {
		return false
	}
	last := name[strings.LastIndex(name, "/")+1:]
	return !strings.Contains(last, ":")
}

func (s *Store) saveBlob(ctx context.Context, sw *saveWriter, d digest.Digest) error {
	if sw.written[d] {
		return nil
	}
	f, err := s.content.Open(ctx, d)
	if err != nil {
		return fmt.Errorf("save: blob %s: %w", d, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := sw.tw.WriteHeader(sw.header(blobPath(d), fi.Size())); err != nil {
		return err
	}
	if _, err := io.Copy(sw.tw, f); err != nil {
		return fmt.Errorf("save: copy blob %s: %w", d, err)
	}
	sw.written[d] = true
	return nil
}

type saveWriter struct {
	tw      *tar.Writer
	written map[digest.Digest]bool
}

var saveTime = time.Unix(0, 0)

func (sw *saveWriter) header(name string, size int64) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o444, Size: size, ModTime: saveTime, Format: tar.FormatPAX}
}

func (sw *saveWriter) dir(name string) error {
	return sw.tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: saveTime, Format: tar.FormatPAX})
}

func (sw *saveWriter) file(name string, data []byte) error {
	if err := sw.tw.WriteHeader(sw.header(name, int64(len(data)))); err != nil {
		return err
	}
	_, err := sw.tw.Write(data)
	return err
}

func (sw *saveWriter) blob(d digest.Digest, data []byte) error {
	if sw.written[d] {
		return nil
	}
	sw.written[d] = true
	return sw.file(blobPath(d), data)
}
