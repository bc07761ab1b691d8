package volumes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"
	mounttypes "github.com/moby/moby/api/types/mount"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/volume"
)

// Planned is a volume mount decided at create, before anything is made:
// Name "" is a fresh anonymous volume.
type Planned struct {
	mp      container.MountPoint
	opts    map[string]string
	labels  map[string]string
	inherit bool // from --volumes-from: the volume exists already
}

// planner collects the planned volumes of one create request and the
// destinations claimed so far.
type planner struct {
	hc    *containertypes.HostConfig
	dests map[string]bool
	out   []Planned
}

// Plan checks every mount of a create request and decides the container's
// volumes without creating anything, so that bad input leaves nothing
// behind. Binds with an absolute source and tmpfs mounts stay in the
// HostConfig (oci.UserMounts turns them into spec mounts); their
// destinations are counted for conflicts.
func (s *Service) Plan(cfg *containertypes.Config, hc *containertypes.HostConfig) ([]Planned, error) {
	p := &planner{hc: hc, dests: map[string]bool{}}
	if err := p.binds(); err != nil {
		return nil, err
	}
	if err := p.mounts(); err != nil {
		return nil, err
	}
	for dst := range hc.Tmpfs {
		if err := p.claim(dst); err != nil {
			return nil, err
		}
	}
	if err := p.volumesFrom(s.containers); err != nil {
		return nil, err
	}
	if err := p.anonymous(cfg.Volumes); err != nil {
		return nil, err
	}
	return p.out, nil
}

// claim records dst as a mount destination; it must be absolute and new.
func (p *planner) claim(dst string) error {
	if !path.IsAbs(dst) {
		return errdefs.InvalidParameter(fmt.Errorf("invalid mount config: invalid mount path: '%s' mount path must be absolute", dst))
	}
	dst = path.Clean(dst)
	if p.dests[dst] {
		return errdefs.InvalidParameter(fmt.Errorf("Duplicate mount point: %s", dst))
	}
	p.dests[dst] = true
	return nil
}

// checkDriver refuses volume drivers other than local (driver "" is the
// container's --volume-driver).
func (p *planner) checkDriver(name, driver string) error {
	if driver == "" {
		driver = p.hc.VolumeDriver
	}
	if driver != "" && driver != volume.DriverLocal {
		// 400, not dockerd's 404: a client takes a 404 from create
		// for a missing image.
		return errdefs.InvalidParameter(fmt.Errorf("create %s: error looking up volume plugin %s: plugin %q not found", name, driver, driver))
	}
	return nil
}

// binds plans -v name:/path[:mode] and claims the destinations of all -v.
func (p *planner) binds() error {
	for _, b := range p.hc.Binds {
		parts := strings.Split(b, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return errdefs.InvalidParameter(fmt.Errorf("invalid volume specification: '%s'", b))
		}
		src, dst, mode := parts[0], parts[1], ""
		if len(parts) == 3 {
			mode = parts[2]
		}
		if err := p.claim(dst); err != nil {
			return err
		}
		if path.IsAbs(src) {
			continue
		}
		if err := volume.ValidateName(src); err != nil {
			return errdefs.InvalidParameter(fmt.Errorf("create %s: %w", src, err))
		}
		if err := p.checkDriver(src, ""); err != nil {
			return err
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
				return errdefs.InvalidParameter(fmt.Errorf("invalid volume specification: '%s': invalid mode: %s", b, o))
			}
		}
		p.out = append(p.out, Planned{mp: volumeMountPoint(src, dst, mode, !ro, !nocopy)})
	}
	return nil
}

// mounts checks --mount and plans its volumes.
func (p *planner) mounts() error {
	for _, m := range p.hc.Mounts {
		if err := p.claim(m.Target); err != nil {
			return err
		}
		switch m.Type {
		case mounttypes.TypeBind:
			if !path.IsAbs(m.Source) {
				return errdefs.InvalidParameter(fmt.Errorf("invalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute", m.Source))
			}
			if _, err := os.Stat(m.Source); err != nil {
				return errdefs.InvalidParameter(fmt.Errorf("invalid mount config for type \"bind\": bind source path does not exist: %s", m.Source))
			}
		case mounttypes.TypeTmpfs:
			if m.Source != "" {
				return errdefs.InvalidParameter(errors.New("invalid mount config for type \"tmpfs\": source must not be specified"))
			}
		case mounttypes.TypeImage:
			if err := imageMount(m); err != nil {
				return err
			}
		case mounttypes.TypeVolume:
			v, err := p.volumeMount(m)
			if err != nil {
				return err
			}
			p.out = append(p.out, v)
		default:
			return errdefs.InvalidParameter(fmt.Errorf("mount type %q is not supported", m.Type))
		}
	}
	return nil
}

// imageMount checks one --mount type=image: an image (the daemon makes its
// read-only view at create) and a relative subpath.
func imageMount(m mounttypes.Mount) error {
	if m.Source == "" {
		return errdefs.InvalidParameter(errors.New("invalid mount config for type \"image\": source must name an image"))
	}
	if m.ImageOptions != nil && m.ImageOptions.Subpath != "" {
		_, err := relativeSubpath(m.ImageOptions.Subpath, "image")
		return err
	}
	return nil
}

// relativeSubpath is subpath sp cleaned; it must stay within the volume
// or image (what).
func relativeSubpath(sp, what string) (string, error) {
	clean := path.Clean(sp)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", errdefs.InvalidParameter(fmt.Errorf("invalid mount config: subpath must be a relative path within the %s: %s", what, sp))
	}
	return clean, nil
}

// volumeMount plans one --mount type=volume.
func (p *planner) volumeMount(m mounttypes.Mount) (Planned, error) {
	if m.Source != "" {
		if err := volume.ValidateName(m.Source); err != nil {
			return Planned{}, errdefs.InvalidParameter(fmt.Errorf("create %s: %w", m.Source, err))
		}
	}
	v := Planned{mp: volumeMountPoint(m.Source, m.Target, "", !m.ReadOnly, true)}
	driver := ""
	if vo := m.VolumeOptions; vo != nil && vo.DriverConfig != nil {
		driver = vo.DriverConfig.Name
	}
	if err := p.checkDriver(m.Source, driver); err != nil {
		return Planned{}, err
	}
	vo := m.VolumeOptions
	if vo == nil {
		return v, nil
	}
	v.mp.CopyData = !vo.NoCopy
	if vo.Subpath != "" {
		sp, err := relativeSubpath(vo.Subpath, "volume")
		if err != nil {
			return Planned{}, err
		}
		v.mp.Subpath, v.mp.CopyData = sp, false
	}
	v.labels = vo.Labels
	if vo.DriverConfig != nil {
		v.opts = vo.DriverConfig.Options
	}
	return v, nil
}

// volumesFrom plans --volumes-from: the mounts of other containers, where
// no mount above covers their destination.
func (p *planner) volumesFrom(containers Containers) error {
	for _, from := range p.hc.VolumesFrom {
		ref, mode, _ := strings.Cut(from, ":")
		rw := true
		switch mode {
		case "", "rw":
		case "ro":
			rw = false
		default:
			return errdefs.InvalidParameter(fmt.Errorf("invalid mode for volumes-from: %s", mode))
		}
		src, err := containers.Get(ref)
		if err != nil {
			// 400, not 404: a client takes a 404 from create for a missing
			// image and would try to pull it.
			return errdefs.InvalidParameter(errors.New(err.Error()))
		}
		for _, mp := range inheritableMounts(src) {
			if p.dests[mp.Destination] {
				continue
			}
			p.dests[mp.Destination] = true
			mp.CopyData = false
			if mode != "" {
				mp.RW = rw
				mp.Mode = mode
			}
			p.out = append(p.out, Planned{mp: mp, inherit: true})
		}
	}
	return nil
}

// anonymous plans the anonymous volumes: -v /path and the image's VOLUME
// entries, unless a mount above covers the path.
func (p *planner) anonymous(volumes map[string]struct{}) error {
	anon := make([]string, 0, len(volumes))
	for dst := range volumes {
		anon = append(anon, dst)
	}
	sort.Strings(anon)
	for _, dst := range anon {
		if !path.IsAbs(dst) {
			return errdefs.InvalidParameter(fmt.Errorf("invalid mount config: invalid mount path: '%s' mount path must be absolute", dst))
		}
		if p.dests[path.Clean(dst)] {
			continue
		}
		p.dests[path.Clean(dst)] = true
		if err := p.checkDriver("", ""); err != nil {
			return err
		}
		p.out = append(p.out, Planned{mp: volumeMountPoint("", dst, "", true, true)})
	}
	return nil
}

func volumeMountPoint(name, dst, mode string, rw, copyData bool) container.MountPoint {
	if name != "" && mode == "" {
		mode = "z" // what dockerd shows for a named volume
	}
	return container.MountPoint{MountPoint: containertypes.MountPoint{
		Type: mounttypes.TypeVolume, Name: name, Destination: path.Clean(dst), Driver: volume.DriverLocal, Mode: mode, RW: rw,
	}, CopyData: copyData}
}

// hostBind is a -v /host:/dst[:mode] bind with its parts.
type hostBind struct {
	src, dst, mode string
	ro             bool
}

// hostBinds returns the -v binds of hc whose source is a host path.
func hostBinds(hc *containertypes.HostConfig) []hostBind {
	var out []hostBind
	for _, b := range hc.Binds {
		parts := strings.Split(b, ":")
		if len(parts) < 2 || !path.IsAbs(parts[0]) {
			continue
		}
		hb := hostBind{src: parts[0], dst: path.Clean(parts[1])}
		if len(parts) == 3 {
			hb.mode = parts[2]
		}
		hb.ro = slices.Contains(strings.Split(hb.mode, ","), "ro")
		out = append(out, hb)
	}
	return out
}

// inheritableMounts returns what --volumes-from copies from src: its
// volumes and its bind mounts (tmpfs mounts are not shared).
func inheritableMounts(src *container.Container) []container.MountPoint {
	src.Lock()
	defer src.Unlock()
	out := append([]container.MountPoint{}, src.MountPoints...)
	for _, b := range hostBinds(src.HostConfig) {
		out = append(out, container.MountPoint{MountPoint: containertypes.MountPoint{
			Type: mounttypes.TypeBind, Source: b.src, Destination: b.dst, Mode: b.mode,
			RW: !b.ro, Propagation: mounttypes.PropagationRPrivate,
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

// Attach makes the planned volumes and records them in c, under the
// service's lock so that no removal sees them unused in between.
func (s *Service) Attach(c *container.Container, plan []Planned) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	mps, err := s.create(c.HostConfig, plan)
	if err != nil {
		return err
	}
	c.Lock()
	c.MountPoints = mps
	c.Unlock()
	return nil
}

// create makes the planned volumes (named ones if missing, fresh
// anonymous ones) and the missing host directories of -v binds, as Docker
// does. On error, the anonymous volumes made so far are removed.
func (s *Service) create(hc *containertypes.HostConfig, plan []Planned) ([]container.MountPoint, error) {
	var made []string
	fail := func(err error) ([]container.MountPoint, error) {
		for _, n := range made {
			_ = s.store.Remove(n)
		}
		return nil, err
	}
	for _, b := range hostBinds(hc) {
		if _, err := os.Stat(b.src); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(b.src, 0o755); err != nil {
				return fail(fmt.Errorf("create bind source %s: %w", b.src, err))
			}
		}
	}
	out := make([]container.MountPoint, 0, len(plan))
	for _, p := range plan {
		mp := p.mp
		if mp.Type == mounttypes.TypeVolume && !p.inherit {
			existed := false
			if mp.Name != "" {
				_, err := s.store.Get(mp.Name)
				existed = err == nil
			}
			r, err := s.store.Create(mp.Name, volume.DriverLocal, p.opts, p.labels)
			if err != nil {
				return fail(err)
			}
			if mp.Name == "" {
				made = append(made, r.Name) // a named volume outlives a failed create, as in Docker
			}
			if !existed {
				s.emit("create", r.Name, nil)
			}
			mp.Name = r.Name
		}
		if mp.Type == mounttypes.TypeVolume {
			mp.Source = s.store.Path(mp.Name)
		}
		out = append(out, mp)
	}
	return out, nil
}
