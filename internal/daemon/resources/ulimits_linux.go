package resources

import (
	"github.com/berth/berth/internal/rlimit"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ClampRlimits lowers each --ulimit of the spec to the daemon's own hard
// limit: the runtime inherits the daemon's limits and, without
// CAP_SYS_RESOURCE (which these hosts do not give), cannot raise a hard
// limit. The soft limit then follows the hard one down. Clamped limits are
// returned as warnings.
func ClampRlimits(s *specs.Spec) []string {
	if s.Process == nil {
		return nil
	}
	if hasCapability(unix.CAP_SYS_RESOURCE) {
		return nil
	}
	var warnings []string
	for i := range s.Process.Rlimits {
		r := &s.Process.Rlimits[i]
		res, ok := rlimit.Resource(r.Type)
		if !ok {
			continue
		}
		var cur unix.Rlimit
		if err := unix.Getrlimit(res, &cur); err != nil {
			continue
		}
		if r.Hard > cur.Max {
			warnings = append(warnings, r.Type+": hard limit lowered to the daemon's")
			r.Hard = cur.Max
		}
		if r.Soft > r.Hard {
			r.Soft = r.Hard
		}
	}
	return warnings
}

// hasCapability reports whether the daemon holds capability c in its
// effective set.
func hasCapability(c int) bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[c/32].Effective&(1<<(uint(c)%32)) != 0
}
