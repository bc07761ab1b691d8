package daemon

import (
	"context"
	"strconv"
	"time"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/backend/filters"
)

// ContainerPrune removes stopped containers matching the until and label
// filters.
func (d *Daemon) ContainerPrune(ctx context.Context, f filters.Args) (*containertypes.PruneReport, error) {
	if err := f.Validate("until", "label", "label!"); err != nil {
		return nil, err
	}
	var until time.Time
	for _, u := range f.Get("until") {
		t, err := backend.ParseTime(u, time.Now())
		if err != nil {
			return nil, err
		}
		until = t
	}
	rep := &containertypes.PruneReport{ContainersDeleted: []string{}}
	for _, c := range d.containers.List() {
		c.Lock()
		ok := c.Namespace == "" && !c.State.Running() && !c.Incomplete && c.State.Status != "removing" &&
			(until.IsZero() || c.Created.Before(until)) && f.MatchLabels(c.Config.Labels)
		key := c.SnapshotKey
		c.Unlock()
		if !ok {
			continue
		}
		size, _ := d.snapshotter.Usage(ctx, key)
		if err := d.ContainerRemove(ctx, c.ID, false, false); err != nil {
			d.log.Warn("prune", "id", c.ID, "err", err)
			continue
		}
		rep.ContainersDeleted = append(rep.ContainersDeleted, c.ID)
		crashPoint("prune-after-one")
		rep.SpaceReclaimed += uint64(size)
	}
	d.emit("container", "prune", nil, map[string]string{"reclaimed": strconv.Itoa(int(rep.SpaceReclaimed))})
	return rep, nil
}
