package compose

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// DownOptions are the flags of `down`.
type DownOptions struct {
	RemoveOrphans bool
	Volumes       bool   // remove the project's named volumes too
	Rmi           string // "local": images built for services; "all": every service's image
	Timeout       *int
}

// Down stops and removes the project's containers, then its networks,
// and with Volumes its named volumes. project names the project when p
// is nil (no compose file: only what the labels find goes).
func (e *Engine) Down(ctx context.Context, p *types.Project, project string, o DownOptions) error {
	cs, err := e.Containers(ctx, project, true)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	if p != nil {
		for _, n := range append(p.ServiceNames(), p.DisabledServiceNames()...) {
			known[n] = true
		}
	}
	for _, c := range cs {
		if p != nil && !known[c.Labels[LabelService]] && !o.RemoveOrphans {
			continue
		}
		if c.State == "running" {
			if err := e.stop(ctx, c, o.Timeout); err != nil {
				return err
			}
		}
		if err := e.remove(ctx, c, false); err != nil {
			return err
		}
	}
	if err := e.removeNetworks(ctx, p, project); err != nil {
		return err
	}
	if o.Volumes {
		if err := e.removeVolumes(ctx, p, project); err != nil {
			return err
		}
	}
	if o.Rmi != "" && p != nil {
		for _, s := range p.Services {
			if o.Rmi == "all" || s.Image == "" {
				_, err := e.API.ImageRemove(ctx, ImageName(p, s), client.ImageRemoveOptions{})
				if err == nil {
					e.event("Image", ImageName(p, s), "Removed")
				} else if !errdefs.IsNotFound(err) {
					return err
				}
			}
		}
	}
	return nil
}

func (e *Engine) removeNetworks(ctx context.Context, p *types.Project, project string) error {
	res, err := e.API.NetworkList(ctx, client.NetworkListOptions{Filters: projectFilter(project)})
	if err != nil {
		return err
	}
	for _, n := range res.Items {
		if p != nil && !declaredNetwork(p, n.Name) {
			continue
		}
		_, err := e.API.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
		if err := e.gone("Network", n.Name, "Removed", err); err != nil {
			return err
		}
	}
	return nil
}

func declaredNetwork(p *types.Project, name string) bool {
	for _, n := range p.Networks {
		if n.Name == name && !bool(n.External) {
			return true
		}
	}
	return false
}

func (e *Engine) removeVolumes(ctx context.Context, p *types.Project, project string) error {
	res, err := e.API.VolumeList(ctx, client.VolumeListOptions{Filters: projectFilter(project)})
	if err != nil {
		return err
	}
	for _, v := range res.Items {
		_, err := e.API.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{})
		if err := e.gone("Volume", v.Name, "Removed", err); err != nil {
			return err
		}
	}
	return nil
}
