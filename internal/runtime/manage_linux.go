package runtime

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/runtime/cgroups"
	"github.com/berth/berth/internal/runtime/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Pause freezes every process of the container.
func Pause(root, id string) error {
	st, m, err := running(root, id)
	if err != nil {
		return err
	}
	if st.Status() == state.Paused {
		return errdefs.Conflict(fmt.Errorf("container %s is already paused", id))
	}
	if err := m.Freeze(); err != nil {
		return fmt.Errorf("freeze container %s: %w", id, err)
	}
	return nil
}

// Resume thaws a paused container.
func Resume(root, id string) error {
	st, m, err := running(root, id)
	if err != nil {
		return err
	}
	if st.Status() != state.Paused {
		return errdefs.Conflict(fmt.Errorf("container %s is not paused", id))
	}
	if err := m.Thaw(); err != nil {
		return fmt.Errorf("thaw container %s: %w", id, err)
	}
	return nil
}

func running(root, id string) (*state.State, cgroups.Manager, error) {
	st, err := state.Load(root, id)
	if err != nil {
		return nil, nil, err
	}
	if s := st.Status(); s == state.Stopped || s == state.Created {
		return nil, nil, errdefs.Conflict(fmt.Errorf("container %s: container not running", id))
	}
	if len(st.Cgroups) == 0 {
		return nil, nil, errdefs.NotImplemented(fmt.Errorf("container %s has no cgroup", id))
	}
	m, err := cgroups.Load(st.Cgroups)
	if err != nil {
		return nil, nil, fmt.Errorf("open cgroup of %s: %w", id, err)
	}
	return st, m, nil
}

// Pids lists the processes of the container (host pids).
func Pids(root, id string) ([]int, error) {
	st, err := state.Load(root, id)
	if err != nil {
		return nil, err
	}
	if st.Status() == state.Stopped {
		return []int{}, nil
	}
	if len(st.Cgroups) == 0 {
		return []int{st.Pid}, nil
	}
	m, err := cgroups.Load(st.Cgroups)
	if err != nil {
		return nil, fmt.Errorf("open cgroup of %s: %w", id, err)
	}
	pids, err := m.Pids()
	if err != nil {
		return nil, fmt.Errorf("list processes of %s: %w", id, err)
	}
	sort.Ints(pids)
	return pids, nil
}

// List returns the states of all containers under root.
func List(root string) ([]*state.State, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list containers in %s: %w", root, err)
	}
	var out []*state.State
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		st, err := state.Load(root, e.Name())
		if err != nil {
			continue
		}
		out = append(out, st)
	}
	return out, nil
}

// Update applies new cgroup resources to a created, running or paused
// container and remembers them.
func Update(root, id string, r *specs.LinuxResources) error {
	st, err := state.Load(root, id)
	if err != nil {
		return err
	}
	if st.Status() == state.Stopped {
		return errdefs.Conflict(fmt.Errorf("container %s: container not running", id))
	}
	if err := cgroups.Validate(r); err != nil {
		return invalid("linux.resources: %v", err)
	}
	if len(st.Cgroups) == 0 {
		return errdefs.NotImplemented(fmt.Errorf("container %s has no cgroup", id))
	}
	m, err := cgroups.Load(st.Cgroups)
	if err != nil {
		return fmt.Errorf("open cgroup of %s: %w", id, err)
	}
	if err := m.Set(r); err != nil {
		return fmt.Errorf("update resources of %s: %w", id, err)
	}
	if st.Config.Linux != nil {
		st.Config.Linux.Resources = r
	}
	return st.Save(root)
}

// Stats returns the cgroup statistics of a container (for `events`).
func Stats(root, id string) (any, error) {
	st, err := state.Load(root, id)
	if err != nil {
		return nil, err
	}
	if st.Status() == state.Stopped {
		return nil, errdefs.Conflict(fmt.Errorf("container %s: container not running", id))
	}
	if len(st.Cgroups) == 0 {
		return nil, errdefs.NotImplemented(fmt.Errorf("container %s has no cgroup", id))
	}
	m, err := cgroups.Load(st.Cgroups)
	if err != nil {
		return nil, fmt.Errorf("open cgroup of %s: %w", id, err)
	}
	return m.Stats()
}
