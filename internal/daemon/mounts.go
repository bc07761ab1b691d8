package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	containertypes "github.com/moby/moby/api/types/container"
	mounttypes "github.com/moby/moby/api/types/mount"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/volume"
)

// plannedVolume is a volume mount decided at create, before anything is
// made: Name "" is a fresh anonymous volume.
type plannedVolume struct {
	mp      container.MountPoint
	opts    map[string]string
	labels  map[string]string
	inherit bool // from --volumes-from: the volume exists already
}

// planMounts checks every mount of a create request and decides the
// container's volumes without creating anything, so that bad input leaves
// nothing behind. Binds with an absolute source and tmpfs mounts stay in
// the HostConfig (oci.UserMounts turns them into spec mounts); their
// destinations are counted for conflicts.
func (d *Daemon) planMounts(cfg *containertypes.Config, hc *containertypes.HostConfig) ([]plannedVolume, error) {
	dests := map[string]bool{}
	claim := func(dst string) error {
		if !path.IsAbs(dst) {
			return errdefs.InvalidParameter(fmt.Errorf("invalid mount config: invalid mount path: '%s' mount path must be absolute", dst))
		}
		dst = path.Clean(dst)
		if dests[dst] {
			return errdefs.InvalidParameter(fmt.Errorf("Duplicate mount point: %s", dst))
		}
		dests[dst] = true
		return nil
	}
	var out []plannedVolume
	checkDriver := func(name, driver string) error {
		if driver == "" {
			driver = hc.VolumeDriver
		}
		if driver != "" && driver != volume.DriverLocal {
			// 400, not dockerd's 404: a client takes a 404 from create
			// for a missing image.
			return errdefs.InvalidParameter(fmt.Errorf("create %s: error looking up volume plugin %s: plugin %q not found", name, driver, driver))
		}
		return nil
	}
	for _, b := range hc.Binds {
		parts := strings.Split(b, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid volume specification: '%s'", b))
		}
		src, dst, mode := parts[0], parts[1], ""
		if len(parts) == 3 {
			mode = parts[2]
		}
		if err := claim(dst); err != nil {
			return nil, err
		}
		if path.IsAbs(src) {
			continue
		}
		if err := volume.ValidateName(src); err != nil {
			return nil, errdefs.InvalidParameter(fmt.Errorf("create %s: %w", src, err))
		}
		if err := checkDriver(src, ""); err != nil {
			return nil, err
		}
		ro, nocopy := false, false
		for _, o := range strings.Split(mode, ",") {
			switch o {
			case "ro":
				ro = true
			case "nocopy":
				nocopy = true
			case "rw", "z", "Z", "copy", "":
			default:
				return nil, errdefs.InvalidParameter(fmt.Errorf("invalid volume specification: '%s': invalid mode: %s", b, o))
			}
		}
		out = append(out, plannedVolume{mp: volumeMountPoint(src, dst, mode, !ro, !nocopy)})
	}
	for _, m := range hc.Mounts {
		if err := claim(m.Target); err != nil {
			return nil, err
		}
		switch m.Type {
		case mounttypes.TypeBind:
			if !path.IsAbs(m.Source) {
				return nil, errdefs.InvalidParameter(fmt.Errorf("invalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute", m.Source))
			}
			if _, err := os.Stat(m.Source); err != nil {
				return nil, errdefs.InvalidParameter(fmt.Errorf("invalid mount config for type \"bind\": bind source path does not exist: %s", m.Source))
			}
		case mounttypes.TypeTmpfs:
			if m.Source != "" {
				return nil, errdefs.InvalidParameter(errors.New("invalid mount config for type \"tmpfs\": source must not be specified"))
			}
		case mounttypes.TypeVolume:
			if m.Source != "" {
				if err := volume.ValidateName(m.Source); err != nil {
					return nil, errdefs.InvalidParameter(fmt.Errorf("create %s: %w", m.Source, err))
				}
			}
			p := plannedVolume{mp: volumeMountPoint(m.Source, m.Target, "", !m.ReadOnly, true)}
			driver := ""
			if vo := m.VolumeOptions; vo != nil && vo.DriverConfig != nil {
				driver = vo.DriverConfig.Name
			}
			if err := checkDriver(m.Source, driver); err != nil {
				return nil, err
			}
			if vo := m.VolumeOptions; vo != nil {
				p.mp.CopyData = !vo.NoCopy
				if vo.Subpath != "" {
					sp := path.Clean(vo.Subpath)
					if path.IsAbs(sp) || sp == ".." || strings.HasPrefix(sp, "../") {
						return nil, errdefs.InvalidParameter(fmt.Errorf("invalid mount config: subpath must be a relative path within the volume: %s", vo.Subpath))
					}
					p.mp.Subpath, p.mp.CopyData = sp, false
				}
				p.labels = vo.Labels
				if vo.DriverConfig != nil {
					p.opts = vo.DriverConfig.Options
				}
			}
			out = append(out, p)
		default:
			return nil, errdefs.InvalidParameter(fmt.Errorf("mount type %q is not supported", m.Type))
		}
	}
	for dst := range hc.Tmpfs {
		if err := claim(dst); err != nil {
			return nil, err
		}
	}
	for _, from := range hc.VolumesFrom {
		ref, mode, _ := strings.Cut(from, ":")
		rw := true
		switch mode {
		case "", "rw":
		case "ro":
			rw = false
		default:
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid mode for volumes-from: %s", mode))
		}
		src, err := d.containers.Get(ref)
		if err != nil {
			// 400, not 404: a client takes a 404 from create for a missing
			// image and would try to pull it.
			return nil, errdefs.InvalidParameter(errors.New(err.Error()))
		}
		for _, mp := range inheritableMounts(src) {
			if dests[mp.Destination] {
				continue
			}
			dests[mp.Destination] = true
			mp.CopyData = false
			if mode != "" {
				mp.RW = rw
				mp.Mode = mode
			}
			out = append(out, plannedVolume{mp: mp, inherit: true})
		}
	}
	// Anonymous volumes: -v /path and the image's VOLUME entries, unless a
	// mount above covers the path.
	anon := make([]string, 0, len(cfg.Volumes))
	for dst := range cfg.Volumes {
		anon = append(anon, dst)
	}
	sort.Strings(anon)
	for _, dst := range anon {
		if !path.IsAbs(dst) {
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid mount config: invalid mount path: '%s' mount path must be absolute", dst))
		}
		if dests[path.Clean(dst)] {
			continue
		}
		dests[path.Clean(dst)] = true
		if err := checkDriver("", ""); err != nil {
			return nil, err
		}
		out = append(out, plannedVolume{mp: volumeMountPoint("", dst, "", true, true)})
	}
	return out, nil
}

func volumeMountPoint(name, dst, mode string, rw, copyData bool) container.MountPoint {
	if name != "" && mode == "" {
		mode = "z" // what dockerd shows for a named volume
	}
	return container.MountPoint{MountPoint: containertypes.MountPoint{
		Type: mounttypes.TypeVolume, Name: name, Destination: path.Clean(dst), Driver: volume.DriverLocal, Mode: mode, RW: rw,
	}, CopyData: copyData}
}

// inheritableMounts returns what --volumes-from copies from src: its
// volumes and its bind mounts (tmpfs mounts are not shared).
func inheritableMounts(src *container.Container) []container.MountPoint {
	src.Lock()
	defer src.Unlock()
	out := append([]container.MountPoint{}, src.MountPoints...)
	for _, b := range src.HostConfig.Binds {
		parts := strings.Split(b, ":")
		if len(parts) < 2 || !path.IsAbs(parts[0]) {
			continue
		}
		mode := ""
		if len(parts) == 3 {
			mode = parts[2]
		}
		out = append(out, container.MountPoint{MountPoint: containertypes.MountPoint{
			Type: mounttypes.TypeBind, Source: parts[0], Destination: path.Clean(parts[1]), Mode: mode,
			RW: !hasPart(mode, "ro"), Propagation: mounttypes.PropagationRPrivate,
		}})
	}
	for _, m := range src.HostConfig.Mounts {
		if m.Type == mounttypes.TypeBind {
			out = append(out, container.MountPoint{MountPoint: containertypes.MountPoint{
				Type: mounttypes.TypeBind, Source: m.Source, Destination: path.Clean(m.Target), RW: !m.ReadOnly,
				Propagation: mounttypes.PropagationRPrivate,
			}})
		}
	}
	return out
}

// attachVolumes makes the planned volumes and records them in c, under
// volMu so that no removal sees them unused in between.
func (d *Daemon) attachVolumes(c *container.Container, plan []plannedVolume) error {
	d.volMu.Lock()
	defer d.volMu.Unlock()
	mps, err := d.createVolumes(c.HostConfig, plan)
	if err != nil {
		return err
	}
	c.Lock()
	c.MountPoints = mps
	c.Unlock()
	return nil
}

// createVolumes makes the planned volumes (named ones if missing, fresh
// anonymous ones) and the missing host directories of -v binds, as Docker
// does. On error, the anonymous volumes made so far are removed.
func (d *Daemon) createVolumes(hc *containertypes.HostConfig, plan []plannedVolume) ([]container.MountPoint, error) {
	var made []string
	fail := func(err error) ([]container.MountPoint, error) {
		for _, n := range made {
			_ = d.volumes.Remove(n)
		}
		return nil, err
	}
	for _, b := range hc.Binds {
		src, _, _ := strings.Cut(b, ":")
		if !path.IsAbs(src) {
			continue
		}
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(src, 0o755); err != nil {
				return fail(fmt.Errorf("create bind source %s: %w", src, err))
			}
		}
	}
	out := make([]container.MountPoint, 0, len(plan))
	for _, p := range plan {
		mp := p.mp
		if mp.Type == mounttypes.TypeVolume && !p.inherit {
			existed := false
			if mp.Name != "" {
				_, err := d.volumes.Get(mp.Name)
				existed = err == nil
			}
			r, err := d.volumes.Create(mp.Name, volume.DriverLocal, p.opts, p.labels)
			if err != nil {
				return fail(err)
			}
			if mp.Name == "" {
				made = append(made, r.Name) // a named volume outlives a failed create, as in Docker
			}
			if !existed {
				d.emitVolume("create", r.Name, nil)
			}
			mp.Name = r.Name
		}
		if mp.Type == mounttypes.TypeVolume {
			mp.Source = d.volumes.Path(mp.Name)
		}
		out = append(out, mp)
	}
	return out, nil
}

// volumeSpecMounts mounts the container's volumes (those with options get
// their file system mounted on first use), fills empty ones from the image
// when asked (copy-up), and returns their bind mounts for the spec. The
// caller holds c's lock.
func (d *Daemon) volumeSpecMounts(c *container.Container, rootfs string) ([]specs.Mount, error) {
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
			p, err := d.volumes.Mount(mp.Name, c.ID)
			if err != nil {
				return nil, err // the caller's failure path releases what was taken
			}
			d.emitVolume("mount", mp.Name, map[string]string{
				"container": c.ID, "destination": mp.Destination, "read/write": fmt.Sprint(mp.RW), "propagation": string(mp.Propagation),
			})
			src = p
			if mp.Subpath != "" {
				if src, err = d.stageSubpath(c.ID, i, p, mp.Subpath); err != nil {
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
		if err := d.containers.Save(c); err != nil {
			d.log.Warn("save after copy-up", "id", c.ID, "err", err)
		}
	}
	return out, nil
}

// releaseVolumes drops c's hold on its volumes (unmounting those with
// options when c was the last user).
func (d *Daemon) releaseVolumes(c *container.Container) {
	for _, mp := range c.MountPoints {
		if mp.Type != mounttypes.TypeVolume {
			continue
		}
		held, err := d.volumes.Unmount(mp.Name, c.ID)
		if err != nil {
			d.log.Warn("unmount volume", "name", mp.Name, "id", c.ID, "err", err)
		}
		if held {
			d.emitVolume("unmount", mp.Name, map[string]string{"container": c.ID})
		}
	}
}

// removeAnonymousVolumes removes the anonymous volumes of a removed
// container that no other container uses (rm -v, --rm).
func (d *Daemon) removeAnonymousVolumes(c *container.Container) {
	d.volMu.Lock()
	defer d.volMu.Unlock()
	users := d.volumeUsers()
	for _, mp := range c.MountPoints {
		if mp.Type != mounttypes.TypeVolume {
			continue
		}
		r, err := d.volumes.Get(mp.Name)
		if err != nil || !r.Anonymous() || len(users[mp.Name]) > 0 {
			continue
		}
		if err := d.volumes.Remove(mp.Name); err != nil {
			d.log.Warn("remove anonymous volume", "name", mp.Name, "err", err)
			continue
		}
		d.emitVolume("destroy", mp.Name, nil)
	}
}

// holdVolumes records, after a daemon restart, that the running container
// c uses its volumes (their mounts are still in place).
func (d *Daemon) holdVolumes(c *container.Container) {
	for _, mp := range c.MountPoints {
		if mp.Type == mounttypes.TypeVolume {
			if _, err := d.volumes.Mount(mp.Name, c.ID); err != nil {
				d.log.Warn("restore: volume", "name", mp.Name, "id", c.ID, "err", err)
			}
		}
	}
}

// containerBinds returns the volumes and bind mounts of c as host
// directories and their places in the container (for docker cp).
func (d *Daemon) containerBinds(c *container.Container) []mount.Bind {
	c.Lock()
	defer c.Unlock()
	var out []mount.Bind
	for _, b := range c.HostConfig.Binds {
		parts := strings.Split(b, ":")
		if len(parts) >= 2 && path.IsAbs(parts[0]) {
			mode := ""
			if len(parts) == 3 {
				mode = parts[2]
			}
			out = append(out, mount.Bind{Source: parts[0], Target: path.Clean(parts[1]), ReadOnly: hasPart(mode, "ro")})
		}
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
			b.Source, b.Subpath = d.volumes.Path(mp.Name), mp.Subpath
		}
		out = append(out, b)
	}
	return out
}
