package daemon

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	volumetypes "github.com/moby/moby/api/types/volume"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/volume"
)

// volumeUsers returns, per volume name, the IDs of the containers whose
// records refer to it (running or not: Docker refuses to remove either).
func (d *Daemon) volumeUsers() map[string][]string {
	out := map[string][]string{}
	for _, c := range d.containers.List() {
		c.Lock()
		for _, mp := range c.MountPoints {
			if mp.Name != "" {
				out[mp.Name] = append(out[mp.Name], c.ID)
			}
		}
		c.Unlock()
	}
	return out
}

// volumeAPI turns a record into the API shape.
func (d *Daemon) volumeAPI(r *volume.Record) *volumetypes.Volume {
	// Empty labels and options are null, as dockerd shows them.
	labels, opts := r.Labels, r.Options
	if len(labels) == 0 {
		labels = nil
	}
	if len(opts) == 0 {
		opts = nil
	}
	return &volumetypes.Volume{
		Name: r.Name, Driver: r.Driver, Scope: "local", Mountpoint: d.volumes.Path(r.Name),
		Labels: labels, Options: opts, CreatedAt: r.CreatedAt.Format(time.RFC3339),
	}
}

// VolumeCreate creates a volume (POST /volumes/create).
func (d *Daemon) VolumeCreate(ctx context.Context, req volumetypes.CreateRequest) (*volumetypes.Volume, error) {
	r, err := d.volumes.Create(req.Name, req.Driver, req.DriverOpts, req.Labels)
	if err != nil {
		return nil, err
	}
	d.emitVolume("create", r.Name, nil)
	return d.volumeAPI(r), nil
}

// VolumeInspect returns one volume.
func (d *Daemon) VolumeInspect(ctx context.Context, name string) (*volumetypes.Volume, error) {
	r, err := d.volumes.Get(name)
	if err != nil {
		return nil, err
	}
	return d.volumeAPI(r), nil
}

// VolumeList lists volumes with the filters dangling, name, label and driver.
func (d *Daemon) VolumeList(ctx context.Context, f filters.Args) (*volumetypes.ListResponse, error) {
	users := d.volumeUsers()
	res := &volumetypes.ListResponse{Volumes: []volumetypes.Volume{}, Warnings: []string{}}
	for _, r := range d.volumes.List() {
		ok, err := matchVolume(r, f, len(users[r.Name]) > 0)
		if err != nil {
			return nil, err
		}
		if ok {
			res.Volumes = append(res.Volumes, *d.volumeAPI(r))
		}
	}
	return res, nil
}

func matchVolume(r *volume.Record, f filters.Args, inUse bool) (bool, error) {
	for _, v := range f.Get("dangling") {
		switch strings.ToLower(v) {
		case "true", "1":
			if inUse {
				return false, nil
			}
		case "false", "0":
			if !inUse {
				return false, nil
			}
		default:
			return false, errdefs.InvalidParameter(fmt.Errorf("invalid filter 'dangling=%s'", v))
		}
	}
	if names := f.Get("name"); len(names) > 0 {
		hit := false
		for _, n := range names {
			if strings.Contains(r.Name, n) {
				hit = true
			}
		}
		if !hit {
			return false, nil
		}
	}
	if drivers := f.Get("driver"); len(drivers) > 0 {
		hit := false
		for _, n := range drivers {
			if n == r.Driver {
				hit = true
			}
		}
		if !hit {
			return false, nil
		}
	}
	for _, l := range f.Get("label") {
		if !hasLabel(r.Labels, l) {
			return false, nil
		}
	}
	for _, l := range f.Get("label!") {
		if hasLabel(r.Labels, l) {
			return false, nil
		}
	}
	return true, nil
}

// hasLabel matches "key" or "key=value".
func hasLabel(labels map[string]string, l string) bool {
	k, v, withValue := strings.Cut(l, "=")
	got, ok := labels[k]
	return ok && (!withValue || got == v)
}

// VolumeRemove removes a volume no container refers to; force only makes a
// missing volume not an error.
func (d *Daemon) VolumeRemove(ctx context.Context, name string, force bool) error {
	if _, err := d.volumes.Get(name); err != nil {
		if force && errdefs.IsNotFound(err) {
			return nil
		}
		return err
	}
	d.volMu.Lock()
	defer d.volMu.Unlock()
	if ids := d.volumeUsers()[name]; len(ids) > 0 {
		return errdefs.Conflict(fmt.Errorf("remove %s: volume is in use - [%s]", name, strings.Join(ids, ", ")))
	}
	if err := d.volumes.Remove(name); err != nil {
		return err
	}
	d.emitVolume("destroy", name, nil)
	return nil
}

// VolumePrune removes unused volumes: anonymous ones only, unless the
// filter all=true is given; label filters narrow the set.
func (d *Daemon) VolumePrune(ctx context.Context, f filters.Args) (*volumetypes.PruneReport, error) {
	all := false
	for _, v := range f.Get("all") {
		switch strings.ToLower(v) {
		case "true", "1":
			all = true
		case "false", "0":
		default:
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filter 'all=%s'", v))
		}
	}
	d.volMu.Lock()
	defer d.volMu.Unlock()
	users := d.volumeUsers()
	rep := &volumetypes.PruneReport{VolumesDeleted: []string{}}
	for _, r := range d.volumes.List() {
		if len(users[r.Name]) > 0 || (!all && !r.Anonymous()) {
			continue
		}
		if ok, _ := matchVolume(r, filters.Args{"label": f.Get("label"), "label!": f.Get("label!")}, false); !ok {
			continue
		}
		size := d.volumes.Size(r.Name)
		if err := d.volumes.Remove(r.Name); err != nil {
			d.log.Warn("prune volume", "name", r.Name, "err", err)
			continue
		}
		d.emitVolume("destroy", r.Name, nil)
		rep.VolumesDeleted = append(rep.VolumesDeleted, r.Name)
		rep.SpaceReclaimed += uint64(size)
	}
	return rep, nil
}

// volumeDiskUsage fills the volume part of /system/df.
func (d *Daemon) volumeDiskUsage() ([]volumetypes.Volume, *volumetypes.DiskUsage) {
	users := d.volumeUsers()
	du := &volumetypes.DiskUsage{Items: []volumetypes.Volume{}}
	for _, r := range d.volumes.List() {
		v := d.volumeAPI(r)
		n := int64(len(users[r.Name]))
		v.UsageData = &volumetypes.UsageData{RefCount: n, Size: d.volumes.Size(r.Name)}
		du.TotalCount++
		du.TotalSize += v.UsageData.Size
		if n > 0 {
			du.ActiveCount++
		} else {
			du.Reclaimable += v.UsageData.Size
		}
		du.Items = append(du.Items, *v)
	}
	return du.Items, du
}

// emitVolume publishes a volume event (create, destroy, mount, unmount).
func (d *Daemon) emitVolume(action, name string, attrs map[string]string) {
	now := time.Now()
	a := map[string]string{"driver": volume.DriverLocal}
	for k, v := range attrs {
		a[k] = v
	}
	d.events.publish(events.Message{
		Type: events.VolumeEventType, Action: events.Action(action), Actor: events.Actor{ID: name, Attributes: a},
		Scope: "local", Time: now.Unix(), TimeNano: now.UnixNano(),
	})
}
