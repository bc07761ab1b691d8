package ocicli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/berth/berth/internal/runtime"
	"github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cmdUpdate is runc's `update`: --resources FILE (or - for stdin) and the
// usual single-value flags, applied on top of the container's resources.
func cmdUpdate(g *globals, args []string) (int, error) {
	fs := newFlagSet("update")
	resources := fs.String("resources", "")
	fs.alias("r", "resources")
	memory := fs.String("memory", "")
	swap := fs.String("memory-swap", "")
	reservation := fs.String("memory-reservation", "")
	shares := fs.String("cpu-shares", "")
	quota := fs.String("cpu-quota", "")
	period := fs.String("cpu-period", "")
	cpus := fs.String("cpuset-cpus", "")
	mems := fs.String("cpuset-mems", "")
	pids := fs.String("pids-limit", "")
	st, err := fs.loadState(g.root, args)
	if err != nil {
		return 1, err
	}
	r := &specs.LinuxResources{}
	if st.Config.Linux != nil && st.Config.Linux.Resources != nil {
		cp := *st.Config.Linux.Resources
		r = &cp
	}
	if *resources != "" {
		if r, err = readResources(*resources); err != nil {
			return 1, err
		}
	}
	if *memory != "" || *swap != "" || *reservation != "" {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		for _, x := range []struct {
			s   string
			dst **int64
		}{{*memory, &r.Memory.Limit}, {*swap, &r.Memory.Swap}, {*reservation, &r.Memory.Reservation}} {
			v, err := size(x.s)
			if err != nil {
				return 1, err
			}
			if v != nil {
				*x.dst = v
			}
		}
	}
	if *shares != "" || *quota != "" || *period != "" || *cpus != "" || *mems != "" {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		if v, err := num("cpu-shares", *shares); err != nil {
			return 1, err
		} else if v != nil {
			u := uint64(*v)
			r.CPU.Shares = &u
		}
		if v, err := num("cpu-quota", *quota); err != nil {
			return 1, err
		} else if v != nil {
			r.CPU.Quota = v
		}
		if v, err := num("cpu-period", *period); err != nil {
			return 1, err
		} else if v != nil {
			u := uint64(*v)
			r.CPU.Period = &u
		}
		if *cpus != "" {
			r.CPU.Cpus = *cpus
		}
		if *mems != "" {
			r.CPU.Mems = *mems
		}
	}
	if v, err := num("pids-limit", *pids); err != nil {
		return 1, err
	} else if v != nil {
		r.Pids = &specs.LinuxPids{Limit: v}
	}
	return 0, runtime.Update(g.root, st.ID, r)
}

// readResources reads linux.resources as JSON from path ("-": stdin).
func readResources(path string) (*specs.LinuxResources, error) {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open resources file: %w", err)
		}
		defer f.Close()
		in = f
	}
	r := &specs.LinuxResources{}
	if err := json.NewDecoder(in).Decode(r); err != nil {
		return nil, fmt.Errorf("parse resources: %w", err)
	}
	return r, nil
}

// size parses a size flag ("" unset, -1 unlimited, else 512m and the like).
func size(s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	if s == "-1" {
		v := int64(-1)
		return &v, nil
	}
	v, err := units.RAMInBytes(s)
	if err != nil {
		return nil, fmt.Errorf("invalid size %q: %w", s, err)
	}
	return &v, nil
}

// num parses the integer flag --name ("" unset).
func num(name, s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("invalid --%s %q", name, s)
	}
	return &v, nil
}
