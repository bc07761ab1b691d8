package caps

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Available removes from c the capabilities this process does not hold
// in its bounding set (this machine, for one, lacks CAP_SYS_RESOURCE): they
// cannot be granted, and asking for all capabilities (privileged
// containers) must still work. Fewer capabilities than asked is never a
// widening of privileges.
func Available(c *specs.LinuxCapabilities) *specs.LinuxCapabilities {
	if c == nil {
		return nil
	}
	keep := func(names []string) []string {
		out := make([]string, 0, len(names))
		for _, n := range names {
			v, err := Parse(n)
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
			if Normalize(x) == Normalize(n) {
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
