package distribution

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	dref "github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/crashpoint"
	"github.com/berth/berth/internal/ctxio"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/recovery"
)

// PushImage is an image to push: its config and a way to read each
// uncompressed layer tar by diff ID.
type PushImage struct {
	Config  []byte
	DiffIDs []digest.Digest
	Open    func(ctx context.Context, diffID digest.Digest) (io.ReadCloser, error)
}

// PushResult is what the registry now holds under the tag.
type PushResult struct {
	Digest digest.Digest // manifest digest
	Size   int64         // manifest size
}

// Push uploads img as ref (a normalised reference with a tag): layers the
// registry has are skipped, layers known in another repository of the
// same registry are mounted, the rest are gzip-compressed and uploaded,
// up to MaxConcurrentUploads at once. Then the config and a Docker
// schema 2 manifest are put under the tag.
func (s *Service) Push(ctx context.Context, ref dref.NamedTagged, img PushImage, auth Auth, p *Progress) (*PushResult, error) {
	repo, err := s.repository(dref.Domain(ref), ref)
	if err != nil {
		return nil, err
	}
	familiar := dref.FamiliarName(ref)
	// Scopes: push here, pull from the repositories blobs may be mounted from.
	reg := repo.RegistryStr()
	sources := map[string]bool{}
	for _, d := range img.DiffIDs {
		for _, src := range s.meta.get(d) {
			if src.Registry == reg && src.Repo != repo.RepositoryStr() {
				sources[src.Repo] = true
			}
		}
	}
	base, err := s.baseTransport(reg)
	if err != nil {
		return nil, err
	}
	if s.cfg.UserAgent != "" {
		base = transport.NewUserAgent(base, s.cfg.UserAgent)
	}
	scopes := []string{repo.Scope(transport.PushScope)}
	for src := range sources {
		if r, err := name.NewRepository(reg + "/" + src); err == nil {
			scopes = append(scopes, r.Scope(transport.PullScope))
		}
	}
	rt, err := transport.NewWithContext(ctx, repo.Registry, authenticator(auth), base, scopes)
	if err != nil {
		return nil, translate(err, familiar, true)
	}
	ps := &pushSession{s: s, repo: repo, rt: rt, p: p, img: img, ref: familiar}
	layers, err := ps.layers(ctx)
	if err != nil {
		return nil, err
	}
	crashpoint.At("push-after-blob")
	cfgLayer := static.NewLayer(img.Config, types.DockerConfigJSON)
	if err := remote.WriteLayer(repo, cfgLayer, remote.WithTransport(rt), remote.WithContext(ctx)); err != nil {
		return nil, translate(err, familiar, true)
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.DockerManifestSchema2,
		Config: v1.Descriptor{
			MediaType: types.DockerConfigJSON, Size: int64(len(img.Config)),
			Digest: v1.Hash{Algorithm: "sha256", Hex: digest.FromBytes(img.Config).Encoded()},
		},
	}
	for _, l := range layers {
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.MediaType(l.MediaType), Size: l.Size, Digest: v1.Hash{Algorithm: "sha256", Hex: l.Digest.Encoded()}})
	}
	raw, err := json.MarshalIndent(m, "", "   ")
	if err != nil {
		return nil, err
	}
	if err := remote.Put(repo.Tag(ref.Tag()), rawManifest{raw, types.DockerManifestSchema2}, remote.WithTransport(rt), remote.WithContext(ctx)); err != nil {
		return nil, translate(err, familiar, true)
	}
	return &PushResult{Digest: digest.FromBytes(raw), Size: int64(len(raw))}, nil
}

// rawManifest is a manifest to put as it is.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

type pushSession struct {
	s    *Service
	repo name.Repository
	rt   http.RoundTripper
	p    *Progress
	img  PushImage
	ref  string
}

// layers makes sure the registry has every layer and returns their blobs.
func (ps *pushSession) layers(ctx context.Context) ([]blobSource, error) {
	out := make([]blobSource, len(ps.img.DiffIDs))
	type result struct {
		src blobSource
		err error
	}
	uniq := map[digest.Digest]chan result{}
	for _, d := range ps.img.DiffIDs {
		if _, ok := uniq[d]; !ok {
			uniq[d] = make(chan result, 1)
			ps.p.Status(short(d), "Preparing")
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, ps.s.config().MaxConcurrentUploads)
	var wg sync.WaitGroup
	started := map[digest.Digest]bool{}
	for i := len(ps.img.DiffIDs) - 1; i >= 0; i-- {
		d := ps.img.DiffIDs[i]
		if started[d] {
			continue
		}
		started[d] = true
		wg.Add(1)
		recovery.Go(nil, "push layer "+short(d), func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			default:
				ps.p.Status(short(d), "Waiting")
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					uniq[d] <- result{err: ctx.Err()}
					return
				}
			}
			defer func() { <-sem }()
			src, err := ps.layer(ctx, d)
			if err != nil {
				cancel()
			}
			uniq[d] <- result{src, err}
		}, func(err error) {
			cancel()
			select {
			case uniq[d] <- result{err: err}:
			default:
			}
		})
	}
	wg.Wait()
	got := map[digest.Digest]result{}
	var firstErr error
	for d, ch := range uniq {
		r := <-ch
		got[d] = r
		if r.err != nil && (firstErr == nil || firstErr == context.Canceled) {
			firstErr = r.err
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	for i, d := range ps.img.DiffIDs {
		out[i] = got[d].src
	}
	return out, nil
}

func short(d digest.Digest) string {
	e := d.Encoded()
	if len(e) > 12 {
		e = e[:12]
	}
	return e
}

// layer pushes one layer: it exists, is mounted, or is uploaded.
func (ps *pushSession) layer(ctx context.Context, diffID digest.Digest) (blobSource, error) {
	id := short(diffID)
	reg, here := ps.repo.RegistryStr(), ps.repo.RepositoryStr()
	for _, src := range ps.s.meta.get(diffID) {
		if src.Registry != reg {
			continue
		}
		if ok, err := ps.exists(ctx, src.Digest); err != nil {
			return blobSource{}, err
		} else if ok {
			ps.p.Status(id, "Layer already exists")
			return ps.record(diffID, src), nil
		}
		if src.Repo != here && ps.mount(ctx, src) {
			ps.p.Status(id, "Mounted from "+src.Repo)
			return ps.record(diffID, src), nil
		}
	}
	unlock, err := ps.s.locks.lock(ctx, "push "+diffID.String())
	if err != nil {
		return blobSource{}, err
	}
	defer unlock()
	path, dgst, size, err := ps.compress(ctx, diffID)
	if err != nil {
		return blobSource{}, err
	}
	defer os.Remove(path)
	src := blobSource{Digest: dgst, MediaType: string(types.DockerLayer), Size: size, Registry: reg, Repo: here}
	if ok, err := ps.exists(ctx, dgst); err != nil {
		return blobSource{}, err
	} else if ok {
		ps.p.Status(id, "Layer already exists")
		return ps.record(diffID, src), nil
	}
	b := &bar{p: ps.p, id: id, action: "Pushing", total: size}
	l := &fileLayer{path: path, dgst: dgst, diffID: diffID, size: size, progress: b.add}
	if err := remote.WriteLayer(ps.repo, l, remote.WithTransport(ps.rt), remote.WithContext(ctx)); err != nil {
		return blobSource{}, translate(err, ps.ref, true)
	}
	ps.p.Status(id, "Pushed")
	return ps.record(diffID, src), nil
}

// record remembers that this repository now holds the blob.
func (ps *pushSession) record(diffID digest.Digest, src blobSource) blobSource {
	src.Registry, src.Repo = ps.repo.RegistryStr(), ps.repo.RepositoryStr()
	ps.s.meta.add(diffID, src)
	return src
}

// exists HEADs the blob in the target repository.
func (ps *pushSession) exists(ctx context.Context, d digest.Digest) (bool, error) {
	u := fmt.Sprintf("%s://%s/v2/%s/blobs/%s", ps.repo.Scheme(), ps.repo.RegistryStr(), ps.repo.RepositoryStr(), d)
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	resp, err := (&http.Client{Transport: ps.rt}).Do(req)
	if err != nil {
		return false, errdefs.Unavailable(fmt.Errorf("check blob %s: %w", d, err))
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, translate(transport.CheckError(resp, http.StatusOK), ps.ref, true)
}

// mount asks the registry to link the blob from src's repository.
func (ps *pushSession) mount(ctx context.Context, src blobSource) bool {
	q := url.Values{"mount": {src.Digest.String()}, "from": {src.Repo}}
	u := fmt.Sprintf("%s://%s/v2/%s/blobs/uploads/?%s", ps.repo.Scheme(), ps.repo.RegistryStr(), ps.repo.RepositoryStr(), q.Encode())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	resp, err := (&http.Client{Transport: ps.rt}).Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusCreated {
		return true
	}
	if loc := resp.Header.Get("Location"); resp.StatusCode == http.StatusAccepted && loc != "" {
		// An upload was opened instead: cancel it.
		if lu, err := resp.Request.URL.Parse(loc); err == nil {
			del, _ := http.NewRequestWithContext(ctx, http.MethodDelete, lu.String(), nil)
			if r, err := (&http.Client{Transport: ps.rt}).Do(del); err == nil {
				r.Body.Close()
			}
		}
	}
	return false
}

// compress writes the gzip of the layer tar to a scratch file and returns
// it with its digest and size.
func (ps *pushSession) compress(ctx context.Context, diffID digest.Digest) (string, digest.Digest, int64, error) {
	rc, err := ps.img.Open(ctx, diffID)
	if err != nil {
		return "", "", 0, fmt.Errorf("open layer %s: %w", diffID, err)
	}
	defer rc.Close()
	f, err := os.CreateTemp(filepath.Join(ps.s.cfg.Root, "partial"), "push-")
	if err != nil {
		return "", "", 0, fmt.Errorf("create push scratch file: %w", err)
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	zw, _ := gzip.NewWriterLevel(io.MultiWriter(f, h), gzip.DefaultCompression)
	if _, err := io.Copy(zw, ctxio.Reader(ctx, rc)); err != nil {
		return "", "", 0, fmt.Errorf("compress layer %s: %w", diffID, err)
	}
	if err := zw.Close(); err != nil {
		return "", "", 0, fmt.Errorf("compress layer %s: %w", diffID, err)
	}
	size, err := f.Seek(0, io.SeekCurrent) // the file holds exactly what was written
	if err != nil {
		return "", "", 0, fmt.Errorf("size of compressed layer %s: %w", diffID, err)
	}
	ok = true
	return f.Name(), digest.NewDigest(digest.SHA256, h), size, nil
}

// fileLayer is a compressed layer in a scratch file, as ggcr uploads it.
type fileLayer struct {
	path     string
	dgst     digest.Digest
	diffID   digest.Digest
	size     int64
	progress func(int64)
}

func hashOf(d digest.Digest) v1.Hash { return v1.Hash{Algorithm: "sha256", Hex: d.Encoded()} }

func (l *fileLayer) Digest() (v1.Hash, error)            { return hashOf(l.dgst), nil }
func (l *fileLayer) DiffID() (v1.Hash, error)            { return hashOf(l.diffID), nil }
func (l *fileLayer) Size() (int64, error)                { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error) { return types.DockerLayer, nil }
func (l *fileLayer) Uncompressed() (io.ReadCloser, error) {
	return nil, fmt.Errorf("uncompressed form of %s not available", l.dgst)
}
func (l *fileLayer) Compressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{&countingReader{r: f, fn: l.progress}, f}, nil
}
