package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Load installs filter on the calling thread with
// seccomp(SECCOMP_SET_MODE_FILTER), or on every thread of the process when
// flags hold SECCOMP_FILTER_FLAG_TSYNC. The caller must have set
// PR_SET_NO_NEW_PRIVS or hold CAP_SYS_ADMIN, and should run on a locked OS
// thread right before execve.
func Load(filter []unix.SockFilter, flags []specs.LinuxSeccompFlag) error {
	if len(filter) == 0 {
		return errors.New("load seccomp filter: empty program")
	}
	var f uintptr
	for _, fl := range flags {
		v, ok := flagValues[fl]
		if !ok {
			return fmt.Errorf("load seccomp filter: unknown flag %s", fl)
		}
		f |= v
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, f, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(filter)
	if errno != 0 {
		return fmt.Errorf("load seccomp filter (%d instructions): %w", len(filter), errno)
	}
	if r != 0 {
		// With TSYNC, a positive result is a thread that could not be
		// synchronised (it runs another filter); nothing was installed.
		return fmt.Errorf("load seccomp filter: thread %d cannot be synchronised", r)
	}
	return nil
}

var flagValues = map[specs.LinuxSeccompFlag]uintptr{
	specs.LinuxSeccompFlagLog:                           unix.SECCOMP_FILTER_FLAG_LOG,
	specs.LinuxSeccompFlagSpecAllow:                     unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	specs.LinuxSeccompFlagWaitKillableRecv:              unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
	specs.LinuxSeccompFlag("SECCOMP_FILTER_FLAG_TSYNC"): unix.SECCOMP_FILTER_FLAG_TSYNC,
}
