package runtime

import (
	"github.com/berth/berth/internal/runtime/caps"
	"github.com/berth/berth/internal/runtime/cgroups"
	"github.com/berth/berth/internal/runtime/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func newCgroup(path, id string) (cgroupManager, error) { return cgroups.New(path, id) }

func loadCgroup(paths map[string]string) (cgroupManager, error) { return cgroups.Load(paths) }

func validateResources(r *specs.LinuxResources) error { return cgroups.Validate(r) }

func compileSeccomp(c *specs.LinuxSeccomp) ([]unix.SockFilter, error) { return seccomp.Compile(c) }

func loadSeccomp(f []unix.SockFilter, flags []specs.LinuxSeccompFlag) error {
	return seccomp.Load(f, flags)
}

func validateCaps(c *specs.LinuxCapabilities) error { return caps.Validate(c) }

func applyCaps(c *specs.LinuxCapabilities) error { return caps.Apply(c) }

// availableCaps removes from c the capabilities this process does not hold
// in its bounding set (this machine, for one, lacks CAP_SYS_RESOURCE): they
// cannot be granted, and asking for all capabilities (privileged
// containers) must still work. Fewer capabilities than asked is never a
// widening of privileges.
func availableCaps(c *specs.LinuxCapabilities) *specs.LinuxCapabilities {
	if c == nil {
		return nil
	}
	keep := func(names []string) []string {
		out := make([]string, 0, len(names))
		for _, n := range names {
			v, err := caps.Parse(n)
			if err != nil {
				out = append(out, n) // let Apply report it
				continue
			}
			if r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(v), 0, 0, 0); err == nil && r == 0 {
				continue
			}
			out = append(out, n)
		}
		return out
	}
	out := &specs.LinuxCapabilities{
		Bounding: keep(c.Bounding), Effective: keep(c.Effective), Permitted: keep(c.Permitted),
		Inheritable: keep(c.Inheritable),
	}
	// An ambient capability must be permitted and inheritable; runc ignores
	// the ones that are not (configs from `runc spec` leave inheritable
	// empty), and so do we.
	in := func(list []string, n string) bool {
		for _, x := range list {
			if caps.Normalize(x) == caps.Normalize(n) {
				return true
			}
		}
		return false
	}
	for _, n := range keep(c.Ambient) {
		if in(out.Permitted, n) && in(out.Inheritable, n) {
			out.Ambient = append(out.Ambient, n)
		}
	}
	return out
}
