package shim

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// cloexecFrom marks every file descriptor >= first close-on-exec, so that
// nothing the daemon leaked to us (a descriptor without O_CLOEXEC) reaches
// the shim's children: the runtime and the container. Descriptors handed on
// on purpose are passed explicitly (ProcAttr.Files), which clears the flag
// in the child.
func cloexecFrom(first int) {
	if err := unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err == nil {
		return
	}
	// Kernels before 5.11: walk /proc/self/fd.
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	for _, n := range names {
		if fd, err := strconv.Atoi(n); err == nil && fd >= first && fd != int(d.Fd()) {
			unix.CloseOnExec(fd)
		}
	}
}

// closeInherited closes the descriptors >= first that lack close-on-exec:
// those were inherited from the process that started the shim (the daemon
// leaked them), since everything Go opens, the runtime's own included, is
// close-on-exec. It must run before the shim opens anything itself.
func closeInherited(first int) {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	self := int(d.Fd())
	var leaked []int
	for _, n := range names {
		fd, err := strconv.Atoi(n)
		if err != nil || fd < first || fd == self {
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			leaked = append(leaked, fd)
		}
	}
	d.Close()
	for _, fd := range leaked {
		unix.Close(fd)
	}
}
