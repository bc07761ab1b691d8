package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// badArchRet is returned for a syscall made through an ABI the profile does
// not list (for example an x32 syscall when only SCMP_ARCH_X86_64 is).
const badArchRet = unix.SECCOMP_RET_KILL_PROCESS

// retValue is the value a filter returns for action, with errnoRet as the
// errno of SCMP_ACT_ERRNO (EPERM when nil) or the data of SCMP_ACT_TRACE.
// field names the spec field in errors.
func retValue(action specs.LinuxSeccompAction, errnoRet *uint, field string) (uint32, error) {
	data := func() (uint32, error) {
		if errnoRet == nil {
			return uint32(unix.EPERM), nil
		}
		if *errnoRet > unix.SECCOMP_RET_DATA {
			return 0, fmt.Errorf("%s: errnoRet %d is out of range", field, *errnoRet)
		}
		return uint32(*errnoRet), nil
	}
	var base uint32
	switch action {
	case specs.ActErrno:
		d, err := data()
		return unix.SECCOMP_RET_ERRNO | d, err
	case specs.ActTrace:
		d, err := data()
		return unix.SECCOMP_RET_TRACE | d, err
	case specs.ActKill, specs.ActKillThread:
		base = unix.SECCOMP_RET_KILL_THREAD
	case specs.ActKillProcess:
		base = unix.SECCOMP_RET_KILL_PROCESS
	case specs.ActTrap:
		base = unix.SECCOMP_RET_TRAP
	case specs.ActAllow:
		base = unix.SECCOMP_RET_ALLOW
	case specs.ActLog:
		base = unix.SECCOMP_RET_LOG
	case specs.ActNotify:
		return 0, fmt.Errorf("%s: action %s is not supported by berth's runtime", field, action)
	default:
		return 0, fmt.Errorf("%s: unknown action %q", field, action)
	}
	if errnoRet != nil {
		return 0, fmt.Errorf("%s: errnoRet is only valid with %s or %s, not %s", field, specs.ActErrno, specs.ActTrace, action)
	}
	return base, nil
}
