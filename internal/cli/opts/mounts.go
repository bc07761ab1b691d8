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
	m := mount.Mount{Type: mount.TypeVolume}
	fields, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return m, fmt.Errorf("invalid mount %q: %w", value, err)
	}
	bind := func() *mount.BindOptions {
		if m.BindOptions == nil {
			m.BindOptions = &mount.BindOptions{}
		}
		return m.BindOptions
	}
	vol := func() *mount.VolumeOptions {
		if m.VolumeOptions == nil {
			m.VolumeOptions = &mount.VolumeOptions{}
		}
		return m.VolumeOptions
	}
	tmpfs := func() *mount.TmpfsOptions {
		if m.TmpfsOptions == nil {
			m.TmpfsOptions = &mount.TmpfsOptions{}
		}
		return m.TmpfsOptions
	}
	for _, f := range fields {
		key, val, hasVal := strings.Cut(f, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if !hasVal {
			switch key {
			case "readonly", "ro":
				m.ReadOnly = true
				continue
			case "volume-nocopy":
				vol().NoCopy = true
				continue
			case "bind-nonrecursive":
				bind().NonRecursive = true
				continue
			}
			return m, fmt.Errorf("invalid field '%s' must be a key=value pair", f)
		}
		switch key {
		case "type":
			m.Type = mount.Type(strings.ToLower(val))
		case "source", "src":
			m.Source = val
		case "target", "dst", "destination":
			m.Target = val
		case "readonly", "ro":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return m, fmt.Errorf("invalid value for %s: %s", key, val)
			}
			m.ReadOnly = b
		case "consistency":
			m.Consistency = mount.Consistency(val)
		case "bind-propagation":
			bind().Propagation = mount.Propagation(strings.ToLower(val))
		case "bind-nonrecursive":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return m, fmt.Errorf("invalid value for %s: %s", key, val)
			}
			bind().NonRecursive = b
		case "bind-create-mountpoint":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return m, fmt.Errorf("invalid value for %s: %s", key, val)
			}
			bind().CreateMountpoint = b
		case "volume-nocopy":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return m, fmt.Errorf("invalid value for volume-nocopy: %s", val)
			}
			vol().NoCopy = b
		case "volume-subpath":
			vol().Subpath = val
		case "volume-driver":
			vol().DriverConfig = driverConfig(vol())
			vol().DriverConfig.Name = val
		case "volume-opt":
			k, v, ok := strings.Cut(val, "=")
			if !ok {
				return m, fmt.Errorf("invalid value for %s: %s", key, val)
			}
			dc := driverConfig(vol())
			if dc.Options == nil {
				dc.Options = map[string]string{}
			}
			dc.Options[k] = v
			vol().DriverConfig = dc
		case "volume-label":
			k, v, _ := strings.Cut(val, "=")
			if vol().Labels == nil {
				vol().Labels = map[string]string{}
			}
			vol().Labels[k] = v
		case "tmpfs-size":
			n, err := units.RAMInBytes(val)
			if err != nil {
				return m, fmt.Errorf("invalid value for %s: %s", key, val)
			}
			tmpfs().SizeBytes = n
		case "tmpfs-mode":
			n, err := strconv.ParseUint(val, 8, 32)
			if err != nil {
				return m, fmt.Errorf("invalid value for %s: %s", key, val)
			}
			tmpfs().Mode = os.FileMode(n)
		default:
			return m, fmt.Errorf("unexpected key '%s' in '%s'", key, f)
		}
	}
	if m.Target == "" {
		return m, fmt.Errorf("target is required")
	}
	if m.Type == mount.TypeBind && m.Source == "" {
		return m, fmt.Errorf("source is required when specifying bind mount")
	}
	if m.Type == mount.TypeBind && !filepath.IsAbs(m.Source) {
		abs, err := filepath.Abs(m.Source)
		if err != nil {
			return m, err
		}
		m.Source = abs
	}
	if m.BindOptions != nil && m.Type != mount.TypeBind {
		return m, fmt.Errorf("cannot mix 'bind-*' options with mount type '%s'", m.Type)
	}
	if m.VolumeOptions != nil && m.Type != mount.TypeVolume {
		return m, fmt.Errorf("cannot mix 'volume-*' options with mount type '%s'", m.Type)
	}
	if m.TmpfsOptions != nil && m.Type != mount.TypeTmpfs {
		return m, fmt.Errorf("cannot mix 'tmpfs-*' options with mount type '%s'", m.Type)
	}
	return m, nil
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
