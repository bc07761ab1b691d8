package build

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	containertypes "github.com/moby/moby/api/types/container"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/builder/dockerfile"
	"github.com/berth/berth/internal/crashpoint"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/reference"
	"github.com/berth/berth/internal/snapshot"
)

// StepLabel marks the container of a RUN step.
const StepLabel = "berth.build.step"

// steps is the service as the builder's Backend.
type steps struct{ s *Service }

func (b *steps) GetImage(ctx context.Context, name string, pull bool, out io.Writer) (*dockerfile.Image, error) {
	img, err := b.s.store.Get(ctx, name)
	if (err != nil && errdefs.IsNotFound(err) || err == nil && pull) && !looksLikeID(name) {
		// FROM pulls what is missing, and --pull what may be newer.
		if perr := b.s.images.PullForBuild(ctx, name, out); perr != nil {
			if err == nil {
				return nil, perr
			}
			return nil, fmt.Errorf("%w (pull: %w)", err, perr)
		}
		img, err = b.s.store.Get(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	return &dockerfile.Image{ID: img.ID.String(), Config: img.Config.Config}, nil
}

func (b *steps) Run(ctx context.Context, req dockerfile.RunRequest) (string, error) {
	ctrs := b.s.containers
	rc := req.Config
	network := req.Network
	if network == "" {
		network = "default"
	}
	cfg := &containertypes.Config{
		Image: req.Image, Cmd: rc.Cmd, Entrypoint: []string{}, Env: rc.Env, User: rc.User, WorkingDir: rc.WorkingDir,
		Healthcheck:  &containertypes.HealthConfig{Test: []string{"NONE"}},
		AttachStdout: true, AttachStderr: true, Labels: map[string]string{StepLabel: ""},
	}
	resp, err := ctrs.ContainerCreate(ctx, "", containertypes.CreateRequest{
		Config: cfg, HostConfig: &containertypes.HostConfig{NetworkMode: containertypes.NetworkMode(network), ExtraHosts: req.ExtraHosts},
	}, backend.ContainerCreateExtensions{})
	if err != nil {
		return "", err
	}
	id := resp.ID
	defer func() { _ = ctrs.ContainerRemove(context.WithoutCancel(ctx), id, true, true) }()
	if req.Started != nil {
		req.Started(id)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wait, err := ctrs.ContainerWait(wctx, id, "next-exit")
	if err != nil {
		return "", err
	}
	attached, err := b.attach(wctx, id, req.Out)
	if err != nil {
		return "", err
	}
	if err := ctrs.ContainerStart(ctx, id); err != nil {
		return "", err
	}
	crashpoint.At("build-mid-run")
	var res containertypes.WaitResponse
	select {
	case res = <-wait:
	case <-ctx.Done():
		_ = ctrs.ContainerKill(context.WithoutCancel(ctx), id, "KILL")
		return "", ctx.Err()
	}
	select {
	case <-attached:
	case <-time.After(10 * time.Second):
		b.s.log.Warn("build: output of container not complete", "id", id)
	}
	if res.Error != nil && res.Error.Message != "" {
		return "", fmt.Errorf("build container %s: %s", id[:12], res.Error.Message)
	}
	if res.StatusCode != 0 {
		return "", &dockerfile.ExitError{Cmd: rc.Cmd, Code: int(res.StatusCode)}
	}
	return ctrs.CommitBuildStep(ctx, id, req.Image, req.Commit, req.CreatedBy)
}

// attach streams the output of step container id to out; it returns once
// the attachment is queued, with a channel that yields when it ends.
func (b *steps) attach(ctx context.Context, id string, out io.Writer) (<-chan error, error) {
	queued := make(chan struct{})
	attached := make(chan error, 1)
	recovery.Go(b.s.log, "build attach "+id, func() {
		attached <- b.s.containers.ContainerAttach(ctx, id, backend.ContainerAttachOptions{
			Stream: true, Stdout: true, Stderr: true,
			Open: func(bool) (io.ReadCloser, io.Writer, io.Writer, error) {
				close(queued)
				return nil, out, out, nil
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
		return attached, nil
	case err := <-attached:
		return nil, fmt.Errorf("attach to build container: %w", err)
	}
}

func randKey(kind string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return snapshot.TempPrefix + kind + "-" + hex.EncodeToString(b)
}

func (b *steps) chainOf(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	img, err := b.s.store.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return img.ChainID(), nil
}

func (b *steps) Mutate(ctx context.Context, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string, fn func(root string) error) (string, error) {
	chain, err := b.chainOf(ctx, parent)
	if err != nil {
		return "", err
	}
	key := randKey("build")
	ms, err := b.s.snapshotter.Prepare(ctx, key, chain)
	if err != nil {
		return "", err
	}
	defer func() { _ = b.s.snapshotter.Remove(context.WithoutCancel(ctx), key) }()
	if err := mount.WithTempMount(ms, fn); err != nil {
		return "", err
	}
	id, err := b.s.store.Commit(ctx, key, digest.Digest(parent), image.CommitOptions{Config: &cfg, CreatedBy: createdBy})
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

func (b *steps) View(ctx context.Context, id string, fn func(root string) error) error {
	chain, err := b.chainOf(ctx, id)
	if err != nil {
		return err
	}
	if chain == "" {
		dir, err := os.MkdirTemp(b.s.tmpDir(), "empty-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		return fn(dir)
	}
	key := randKey("view")
	ms, err := b.s.snapshotter.View(ctx, key, chain)
	if err != nil {
		return err
	}
	defer func() { _ = b.s.snapshotter.Remove(context.WithoutCancel(ctx), key) }()
	return mount.WithTempMount(ms, fn)
}

func (b *steps) SetConfig(ctx context.Context, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string) (string, error) {
	var base dockerspec.DockerOCIImage
	if parent != "" {
		img, err := b.s.store.Get(ctx, parent)
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
	id, err := b.s.store.Create(ctx, raw, digest.Digest(parent))
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

func (b *steps) Tag(ctx context.Context, id, ref string) error {
	if n, err := reference.Normalize(ref); err == nil {
		if img, err := b.s.store.Get(ctx, id); err == nil && slices.Contains(img.RepoTags, n) {
			return nil // already tagged: a cached rebuild writes nothing
		}
	}
	return b.s.store.Tag(ctx, digest.Digest(id), ref)
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
