package distribution

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	dref "github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/crashpoint"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/recovery"
)

// LayerStore is where pulled layers go (the image store implements it).
type LayerStore interface {
	// HasLayer reports whether the layer with this chain ID is complete.
	HasLayer(ctx context.Context, chainID digest.Digest) bool
	// ApplyLayer unpacks the uncompressed layer tar r on parent (a chain
	// ID, "" for the base) and stores it; the content must have diffID.
	// Nothing is committed unless r ends without error.
	ApplyLayer(ctx context.Context, parent, diffID digest.Digest, r io.Reader) (digest.Digest, digest.Digest, error)
}

// LocalLayers is implemented by a LayerStore that keeps layer tars by diff
// ID: a layer already stored under another parent is unpacked from there
// instead of being downloaded again.
type LocalLayers interface {
	OpenLayer(ctx context.Context, diffID digest.Digest) (io.ReadCloser, error)
}

// PullResult is what a pull fetched.
type PullResult struct {
	Config         []byte        // the image config, as the registry stores it
	ManifestDigest digest.Digest // digest of the top-level manifest (or index)

	// partials are the downloaded blobs, kept until the image exists so
	// that a pull interrupted after unpacking (a daemon restart drops
	// unreferenced layers) still needs no download.
	partials []string
}

// Done removes the downloaded blobs; call it once the image is recorded.
func (r *PullResult) Done() {
	for _, p := range r.partials {
		_ = os.Remove(p)
	}
}

// maxManifest bounds manifests and configs read into memory.
const maxManifest = 8 << 20

// Pull fetches ref (a normalised reference with tag or digest) for
// platform ("" = linux and the host architecture), unpacking missing
// layers into ls, and reports Docker's progress messages to p. The caller
// creates the image from the result; until then nothing is visible.
func (s *Service) Pull(ctx context.Context, ref dref.Named, platform string, auth Auth, ls LayerStore, p *Progress) (*PullResult, error) {
	hosts := []string{dref.Domain(ref)}
	if mirrors := s.config().Mirrors; hosts[0] == "docker.io" && len(mirrors) > 0 {
		hosts = nil
		for _, m := range mirrors {
			hosts = append(hosts, RegistryHost(m))
		}
		hosts = append(hosts, "docker.io")
	}
	var lastErr error
	for _, h := range hosts {
		res, err := s.pullFrom(ctx, h, ref, platform, auth, ls, p)
		if err == nil {
			return res, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// repository returns ref's repository on host.
func (s *Service) repository(host string, ref dref.Named) (name.Repository, error) {
	var opts []name.Option
	if s.insecure(host) {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(host+"/"+dref.Path(ref), opts...)
	if err != nil {
		return name.Repository{}, errdefs.InvalidParameter(fmt.Errorf("invalid reference format: %w", err))
	}
	return repo, nil
}

// nameRef is ref's digest or tag ("latest" if it has neither) in repo, and
// that digest or tag alone.
func nameRef(repo name.Repository, ref dref.Named) (name.Reference, string) {
	if c, ok := ref.(dref.Canonical); ok {
		return repo.Digest(c.Digest().String()), c.Digest().String()
	}
	if t, ok := ref.(dref.Tagged); ok {
		return repo.Tag(t.Tag()), t.Tag()
	}
	return repo.Tag("latest"), "latest"
}

// pullSession is one pull from one registry.
type pullSession struct {
	s    *Service
	repo name.Repository
	rt   http.RoundTripper
	p    *Progress
	ls   LayerStore
	ref  string // familiar reference, for errors
}

func (s *Service) pullFrom(ctx context.Context, host string, ref dref.Named, platform string, auth Auth, ls LayerStore, p *Progress) (*PullResult, error) {
	repo, err := s.repository(host, ref)
	if err != nil {
		return nil, err
	}
	nref, label := nameRef(repo, ref)
	familiar := dref.FamiliarString(ref)
	rt, err := s.transport(ctx, repo, auth, false)
	if err != nil {
		return nil, translate(err, dref.FamiliarName(ref), false)
	}
	ps := &pullSession{s: s, repo: repo, rt: rt, p: p, ls: ls, ref: familiar}
	desc, err := remote.Get(nref, remote.WithTransport(rt), remote.WithContext(ctx))
	if err != nil {
		return nil, translate(err, familiar, false)
	}
	top := digest.Digest(desc.Digest.String())
	p.Status(label, "Pulling from "+dref.Path(dref.TrimNamed(ref)))
	manifest, mt := desc.Manifest, desc.MediaType
	if mt.IsIndex() {
		child, err := pickPlatform(desc.Manifest, platform)
		if err != nil {
			return nil, err
		}
		cd, err := remote.Get(repo.Digest(child.Digest.String()), remote.WithTransport(rt), remote.WithContext(ctx))
		if err != nil {
			return nil, translate(err, familiar, false)
		}
		manifest, mt = cd.Manifest, cd.MediaType
	}
	if mt == types.DockerManifestSchema1 || mt == types.DockerManifestSchema1Signed {
		return nil, errdefs.InvalidParameter(fmt.Errorf("%s: Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed", familiar))
	}
	if !mt.IsImage() {
		return nil, errdefs.InvalidParameter(fmt.Errorf("%s: unsupported manifest media type %q", familiar, mt))
	}
	m, err := v1.ParseManifest(bytes.NewReader(manifest))
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("%s: invalid manifest: %w", familiar, err))
	}
	config, err := ps.fetchSmall(ctx, digest.Digest(m.Config.Digest.String()))
	if err != nil {
		return nil, err
	}
	var cfg struct {
		RootFS struct {
			DiffIDs []digest.Digest `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(config, &cfg); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("%s: invalid image config: %w", familiar, err))
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, errdefs.InvalidParameter(fmt.Errorf("%s: image config lists %d layers, manifest %d", familiar, len(cfg.RootFS.DiffIDs), len(m.Layers)))
	}
	partials, err := ps.layers(ctx, m.Layers, cfg.RootFS.DiffIDs)
	if err != nil {
		return nil, err
	}
	for i, l := range m.Layers {
		s.meta.add(cfg.RootFS.DiffIDs[i], blobSource{Digest: digest.Digest(l.Digest.String()), MediaType: string(l.MediaType),
			Size: l.Size, Registry: repo.RegistryStr(), Repo: repo.RepositoryStr()})
	}
	return &PullResult{Config: config, ManifestDigest: top, partials: partials}, nil
}

// pickPlatform chooses the manifest of platform (default linux and the
// host architecture) from an index.
func pickPlatform(raw []byte, platform string) (v1.Descriptor, error) {
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return v1.Descriptor{}, errdefs.InvalidParameter(fmt.Errorf("invalid manifest list: %w", err))
	}
	want := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	if platform != "" {
		pp, err := v1.ParsePlatform(platform)
		if err != nil {
			return v1.Descriptor{}, errdefs.InvalidParameter(fmt.Errorf("invalid platform %q: %w", platform, err))
		}
		want = *pp
	}
	for _, d := range idx.Manifests {
		if d.Platform != nil && d.Platform.OS == want.OS && d.Platform.Architecture == want.Architecture &&
			(want.Variant == "" || d.Platform.Variant == want.Variant) {
			return d, nil
		}
	}
	return v1.Descriptor{}, errdefs.NotFound(fmt.Errorf("no matching manifest for %s in the manifest list entries", want.String()))
}

func (ps *pullSession) blobURL(d digest.Digest) string {
	return fmt.Sprintf("%s://%s/v2/%s/blobs/%s", ps.repo.Scheme(), ps.repo.RegistryStr(), ps.repo.RepositoryStr(), d)
}

func (ps *pullSession) client() *http.Client { return &http.Client{Transport: ps.rt} }

// fetchSmall reads a small blob (a config) and verifies its digest.
func (ps *pullSession) fetchSmall(ctx context.Context, d digest.Digest) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid digest %q: %w", d, err))
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ps.blobURL(d), nil)
	resp, err := ps.client().Do(req)
	if err != nil {
		return nil, errdefs.Unavailable(fmt.Errorf("fetch %s: %w", d, err))
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, translate(err, ps.ref, false)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest+1))
	if err != nil {
		return nil, errdefs.Unavailable(fmt.Errorf("fetch %s: %w", d, err))
	}
	if len(data) > maxManifest {
		return nil, errdefs.InvalidParameter(fmt.Errorf("blob %s is too large", d))
	}
	if digest.SHA256.FromBytes(data) != d {
		return nil, errdefs.InvalidParameter(fmt.Errorf("blob %s: digest mismatch", d))
	}
	return data, nil
}

// pullLayer is one layer of the image being pulled.
type pullLayer struct {
	desc    v1.Descriptor
	dgst    digest.Digest
	diffID  digest.Digest
	id      string // short blob digest shown by the progress lines
	skip    bool   // already present
	ready   chan struct{}
	sp      *spool
	file    string        // the spool file, removed once the layer is unpacked
	local   io.ReadCloser // the layer tar already stored (no download)
	private bool          // file is a private temp file (blob busy in another pull)
	err     error         // set before ready is closed when the download never started
}

// layers downloads the missing layers in parallel and unpacks them in
// order, each while it streams.
func (ps *pullSession) layers(ctx context.Context, descs []v1.Descriptor, diffIDs []digest.Digest) ([]string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var parent digest.Digest
	jobs := make([]*pullLayer, len(descs))
	for i, d := range descs {
		dg := digest.Digest(d.Digest.String())
		if err := dg.Validate(); err != nil {
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid layer digest %q: %w", dg, err))
		}
		j := &pullLayer{desc: d, dgst: dg, diffID: diffIDs[i], id: dg.Encoded()[:12], ready: make(chan struct{})}
		chain := chainOf(parent, diffIDs[i])
		j.skip = ps.ls.HasLayer(ctx, chain)
		if ll, ok := ps.ls.(LocalLayers); ok && !j.skip {
			if rc, err := ll.OpenLayer(ctx, diffIDs[i]); err == nil {
				j.local = rc
			}
		}
		parent = chain
		jobs[i] = j
	}
	defer func() {
		for _, j := range jobs {
			if j.local != nil {
				j.local.Close()
			}
		}
	}()
	seen := map[string]bool{}
	for _, j := range jobs {
		if seen[j.id] {
			continue
		}
		seen[j.id] = true
		if j.skip || j.local != nil {
			ps.p.Status(j.id, "Already exists")
		} else {
			ps.p.Status(j.id, "Pulling fs layer")
		}
	}
	sem := make(chan struct{}, ps.s.config().MaxConcurrentDownloads)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel(errors.New("pull ended"))
	for _, j := range jobs {
		if j.skip || j.local != nil {
			continue
		}
		wg.Add(1)
		recovery.Go(nil, "download "+j.id, func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			default:
				ps.p.Status(j.id, "Waiting")
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					j.err = context.Cause(ctx)
					close(j.ready)
					return
				}
			}
			defer func() { <-sem }()
			if err := ps.download(ctx, j); err != nil {
				cancel(err)
			}
		}, func(err error) { cancel(err) })
	}
	parent = ""
	var partials []string
	for _, j := range jobs {
		if j.skip {
			parent = chainOf(parent, j.diffID)
			continue
		}
		if j.local != nil {
			_, chain, err := ps.ls.ApplyLayer(ctx, parent, j.diffID, j.local)
			if err != nil {
				return nil, fmt.Errorf("layer %s: %w", j.diffID, err)
			}
			parent = chain
			continue
		}
		select {
		case <-j.ready:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		if j.err != nil {
			return nil, j.err
		}
		_, chain, err := ps.unpack(ctx, j, parent)
		if err != nil {
			// Corrupt data usually breaks the decompression before the
			// download ends: its verification names the real cause, as
			// dockerd's (which verifies before it extracts).
			derr := j.sp.result(ctx)
			if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
				return nil, cause // a download failed first and ended the others
			}
			if derr != nil {
				return nil, derr
			}
			return nil, err
		}
		if j.file != "" && j.private {
			_ = os.Remove(j.file)
		} else if j.file != "" {
			partials = append(partials, j.file)
		}
		ps.p.Status(j.id, "Pull complete")
		crashpoint.At("pull-between-layers")
		parent = chain
	}
	return partials, nil
}

// unpack decompresses the layer from its spool into the layer store.
func (ps *pullSession) unpack(ctx context.Context, j *pullLayer, parent digest.Digest) (digest.Digest, digest.Digest, error) {
	b := &bar{p: ps.p, id: j.id, action: "Extracting", total: j.desc.Size}
	r := &countingReader{r: j.sp.reader(ctx), fn: func(n int64) {
		j.sp.mu.Lock()
		done := j.sp.done
		j.sp.mu.Unlock()
		if done {
			b.add(n)
		} else {
			b.current += n
		}
	}}
	dr, _, err := archive.DecompressStream(r)
	if err != nil {
		return "", "", fmt.Errorf("layer %s: %w", j.dgst, err)
	}
	defer dr.Close()
	diffID, chain, err := ps.ls.ApplyLayer(ctx, parent, j.diffID, dr)
	if err != nil {
		return "", "", fmt.Errorf("layer %s: %w", j.dgst, err)
	}
	_ = diffID
	return diffID, chain, nil
}

// download fetches the layer blob into its spool file, resuming from the
// bytes already there (HTTP Range), retrying network failures, and
// verifies its digest.
func (ps *pullSession) download(ctx context.Context, j *pullLayer) (rerr error) {
	dir := filepath.Join(ps.s.cfg.Root, "partial")
	path := filepath.Join(dir, j.dgst.Encoded())
	unlock, ok := ps.s.locks.tryLock(j.dgst.String())
	var f *os.File
	var err error
	if ok {
		defer unlock()
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	} else {
		// Another pull is fetching the same blob: use a private file.
		f, err = os.CreateTemp(dir, "tmp-")
		if err == nil {
			path = f.Name()
			j.private = true
			// Unlinked at once: the spool reads through the open file.
			_ = os.Remove(path)
		}
	}
	if err != nil {
		j.err = fmt.Errorf("create download file: %w", err)
		close(j.ready)
		return j.err
	}
	j.file = path
	h := sha256.New()
	var off int64
	if fi, err := f.Stat(); err == nil {
		off = fi.Size()
	}
	if off > j.desc.Size {
		_ = f.Truncate(0)
		off = 0
	}
	if off > 0 {
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, off)); err != nil {
			_ = f.Truncate(0)
			off = 0
			h.Reset()
		}
	}
	j.sp = newSpool(f, off)
	close(j.ready)
	// f stays open until the unpacker is done with it: the spool reader
	// uses it; it is closed when the pull ends (the GC of the process).
	go func() { <-ctx.Done(); f.Close() }()
	defer func() { j.sp.finish(rerr) }()
	b := &bar{p: ps.p, id: j.id, action: "Downloading", total: j.desc.Size, current: off}
	for attempt := 0; off < j.desc.Size || off == 0; attempt++ {
		err := ps.fetch(ctx, j, f, h, &off, b)
		if err == nil {
			break
		}
		var perm *permanentError
		if ctx.Err() != nil || errors.As(err, &perm) || attempt >= 4 {
			if errors.As(err, &perm) {
				return perm.err
			}
			return err
		}
		wait := time.Duration(attempt+1) * 500 * time.Millisecond
		ps.p.Status(j.id, fmt.Sprintf("Retrying in %d second", int(wait.Seconds()+0.5)))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	ps.p.Status(j.id, "Verifying Checksum")
	if got := digest.NewDigest(digest.SHA256, h); got != j.dgst || off != j.desc.Size {
		_ = os.Remove(path)
		return errdefs.InvalidParameter(fmt.Errorf("filesystem layer verification failed for digest %s", j.dgst))
	}
	ps.p.Status(j.id, "Download complete")
	return nil
}

// permanentError is a download failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

// fetch GETs the blob from *off on and appends it to f.
func (ps *pullSession) fetch(ctx context.Context, j *pullLayer, f *os.File, h hash.Hash, off *int64, b *bar) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ps.blobURL(j.dgst), nil)
	if *off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", *off, j.desc.Size-1))
	}
	resp, err := ps.client().Do(req)
	if err != nil {
		return errdefs.Unavailable(fmt.Errorf("download %s: %w", j.dgst, err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && *off > 0:
		if cr := resp.Header.Get("Content-Range"); cr != "" && !strings.HasPrefix(cr, fmt.Sprintf("bytes %d-", *off)) {
			return &permanentError{fmt.Errorf("download %s: unexpected Content-Range %q", j.dgst, cr)}
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && *off > 0:
		// The registry cannot resume: start over on the next attempt.
		if err := f.Truncate(0); err != nil {
			return &permanentError{err}
		}
		*off = 0
		h.Reset()
		b.current = 0
		j.sp.reset()
		return errdefs.Unavailable(fmt.Errorf("download %s: registry refused to resume", j.dgst))
	case resp.StatusCode == http.StatusOK:
		if *off > 0 { // Range ignored: start over
			if err := f.Truncate(0); err != nil {
				return &permanentError{err}
			}
			*off = 0
			h.Reset()
			b.current = 0
			j.sp.reset()
		}
	default:
		err := transport.CheckError(resp, http.StatusOK, http.StatusPartialContent)
		if resp.StatusCode >= 500 {
			return errdefs.Unavailable(fmt.Errorf("download %s: %w", j.dgst, err))
		}
		return &permanentError{translate(err, ps.ref, false)}
	}
	buf := make([]byte, 256<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if *off+int64(n) > j.desc.Size {
				return &permanentError{errdefs.InvalidParameter(fmt.Errorf("filesystem layer verification failed for digest %s: larger than %d bytes", j.dgst, j.desc.Size))}
			}
			if _, err := f.WriteAt(buf[:n], *off); err != nil {
				return &permanentError{err} // an *os.PathError: "write FILE: no space left on device"
			}
			h.Write(buf[:n])
			*off += int64(n)
			j.sp.advance(int64(n))
			b.add(int64(n))
		}
		if rerr == io.EOF {
			if *off < j.desc.Size {
				return errdefs.Unavailable(fmt.Errorf("download %s: %w", j.dgst, io.ErrUnexpectedEOF))
			}
			return nil
		}
		if rerr != nil {
			return errdefs.Unavailable(fmt.Errorf("download %s: %w", j.dgst, rerr))
		}
	}
}

// chainOf is the chain ID of diffID on parent (OCI image spec).
func chainOf(parent, diffID digest.Digest) digest.Digest {
	if parent == "" {
		return diffID
	}
	return digest.FromString(parent.String() + " " + diffID.String())
}

// Tags lists the tags of ref's repository (pull -a).
func (s *Service) Tags(ctx context.Context, ref dref.Named, auth Auth) ([]string, error) {
	repo, err := s.repository(dref.Domain(ref), ref)
	if err != nil {
		return nil, err
	}
	rt, err := s.transport(ctx, repo, auth, false)
	if err != nil {
		return nil, translate(err, dref.FamiliarName(ref), false)
	}
	tags, err := remote.List(repo, remote.WithTransport(rt), remote.WithContext(ctx))
	if err != nil {
		return nil, translate(err, dref.FamiliarName(ref), false)
	}
	return tags, nil
}
