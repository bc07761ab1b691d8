package volumes

import (
	"fmt"
	"os"
	"path"

	securejoin "github.com/cyphar/filepath-securejoin"
	mounttypes "github.com/moby/moby/api/types/mount"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
)

// SpecMounts mounts the container's volumes (those with options get their
// file system mounted on first use), fills empty ones from the image when
// asked (copy-up), stages their subpaths in the bundle, and returns their
// bind mounts for the spec. The caller holds c's lock; on error it calls
// Release and UnstageSubpaths.
func (s *Service) SpecMounts(c *container.Container, rootfs, bundle string) ([]specs.Mount, error) {
	var out []specs.Mount
	copied := false
	for i := range c.MountPoints {
		mp := &c.MountPoints[i]
		src := mp.Source
		if mp.Type == mounttypes.TypeVolume {
			if dst, err := securejoin.SecureJoin(rootfs, mp.Destination); err == nil {
				if fi, err := os.Stat(dst); err == nil && !fi.IsDir() && mp.Subpath == "" {
					return nil, errdefs.InvalidParameter(fmt.Errorf("cannot mount volume over existing file, file exists %s", mp.Destination))
				}
			}
			p, err := s.store.Mount(mp.Name, c.ID)
			if err != nil {
				return nil, err // the caller's failure path releases what was taken
			}
			s.emit("mount", mp.Name, map[string]string{
				"container": c.ID, "destination": mp.Destination, "read/write": fmt.Sprint(mp.RW), "propagation": string(mp.Propagation),
			})
			src = p
			if mp.Subpath != "" {
				if src, err = stageSubpath(bundle, i, p, mp.Subpath); err != nil {
					return nil, err // the caller's failure path unstages what was staged
				}
			}
			if mp.CopyData {
				if err := copyUp(rootfs, mp.Destination, p); err != nil {
					return nil, fmt.Errorf("copy image content of %s into volume %s: %w", mp.Destination, mp.Name, err)
				}
				mp.CopyData = false
				copied = true
			}
		}
		opts := []string{"rbind", "rprivate"}
		if mp.RW {
			opts = append(opts, "rw")
		} else {
			opts = append(opts, "ro")
		}
		out = append(out, specs.Mount{Destination: mp.Destination, Type: "bind", Source: src, Options: opts})
	}
	if copied {
		if err := s.containers.Save(c); err != nil {
			s.log.Warn("save after copy-up", "id", c.ID, "err", err)
		}
	}
	return out, nil
}

// Release drops c's hold on its volumes (unmounting those with options
// when c was the last user).
func (s *Service) Release(c *container.Container) {
	for _, mp := range c.MountPoints {
		if mp.Type != mounttypes.TypeVolume {
			continue
		}
		held, err := s.store.Unmount(mp.Name, c.ID)
		if err != nil {
			s.log.Warn("unmount volume", "name", mp.Name, "id", c.ID, "err", err)
		}
		if held {
			s.emit("unmount", mp.Name, map[string]string{"container": c.ID})
		}
	}
}

// RemoveAnonymous removes the anonymous volumes of a removed container
// that no other container uses (rm -v, --rm).
func (s *Service) RemoveAnonymous(c *container.Container) {
	s.mu.Lock()
	defer s.mu.Unlock()
	users := s.users()
	for _, mp := range c.MountPoints {
		if mp.Type != mounttypes.TypeVolume {
			continue
		}
		r, err := s.store.Get(mp.Name)
		if err != nil || !r.Anonymous() || len(users[mp.Name]) > 0 {
			continue
		}
		if err := s.store.Remove(mp.Name); err != nil {
			s.log.Warn("remove anonymous volume", "name", mp.Name, "err", err)
			continue
		}
		s.emit("destroy", mp.Name, nil)
	}
}

// Hold records, after a daemon restart, that the running container c uses
// its volumes (their mounts are still in place).
func (s *Service) Hold(c *container.Container) {
	for _, mp := range c.MountPoints {
		if mp.Type == mounttypes.TypeVolume {
			if _, err := s.store.Mount(mp.Name, c.ID); err != nil {
				s.log.Warn("restore: volume", "name", mp.Name, "id", c.ID, "err", err)
			}
		}
	}
}

// Binds returns the volumes and bind mounts of c as host directories and
// their places in the container (for docker cp).
func (s *Service) Binds(c *container.Container) []mount.Bind {
	c.Lock()
	defer c.Unlock()
	var out []mount.Bind
	for _, b := range hostBinds(c.HostConfig) {
		out = append(out, mount.Bind{Source: b.src, Target: b.dst, ReadOnly: b.ro})
	}
	for _, m := range c.HostConfig.Mounts {
		if m.Type == mounttypes.TypeBind {
			out = append(out, mount.Bind{Source: m.Source, Target: path.Clean(m.Target), ReadOnly: m.ReadOnly})
		}
	}
	for _, mp := range c.MountPoints {
		b := mount.Bind{Source: mp.Source, Target: mp.Destination, ReadOnly: !mp.RW}
		if mp.Type == mounttypes.TypeVolume {
			// The subpath is opened inside the volume when mounted.
			b.Source, b.Subpath = s.store.Path(mp.Name), mp.Subpath
		}
		out = append(out, b)
	}
	return out
}
