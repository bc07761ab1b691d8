package oci

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// rootfsPropagation is the propagation of a container's root that its
// mounts need: rshared when a bind is shared (what the container mounts
// there must reach the host's peers, as dockerd does), else the runtime's
// default (rslave).
func rootfsPropagation(ms []specs.Mount) string {
	for _, m := range ms {
		if m.Type == "bind" && (slices.Contains(m.Options, "shared") || slices.Contains(m.Options, "rshared")) {
			return "rshared"
		}
	}
	return ""
}

// UserMounts turns -v host:ctr[:opts] binds, --tmpfs and --mount entries of
// type bind and tmpfs into OCI mounts. Named volumes are not handled here:
// the daemon resolves them and passes them as Options.VolumeMounts.
func UserMounts(hc *container.HostConfig) ([]specs.Mount, error) {
	var out []specs.Mount
	for _, b := range hc.Binds {
		parts := strings.Split(b, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("invalid volume specification: '%s'", b)
		}
		src, dst := parts[0], parts[1]
		if !path.IsAbs(src) {
			continue // a named volume: the daemon mounts it (Options.VolumeMounts)
		}
		if !path.IsAbs(dst) {
			return nil, fmt.Errorf("invalid volume specification: '%s': mount path must be absolute", b)
		}
		opts := []string{"rbind"}
		mode := "rw"
		prop := "rprivate"
		if len(parts) == 3 {
			for _, o := range strings.Split(parts[2], ",") {
				switch o {
				case "ro", "rw":
					mode = o
				case "private", "rprivate", "shared", "rshared", "slave", "rslave":
					prop = o
				case "z", "Z", "nocopy", "":
				default:
					return nil, fmt.Errorf("invalid mode: %s", o)
				}
			}
		}
		out = append(out, specs.Mount{Destination: path.Clean(dst), Type: "bind", Source: src, Options: append(opts, mode, prop)})
	}
	for dst, opt := range hc.Tmpfs {
		opts := []string{"nosuid", "nodev", "noexec"}
		if opt != "" {
			opts = append(opts, strings.Split(opt, ",")...)
		}
		out = append(out, specs.Mount{Destination: path.Clean(dst), Type: "tmpfs", Source: "tmpfs", Options: opts})
	}
	for _, m := range hc.Mounts {
		switch m.Type {
		case mount.TypeBind:
			opts := []string{"rbind"}
			if m.ReadOnly {
				opts = append(opts, "ro")
			}
			prop := "rprivate"
			if m.BindOptions != nil && m.BindOptions.Propagation != "" {
				prop = string(m.BindOptions.Propagation)
			}
			out = append(out, specs.Mount{Destination: path.Clean(m.Target), Type: "bind", Source: m.Source, Options: append(opts, prop)})
		case mount.TypeTmpfs:
			opts := []string{"nosuid", "nodev", "noexec"}
			if m.ReadOnly {
				opts = append(opts, "ro")
			}
			if m.TmpfsOptions != nil && m.TmpfsOptions.SizeBytes > 0 {
				opts = append(opts, fmt.Sprintf("size=%d", m.TmpfsOptions.SizeBytes))
			}
			if m.TmpfsOptions != nil && m.TmpfsOptions.Mode != 0 {
				opts = append(opts, fmt.Sprintf("mode=%o", uint32(m.TmpfsOptions.Mode)))
			}
			out = append(out, specs.Mount{Destination: path.Clean(m.Target), Type: "tmpfs", Source: "tmpfs", Options: opts})
		case mount.TypeVolume, mount.TypeImage:
			// The daemon mounts volumes and images (Options.VolumeMounts).
		default:
			return nil, fmt.Errorf("mount type %q is not supported", m.Type)
		}
	}
	return out, nil
}
