package opts

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/mount"
)

// ParseMount parses one --mount value: comma-separated key=value fields
// (type, source/src, target/dst/destination, readonly/ro, bind-propagation,
// bind-nonrecursive, volume-nocopy, volume-subpath, volume-label,
// volume-driver, volume-opt,
// tmpfs-size, tmpfs-mode).
func ParseMount(value string) (mount.Mount, error) {
	m := &mountSpec{Mount: mount.Mount{Type: mount.TypeVolume}}
	fields, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return m.Mount, fmt.Errorf("invalid mount %q: %w", value, err)
	}
	for _, f := range fields {
		key, val, hasVal := strings.Cut(f, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if !hasVal {
			if !m.setFlag(key) {
				return m.Mount, fmt.Errorf("invalid field '%s' must be a key=value pair", f)
			}
			continue
		}
		if err := m.set(key, val, f); err != nil {
			return m.Mount, err
		}
	}
	return m.Mount, m.finish()
}

// mountSpec is a --mount value being parsed; its option groups are made
// when a field of theirs first appears.
type mountSpec struct{ mount.Mount }

func (m *mountSpec) bind() *mount.BindOptions {
	if m.BindOptions == nil {
		m.BindOptions = &mount.BindOptions{}
	}
	return m.BindOptions
}

func (m *mountSpec) vol() *mount.VolumeOptions {
	if m.VolumeOptions == nil {
		m.VolumeOptions = &mount.VolumeOptions{}
	}
	return m.VolumeOptions
}

func (m *mountSpec) tmpfs() *mount.TmpfsOptions {
	if m.TmpfsOptions == nil {
		m.TmpfsOptions = &mount.TmpfsOptions{}
	}
	return m.TmpfsOptions
}

// setFlag applies a field given without a value; false if key needs one.
func (m *mountSpec) setFlag(key string) bool {
	switch key {
	case "readonly", "ro":
		m.ReadOnly = true
	case "volume-nocopy":
		m.vol().NoCopy = true
	case "bind-nonrecursive":
		m.bind().NonRecursive = true
	default:
		return false
	}
	return true
}

// set applies the field key=val (f is the whole field, for errors).
func (m *mountSpec) set(key, val, f string) error {
	invalid := fmt.Errorf("invalid value for %s: %s", key, val)
	boolean := func(dst *bool) error {
		b, err := strconv.ParseBool(val)
		if err != nil {
			return invalid
		}
		*dst = b
		return nil
	}
	switch key {
	case "type":
		m.Type = mount.Type(strings.ToLower(val))
	case "source", "src":
		m.Source = val
	case "target", "dst", "destination":
		m.Target = val
	case "readonly", "ro":
		return boolean(&m.ReadOnly)
	case "consistency":
		m.Consistency = mount.Consistency(val)
	case "bind-propagation":
		m.bind().Propagation = mount.Propagation(strings.ToLower(val))
	case "bind-nonrecursive":
		return boolean(&m.bind().NonRecursive)
	case "bind-create-mountpoint":
		return boolean(&m.bind().CreateMountpoint)
	case "volume-nocopy":
		return boolean(&m.vol().NoCopy)
	case "volume-subpath":
		m.vol().Subpath = val
	case "volume-driver", "volume-opt", "volume-label":
		return m.setVolume(key, val, invalid)
	case "tmpfs-size":
		n, err := units.RAMInBytes(val)
		if err != nil {
			return invalid
		}
		m.tmpfs().SizeBytes = n
	case "tmpfs-mode":
		n, err := strconv.ParseUint(val, 8, 32)
		if err != nil {
			return invalid
		}
		m.tmpfs().Mode = os.FileMode(n)
	default:
		return fmt.Errorf("unexpected key '%s' in '%s'", key, f)
	}
	return nil
}

// setVolume applies the volume driver fields.
func (m *mountSpec) setVolume(key, val string, invalid error) error {
	v := m.vol()
	switch key {
	case "volume-driver":
		v.DriverConfig = driverConfig(v)
		v.DriverConfig.Name = val
	case "volume-opt":
		k, o, ok := strings.Cut(val, "=")
		if !ok {
			return invalid
		}
		dc := driverConfig(v)
		if dc.Options == nil {
			dc.Options = map[string]string{}
		}
		dc.Options[k] = o
		v.DriverConfig = dc
	case "volume-label":
		k, l, _ := strings.Cut(val, "=")
		if v.Labels == nil {
			v.Labels = map[string]string{}
		}
		v.Labels[k] = l
	}
	return nil
}

// finish checks the parsed mount as a whole and makes a bind's source
// absolute.
func (m *mountSpec) finish() error {
	if m.Target == "" {
		return fmt.Errorf("target is required")
	}
	if m.Type == mount.TypeBind && m.Source == "" {
		return fmt.Errorf("source is required when specifying bind mount")
	}
	if m.Type == mount.TypeBind && !filepath.IsAbs(m.Source) {
		abs, err := filepath.Abs(m.Source)
		if err != nil {
			return err
		}
		m.Source = abs
	}
	if m.BindOptions != nil && m.Type != mount.TypeBind {
		return fmt.Errorf("cannot mix 'bind-*' options with mount type '%s'", m.Type)
	}
	if m.VolumeOptions != nil && m.Type != mount.TypeVolume {
		return fmt.Errorf("cannot mix 'volume-*' options with mount type '%s'", m.Type)
	}
	if m.TmpfsOptions != nil && m.Type != mount.TypeTmpfs {
		return fmt.Errorf("cannot mix 'tmpfs-*' options with mount type '%s'", m.Type)
	}
	return nil
}

func driverConfig(v *mount.VolumeOptions) *mount.Driver {
	if v.DriverConfig == nil {
		return &mount.Driver{}
	}
	return v.DriverConfig
}

// ParseVolume sorts one -v value: a lone container path is an anonymous
// volume (returned as volume), anything with a source is a bind or named
// volume kept in the Binds form.
func ParseVolume(value string) (volume, bind string, err error) {
	if value == "" {
		return "", "", fmt.Errorf("invalid empty volume spec")
	}
	parts := strings.Split(value, ":")
	switch len(parts) {
	case 1:
		return value, "", nil
	case 2, 3:
		if parts[0] == "" || parts[1] == "" {
			return "", "", fmt.Errorf("invalid volume specification: '%s'", value)
		}
		if !strings.HasPrefix(parts[1], "/") {
			return "", "", fmt.Errorf("invalid volume specification: '%s': invalid mount config: invalid mount path: '%s' mount path must be absolute", value, parts[1])
		}
		// Like docker 23+, a relative host path (./x, ../x) is made absolute.
		if parts[0] == "." || parts[0] == ".." || strings.HasPrefix(parts[0], "./") || strings.HasPrefix(parts[0], "../") {
			abs, err := filepath.Abs(parts[0])
			if err != nil {
				return "", "", err
			}
			parts[0] = abs
			return "", strings.Join(parts, ":"), nil
		}
		return "", value, nil
	default:
		return "", "", fmt.Errorf("invalid volume specification: '%s'", value)
	}
}

// ParseTmpfs parses --tmpfs path[:options].
func ParseTmpfs(value string) (path, options string, err error) {
	path, options, _ = strings.Cut(value, ":")
	if !strings.HasPrefix(path, "/") {
		return "", "", fmt.Errorf("invalid tmpfs mount path: '%s' mount path must be absolute", path)
	}
	return path, options, nil
}
