package resources

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rlimits maps the --ulimit names to their resource numbers; the OCI
// rlimit type of a name is "RLIMIT_" and the name in upper case. It is the
// package's one table of rlimit names (Validate, ClampRlimits).
var rlimits = map[string]int{
	"as": unix.RLIMIT_AS, "core": unix.RLIMIT_CORE, "cpu": unix.RLIMIT_CPU,
	"data": unix.RLIMIT_DATA, "fsize": unix.RLIMIT_FSIZE, "locks": unix.RLIMIT_LOCKS,
	"memlock": unix.RLIMIT_MEMLOCK, "msgqueue": unix.RLIMIT_MSGQUEUE, "nice": unix.RLIMIT_NICE,
	"nofile": unix.RLIMIT_NOFILE, "nproc": unix.RLIMIT_NPROC, "rss": unix.RLIMIT_RSS,
	"rtprio": unix.RLIMIT_RTPRIO, "rttime": unix.RLIMIT_RTTIME, "sigpending": unix.RLIMIT_SIGPENDING,
	"stack": unix.RLIMIT_STACK,
}

// rlimitOf returns the resource number of an OCI rlimit type
// ("RLIMIT_NOFILE").
func rlimitOf(typ string) (int, bool) {
	name, ok := strings.CutPrefix(typ, "RLIMIT_")
	if !ok || name != strings.ToUpper(name) {
		return 0, false
	}
	res, ok := rlimits[strings.ToLower(name)]
	return res, ok
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
		res, ok := rlimitOf(r.Type)
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
