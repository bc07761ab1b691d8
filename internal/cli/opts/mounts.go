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
	s := &mountSpec{Mount: mount.Mount{Type: mount.TypeVolume}}
	fields, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return s.Mount, fmt.Errorf("invalid mount %q: %w", value, err)
	}
	for _, f := range fields {
		key, val, hasVal := strings.Cut(f, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if !hasVal {
			if !s.setFlag(key) {
				return s.Mount, fmt.Errorf("invalid field '%s' must be a key=value pair", f)
			}
			continue
		}
		if err := s.set(key, val, f); err != nil {
			return s.Mount, err
		}
	}
	err = s.check()
	return s.Mount, err
}

// mountSpec is a --mount value being parsed; the options of each type are
// made when a field of theirs comes.
type mountSpec struct{ mount.Mount }

func (s *mountSpec) bind() *mount.BindOptions {
	if s.BindOptions == nil {
		s.BindOptions = &mount.BindOptions{}
	}
	return s.BindOptions
}

func (s *mountSpec) vol() *mount.VolumeOptions {
	if s.VolumeOptions == nil {
		s.VolumeOptions = &mount.VolumeOptions{}
	}
	return s.VolumeOptions
}

func (s *mountSpec) tmpfs() *mount.TmpfsOptions {
	if s.TmpfsOptions == nil {
		s.TmpfsOptions = &mount.TmpfsOptions{}
	}
	return s.TmpfsOptions
}

// setFlag sets a field given without a value; false for a key that needs one.
func (s *mountSpec) setFlag(key string) bool {
	switch key {
	case "readonly", "ro":
		s.ReadOnly = true
	case "volume-nocopy":
		s.vol().NoCopy = true
	case "bind-nonrecursive":
		s.bind().NonRecursive = true
	default:
		return false
	}
	return true
}

// set sets one key=value field (f is the whole field, for errors).
func (s *mountSpec) set(key, val, f string) error {
	if p := s.boolField(key); p != nil {
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("invalid value for %s: %s", key, val)
		}
		*p = b
		return nil
	}
	switch key {
	case "type":
		s.Type = mount.Type(strings.ToLower(val))
	case "source", "src":
		s.Source = val
	case "target", "dst", "destination":
		s.Target = val
	case "consistency":
		s.Consistency = mount.Consistency(val)
	case "bind-propagation":
		s.bind().Propagation = mount.Propagation(strings.ToLower(val))
	case "volume-subpath":
		s.vol().Subpath = val
	case "volume-driver":
		s.vol().DriverConfig = driverConfig(s.vol())
		s.vol().DriverConfig.Name = val
	case "volume-opt":
		k, v, ok := strings.Cut(val, "=")
		if !ok {
			return fmt.Errorf("invalid value for %s: %s", key, val)
		}
		dc := driverConfig(s.vol())
		if dc.Options == nil {
			dc.Options = map[string]string{}
		}
		dc.Options[k] = v
		s.vol().DriverConfig = dc
	case "volume-label":
		k, v, _ := strings.Cut(val, "=")
		if s.vol().Labels == nil {
			s.vol().Labels = map[string]string{}
		}
		s.vol().Labels[k] = v
	case "tmpfs-size":
		n, err := units.RAMInBytes(val)
		if err != nil {
			return fmt.Errorf("invalid value for %s: %s", key, val)
		}
		s.tmpfs().SizeBytes = n
	case "tmpfs-mode":
		n, err := strconv.ParseUint(val, 8, 32)
		if err != nil {
			return fmt.Errorf("invalid value for %s: %s", key, val)
		}
		s.tmpfs().Mode = os.FileMode(n)
	default:
		return fmt.Errorf("unexpected key '%s' in '%s'", key, f)
	}
	return nil
}

// boolField is the field of a boolean key, nil for another key.
func (s *mountSpec) boolField(key string) *bool {
	switch key {
	case "readonly", "ro":
		return &s.ReadOnly
	case "volume-nocopy":
		return &s.vol().NoCopy
	case "bind-nonrecursive":
		return &s.bind().NonRecursive
	case "bind-create-mountpoint":
		return &s.bind().CreateMountpoint
	}
	return nil
}

// check refuses a mount without target, a bind without source and options
// of another type; a relative bind source is made absolute.
func (s *mountSpec) check() error {
	if s.Target == "" {
		return fmt.Errorf("target is required")
	}
	if s.Type == mount.TypeBind && s.Source == "" {
		return fmt.Errorf("source is required when specifying bind mount")
	}
	if s.Type == mount.TypeBind && !filepath.IsAbs(s.Source) {
		abs, err := filepath.Abs(s.Source)
		if err != nil {
			return err
		}
		s.Source = abs
	}
	if s.BindOptions != nil && s.Type != mount.TypeBind {
		return fmt.Errorf("cannot mix 'bind-*' options with mount type '%s'", s.Type)
	}
	if s.VolumeOptions != nil && s.Type != mount.TypeVolume {
		return fmt.Errorf("cannot mix 'volume-*' options with mount type '%s'", s.Type)
	}
	if s.TmpfsOptions != nil && s.Type != mount.TypeTmpfs {
		return fmt.Errorf("cannot mix 'tmpfs-*' options with mount type '%s'", s.Type)
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
