package daemon

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rlimitResources maps the OCI rlimit names to their resource numbers.
var rlimitResources = map[string]int{
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
	"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
	"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK": unix.RLIMIT_STACK,
}

// clampRlimits lowers each --ulimit of the spec to the daemon's own hard
// limit: the runtime inherits the daemon's limits and, without
// CAP_SYS_RESOURCE (which these hosts do not give), cannot raise a hard
// limit. The soft limit then follows the hard one down. Clamped limits are
// returned as warnings.
func clampRlimits(s *specs.Spec) []string {
	if s.Process == nil {
		return nil
	}
	if hasCapability(unix.CAP_SYS_RESOURCE) {
		return nil
	}
	var warnings []string
	for i := range s.Process.Rlimits {
		r := &s.Process.Rlimits[i]
		res, ok := rlimitResources[r.Type]
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
