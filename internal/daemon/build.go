package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	buildtypes "github.com/moby/moby/api/types/build"
	containertypes "github.com/moby/moby/api/types/container"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/builder/contexts"
	"github.com/berth/berth/internal/builder/dockerfile"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/reference"
	"github.com/berth/berth/internal/snapshot"
)

// buildState is the builder's share of the daemon: the cache, opened on
// first use under root/builder (cache.db; tmp/ holds the unpacked contexts
// of running builds and is emptied when the cache opens), and the contexts
// kept between builds (root/builder/contexts).
type buildState struct {
	once  sync.Once
	cache *dockerfile.Cache
	err   error

	contexts *contexts.Store
}

func (d *Daemon) buildDir() string { return filepath.Join(d.root, "builder") }

func (d *Daemon) buildCache() (*dockerfile.Cache, error) {
	d.builder.once.Do(func() {
		_ = os.RemoveAll(filepath.Join(d.buildDir(), "tmp"))
		d.builder.cache, d.builder.err = dockerfile.OpenCache(d.buildDir())
	})
	return d.builder.cache, d.builder.err
}

func (d *Daemon) closeBuilder() {
	if d.builder.cache != nil {
		_ = d.builder.cache.Close()
	}
}

// buildError keeps a RUN step's exit code for the error message.
type buildError struct{ err *dockerfile.ExitError }

func (e buildError) Error() string { return e.err.Error() }
func (e buildError) ExitCode() int { return e.err.Code }

// Build unpacks the context stream to disk and runs the classic builder.
func (d *Daemon) Build(ctx context.Context, body io.Reader, o backend.BuildOptions, out io.Writer, imageID func(string)) error {
	tags := make([]string, 0, len(o.Tags))
	for _, t := range o.Tags {
		n, err := reference.Normalize(t)
		if err != nil {
			return errdefs.InvalidParameter(fmt.Errorf("invalid tag %q: %w", t, err))
		}
		tags = append(tags, reference.Familiar(n))
	}
	cache, err := d.buildCache()
	if err != nil {
		return err
	}
	tmpRoot := filepath.Join(d.buildDir(), "tmp")
	if err := os.MkdirAll(tmpRoot, 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(tmpRoot, "build-")
	if err != nil {
		return err
	}
	// The context is removed after the answer, not before it.
	defer func() { go os.RemoveAll(tmp) }()
	t0 := time.Now()
	bc, release, err := d.builder.contexts.Receive(body, contexts.Source{LocalDir: o.LocalDir, Dockerfile: o.Dockerfile, Tags: tags}, tmp)
	if err != nil {
		return err
	}
	defer release()
	t1 := time.Now()
	defer func() { d.log.Debug("build", "context", t1.Sub(t0), "steps", time.Since(t1)) }()
	bl := dockerfile.New(&buildBackend{d: d}, cache)
	_, err = bl.Build(ctx, bc, dockerfile.Options{
		Dockerfile: o.Dockerfile, Tags: tags, BuildArgs: o.BuildArgs, Labels: o.Labels, Target: o.Target,
		NoCache: o.NoCache, Pull: o.Pull, Network: o.Network, ExtraHosts: o.ExtraHosts, OnImage: imageID,
	}, out)
	var pe *dockerfile.ParseError
	var ee *dockerfile.ExitError
	switch {
	case errors.As(err, &pe):
		return errdefs.InvalidParameter(err)
	case errors.As(err, &ee):
		return buildError{ee}
	}
	return err
}

// BuildCachePrune empties the build cache and deletes the intermediate
// images it named that nothing else needs: untagged, not the result of a
// build, without children and not used by a container.
func (d *Daemon) BuildCachePrune(ctx context.Context, all bool) (*buildtypes.CachePruneReport, error) {
	cache, err := d.buildCache()
	if err != nil {
		return nil, err
	}
	entries, err := cache.Prune()
	if err != nil {
		return nil, err
	}
	rep := &buildtypes.CachePruneReport{CachesDeleted: []string{}}
	for _, r := range d.builder.contexts.Prune() {
		rep.CachesDeleted = append(rep.CachesDeleted, r.ID)
		rep.SpaceReclaimed += uint64(r.Size)
	}
	candidates := map[digest.Digest]bool{}
	for _, e := range entries {
		rep.CachesDeleted = append(rep.CachesDeleted, e.Key[:12])
		if !e.Final {
			candidates[digest.Digest(e.ID)] = true
		}
	}
	for progress := true; progress; {
		progress = false
		for id := range candidates {
			img, err := d.images.Get(ctx, id.String())
			if err != nil {
				delete(candidates, id)
				continue
			}
			if len(img.RepoTags) > 0 || len(img.RepoDigests) > 0 || len(d.images.Children(ctx, id)) > 0 || d.imageService.InUse(id.String()) {
				continue
			}
			if _, err := d.images.Delete(ctx, id); err == nil {
				rep.SpaceReclaimed += uint64(max(img.Size, 0))
				progress = true
			}
			delete(candidates, id)
		}
	}
	return rep, nil
}

// buildBackend is the daemon as the builder's Backend.
type buildBackend struct{ d *Daemon }

func (b *buildBackend) GetImage(ctx context.Context, name string, pull bool, out io.Writer) (*dockerfile.Image, error) {
	img, err := b.d.images.Get(ctx, name)
	if (err != nil && errdefs.IsNotFound(err) || err == nil && pull) && !looksLikeID(name) {
		// FROM pulls what is missing, and --pull what may be newer.
		if perr := b.d.imageService.PullForBuild(ctx, name, out); perr != nil {
			if err == nil {
				return nil, perr
			}
			return nil, fmt.Errorf("%w (pull: %w)", err, perr)
		}
		img, err = b.d.images.Get(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	return &dockerfile.Image{ID: img.ID.String(), Config: img.Config.Config}, nil
}

func (b *buildBackend) Run(ctx context.Context, req dockerfile.RunRequest) (string, error) {
	d := b.d
	rc := req.Config
	network := req.Network
	if network == "" {
		network = "default"
	}
	cfg := &containertypes.Config{
		Image: req.Image, Cmd: rc.Cmd, Entrypoint: []string{}, Env: rc.Env, User: rc.User, WorkingDir: rc.WorkingDir,
		Healthcheck:  &containertypes.HealthConfig{Test: []string{"NONE"}},
		AttachStdout: true, AttachStderr: true,
	}
	resp, err := d.ContainerCreate(ctx, "", containertypes.CreateRequest{
		Config: cfg, HostConfig: &containertypes.HostConfig{NetworkMode: containertypes.NetworkMode(network), ExtraHosts: req.ExtraHosts},
	})
	if err != nil {
		return "", err
	}
	id := resp.ID
	defer func() { _ = d.ContainerRemove(context.WithoutCancel(ctx), id, true, true) }()
	if req.Started != nil {
		req.Started(id)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wait, err := d.ContainerWait(wctx, id, "next-exit")
	if err != nil {
		return "", err
	}
	queued := make(chan struct{})
	attached := make(chan error, 1)
	recovery.Go(d.log, "build attach "+id, func() {
		attached <- d.ContainerAttach(wctx, id, backend.ContainerAttachOptions{
			Stream: true, Stdout: true, Stderr: true,
			Open: func(bool) (io.ReadCloser, io.Writer, io.Writer, error) {
				close(queued)
				return nil, req.Out, req.Out, nil
			},
		})
	}, func(err error) {
		select {
		case attached <- err:
		default:
		}
	})
	select {
	case <-queued:
	case err := <-attached:
		return "", fmt.Errorf("attach to build container: %w", err)
	}
	if err := d.ContainerStart(ctx, id); err != nil {
		return "", err
	}
	var res containertypes.WaitResponse
	select {
	case res = <-wait:
	case <-ctx.Done():
		_ = d.ContainerKill(context.WithoutCancel(ctx), id, "KILL")
		return "", ctx.Err()
	}
	select {
	case <-attached:
	case <-time.After(10 * time.Second):
		d.log.Warn("build: output of container not complete", "id", id)
	}
	if res.Error != nil && res.Error.Message != "" {
		return "", fmt.Errorf("build container %s: %s", id[:12], res.Error.Message)
	}
	if res.StatusCode != 0 {
		return "", &dockerfile.ExitError{Cmd: rc.Cmd, Code: int(res.StatusCode)}
	}
	c, err := d.containers.Get(id)
	if err != nil {
		return "", err
	}
	var exclude []string
	if ch, err := d.snapshotter.Changes(ctx, c.SnapshotKey); err == nil {
		for _, x := range ch {
			if x.Kind == snapshot.Added && runtimeMountPoints[x.Path] {
				exclude = append(exclude, x.Path)
			}
		}
	}
	commit := req.Commit
	nid, err := d.images.Commit(ctx, c.SnapshotKey, digest.Digest(req.Image), image.CommitOptions{
		Config: &commit, CreatedBy: req.CreatedBy, Exclude: exclude,
	})
	if err != nil {
		return "", err
	}
	return nid.String(), nil
}

func randKey(kind string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return snapshot.TempPrefix + kind + "-" + hex.EncodeToString(b)
}

func (b *buildBackend) chainOf(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	img, err := b.d.images.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return img.ChainID(), nil
}

func (b *buildBackend) Mutate(ctx context.Context, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string, fn func(root string) error) (string, error) {
	chain, err := b.chainOf(ctx, parent)
	if err != nil {
		return "", err
	}
	key := randKey("build")
	ms, err := b.d.snapshotter.Prepare(ctx, key, chain)
	if err != nil {
		return "", err
	}
	defer func() { _ = b.d.snapshotter.Remove(context.WithoutCancel(ctx), key) }()
	if err := withTempMount(ms, fn); err != nil {
		return "", err
	}
	id, err := b.d.images.Commit(ctx, key, digest.Digest(parent), image.CommitOptions{Config: &cfg, CreatedBy: createdBy})
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

func (b *buildBackend) View(ctx context.Context, id string, fn func(root string) error) error {
	chain, err := b.chainOf(ctx, id)
	if err != nil {
		return err
	}
	if chain == "" {
		dir, err := os.MkdirTemp(filepath.Join(b.d.buildDir(), "tmp"), "empty-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		return fn(dir)
	}
	key := randKey("view")
	ms, err := b.d.snapshotter.View(ctx, key, chain)
	if err != nil {
		return err
	}
	defer func() { _ = b.d.snapshotter.Remove(context.WithoutCancel(ctx), key) }()
	return withTempMount(ms, fn)
}

func (b *buildBackend) SetConfig(ctx context.Context, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string) (string, error) {
	var base dockerspec.DockerOCIImage
	if parent != "" {
		img, err := b.d.images.Get(ctx, parent)
		if err != nil {
			return "", err
		}
		base = img.Config
	} else {
		base.OS, base.Architecture = "linux", runtime.GOARCH
		base.RootFS.Type = "layers"
		base.RootFS.DiffIDs = []digest.Digest{}
	}
	now := time.Now().UTC()
	base.Created = &now
	base.Config = cfg
	if createdBy != "" {
		base.History = append(append([]ocispec.History(nil), base.History...), ocispec.History{Created: &now, CreatedBy: createdBy, EmptyLayer: true})
	}
	raw, err := json.Marshal(base)
	if err != nil {
		return "", err
	}
	id, err := b.d.images.Create(ctx, raw, digest.Digest(parent))
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

func (b *buildBackend) Tag(ctx context.Context, id, ref string) error {
	if n, err := reference.Normalize(ref); err == nil {
		if img, err := b.d.images.Get(ctx, id); err == nil && slices.Contains(img.RepoTags, n) {
			return nil // already tagged: a cached rebuild writes nothing
		}
	}
	return b.d.images.Tag(ctx, digest.Digest(id), ref)
}

// looksLikeID tells an image ID (or an ID prefix of 12 hex digits and more)
// from a reference, so that FROM of an ID never turns into a pull.
func looksLikeID(name string) bool {
	name = strings.TrimPrefix(name, "sha256:")
	if len(name) < 12 {
		return false
	}
	for _, r := range name {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
