package resources

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rlimitResources maps the OCI rlimit names to their resource numbers:
// the package's one table of rlimit names, read only through
// rlimitResource and isUlimit.
var rlimitResources = map[string]int{
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
	"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
	"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK": unix.RLIMIT_STACK,
}

// rlimitResource returns the resource number of an OCI rlimit name
// ("RLIMIT_NOFILE"), and whether the name is known.
func rlimitResource(typ string) (int, bool) {
	r, ok := rlimitResources[typ]
	return r, ok
}

// isUlimit reports whether name (in any case) is a --ulimit name: its
// OCI name is "RLIMIT_" and the name in upper case.
func isUlimit(name string) bool {
	_, ok := rlimitResources["RLIMIT_"+strings.ToUpper(name)]
	return ok
}

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
		res, ok := rlimitResource(r.Type)
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
