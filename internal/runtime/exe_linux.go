package runtime

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// sealedSelf returns a sealed, read-only memfd copy of the running binary.
// Processes that enter the container run from it, so nothing inside the
// container can reach and overwrite the host binary through /proc/PID/exe
// (CVE-2019-5736).
func sealedSelf() (*os.File, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("open own binary: %w", err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat own binary: %w", err)
	}
	fd, err := unix.MemfdCreate("berth-runtime", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("create memfd for own binary: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "berth-runtime")
	size := fi.Size()
	var off int64
	for off < size {
		n, err := unix.Sendfile(fd, int(src.Fd()), nil, int(size-off))
		if err != nil {
			mem.Close()
			return nil, fmt.Errorf("copy own binary: %w", err)
		}
		if n == 0 {
			break
		}
		off += int64(n)
	}
	if err := unix.Fchmod(fd, 0o555); err != nil {
		mem.Close()
		return nil, fmt.Errorf("chmod memfd: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		mem.Close()
		return nil, fmt.Errorf("seal memfd: %w", err)
	}
	return mem, nil
}
