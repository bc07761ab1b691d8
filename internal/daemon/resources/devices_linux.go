package resources

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/oci"
)

// deviceOf describes the host device node at path, to appear at ctrPath.
func deviceOf(path, ctrPath string) (specs.LinuxDevice, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return specs.LinuxDevice{}, fmt.Errorf("error gathering device information while adding custom device %q: %w", path, err)
	}
	var typ string
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		typ = "c"
	case unix.S_IFBLK:
		typ = "b"
	default:
		return specs.LinuxDevice{}, fmt.Errorf("%s is not a device node", path)
	}
	mode := os.FileMode(st.Mode & 0o777)
	uid, gid := st.Uid, st.Gid
	return specs.LinuxDevice{
		Path: ctrPath, Type: typ, Major: int64(unix.Major(uint64(st.Rdev))), Minor: int64(unix.Minor(uint64(st.Rdev))),
		FileMode: &mode, UID: &uid, GID: &gid,
	}, nil
}

// Devices resolves --device mappings, and for a privileged container
// every device node under the host's /dev (not pts, shm, mqueue).
func Devices(hc *containertypes.HostConfig) ([]oci.Device, error) {
	var out []oci.Device
	if hc.Privileged {
		_ = filepath.WalkDir("/dev", func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if e.IsDir() {
				switch p {
				case "/dev/pts", "/dev/shm", "/dev/mqueue":
					return filepath.SkipDir
				}
				return nil
			}
			if e.Type()&(fs.ModeDevice|fs.ModeCharDevice) == 0 || p == "/dev/console" || p == "/dev/ptmx" {
				return nil
			}
			if dev, err := deviceOf(p, p); err == nil {
				out = append(out, oci.Device{Spec: dev, Permissions: "rwm"})
			}
			return nil
		})
	}
	for _, m := range hc.Devices {
		ctrPath := m.PathInContainer
		if ctrPath == "" {
			ctrPath = m.PathOnHost
		}
		dev, err := deviceOf(m.PathOnHost, ctrPath)
		if err != nil {
			return nil, errdefs.InvalidParameter(err)
		}
		perms := m.CgroupPermissions
		if perms == "" {
			perms = "rwm"
		}
		if strings.Trim(perms, "rwm") != "" {
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid device cgroup permissions %q", perms))
		}
		out = append(out, oci.Device{Spec: dev, Permissions: perms})
	}
	return out, nil
}
