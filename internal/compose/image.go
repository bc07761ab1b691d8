package compose

import (
	"context"
	"fmt"
	"io"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
)

// Builder builds a service's image under the given name; the CLI gives
// the engine its build command's.
type Builder func(ctx context.Context, s types.ServiceConfig, image string) error

// ensureImage builds (a service with a build section, when its image is
// missing or build is asked) or pulls the image a service runs, and
// labels the service with the image's ID as docker compose does (a new
// image means a new container).
func (e *Engine) ensureImage(ctx context.Context, p *types.Project, s types.ServiceConfig, build bool) error {
	image := ImageName(p, s)
	var err error
	if s.Build != nil && build {
		err = e.BuildService(ctx, p, s)
	} else if _, err = e.API.ImageInspect(ctx, image); errdefs.IsNotFound(err) {
		if s.Build != nil {
			err = e.BuildService(ctx, p, s)
		} else {
			err = e.Pull(ctx, image)
		}
	}
	if err != nil {
		return err
	}
	img, err := e.API.ImageInspect(ctx, image)
	if err != nil {
		return err
	}
	s.CustomLabels = s.CustomLabels.Add(LabelImage, img.ID)
	p.Services[s.Name] = s
	return nil
}

// BuildService builds a service's image with the engine's Builder.
func (e *Engine) BuildService(ctx context.Context, p *types.Project, s types.ServiceConfig) error {
	if e.Build == nil {
		return fmt.Errorf("service %s: no builder", s.Name)
	}
	image := ImageName(p, s)
	if err := e.Build(ctx, s, image); err != nil {
		return fmt.Errorf("service %s: build: %w", s.Name, err)
	}
	e.event("Image", image, "Built")
	return nil
}

// Pull pulls an image, reporting the daemon's error of the stream.
func (e *Engine) Pull(ctx context.Context, image string) error {
	e.event("Image", image, "Pulling")
	rc, err := e.API.ImagePull(ctx, image, client.ImagePullOptions{})
	return e.drain(image, "pull", "Pulled", rc, err)
}

// Push pushes an image.
func (e *Engine) Push(ctx context.Context, image string) error {
	rc, err := e.API.ImagePush(ctx, image, client.ImagePushOptions{RegistryAuth: "e30="})
	return e.drain(image, "push", "Pushed", rc, err)
}

// drain reads a pull's or push's progress stream to its end, returning the
// error it carries.
func (e *Engine) drain(image, verb, done string, rc io.ReadCloser, err error) error {
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("%s %s: %w", verb, image, err)
	}
	e.event("Image", image, done)
	return nil
}
