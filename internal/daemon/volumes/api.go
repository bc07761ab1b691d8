package volumes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	volumetypes "github.com/moby/moby/api/types/volume"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/volume"
)

// apiVolume turns a record into the API shape.
func (s *Service) apiVolume(r *volume.Record) *volumetypes.Volume {
	// Empty labels and options are null, as dockerd shows them.
	labels, opts := r.Labels, r.Options
	if len(labels) == 0 {
		labels = nil
	}
	if len(opts) == 0 {
		opts = nil
	}
	return &volumetypes.Volume{
		Name: r.Name, Driver: r.Driver, Scope: "local", Mountpoint: s.store.Path(r.Name),
		Labels: labels, Options: opts, CreatedAt: r.CreatedAt.Format(time.RFC3339),
	}
}

// VolumeCreate creates a volume (POST /volumes/create).
func (s *Service) VolumeCreate(ctx context.Context, req volumetypes.CreateRequest) (*volumetypes.Volume, error) {
	r, err := s.store.Create(req.Name, req.Driver, req.DriverOpts, req.Labels)
	if err != nil {
		return nil, err
	}
	s.emit("create", r.Name, nil)
	return s.apiVolume(r), nil
}

// VolumeInspect returns one volume.
func (s *Service) VolumeInspect(ctx context.Context, name string) (*volumetypes.Volume, error) {
	r, err := s.store.Get(name)
	if err != nil {
		return nil, err
	}
	return s.apiVolume(r), nil
}

// VolumeList lists volumes with the filters dangling, name, label and driver.
func (s *Service) VolumeList(ctx context.Context, f filters.Args) (*volumetypes.ListResponse, error) {
	users := s.users()
	res := &volumetypes.ListResponse{Volumes: []volumetypes.Volume{}, Warnings: []string{}}
	for _, r := range s.store.List() {
		ok, err := matchVolume(r, f, len(users[r.Name]) > 0)
		if err != nil {
			return nil, err
		}
		if ok {
			res.Volumes = append(res.Volumes, *s.apiVolume(r))
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
			return false, filters.InvalidValue("dangling", v)
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
func (s *Service) VolumeRemove(ctx context.Context, name string, force bool) error {
	if _, err := s.store.Get(name); err != nil {
		if force && errdefs.IsNotFound(err) {
			return nil
		}
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ids := s.users()[name]; len(ids) > 0 {
		return errdefs.Conflict(fmt.Errorf("remove %s: volume is in use - [%s]", name, strings.Join(ids, ", ")))
	}
	if err := s.store.Remove(name); err != nil {
		return err
	}
	s.emit("destroy", name, nil)
	return nil
}

// VolumePrune removes unused volumes: anonymous ones only, unless the
// filter all=true is given; label filters narrow the set.
func (s *Service) VolumePrune(ctx context.Context, f filters.Args) (*volumetypes.PruneReport, error) {
	all := false
	for _, v := range f.Get("all") {
		switch strings.ToLower(v) {
		case "true", "1":
			all = true
		case "false", "0":
		default:
			return nil, filters.InvalidValue("all", v)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	users := s.users()
	rep := &volumetypes.PruneReport{VolumesDeleted: []string{}}
	for _, r := range s.store.List() {
		if len(users[r.Name]) > 0 || (!all && !r.Anonymous()) {
			continue
		}
		if ok, _ := matchVolume(r, filters.Args{"label": f.Get("label"), "label!": f.Get("label!")}, false); !ok {
			continue
		}
		size := s.store.Size(r.Name)
		if err := s.store.Remove(r.Name); err != nil {
			s.log.Warn("prune volume", "name", r.Name, "err", err)
			continue
		}
		s.emit("destroy", r.Name, nil)
		rep.VolumesDeleted = append(rep.VolumesDeleted, r.Name)
		rep.SpaceReclaimed += uint64(size)
	}
	s.publish(events.Message{Type: events.VolumeEventType, Action: events.ActionPrune,
		Actor: events.Actor{Attributes: map[string]string{"reclaimed": strconv.FormatUint(rep.SpaceReclaimed, 10)}}})
	return rep, nil
}

// DiskUsage fills the volume part of /system/df.
func (s *Service) DiskUsage() ([]volumetypes.Volume, *volumetypes.DiskUsage) {
	users := s.users()
	du := &volumetypes.DiskUsage{Items: []volumetypes.Volume{}}
	for _, r := range s.store.List() {
		v := s.apiVolume(r)
		n := int64(len(users[r.Name]))
		v.UsageData = &volumetypes.UsageData{RefCount: n, Size: s.store.Size(r.Name)}
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
