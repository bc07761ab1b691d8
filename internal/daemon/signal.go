package daemon

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/errdefs"
)

// parseSignal accepts "SIGTERM", "TERM", "term" or "15".
func parseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, errdefs.InvalidParameter(fmt.Errorf("invalid signal: %s", s))
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	if strings.HasPrefix(name, "SIGRTMIN") || strings.HasPrefix(name, "SIGRTMAX") {
		base, off := 34, name[8:]
		if strings.HasPrefix(name, "SIGRTMAX") {
			base = 64
		}
		n := 0
		if off != "" {
			v, err := strconv.Atoi(off)
			if err != nil {
				return 0, errdefs.InvalidParameter(fmt.Errorf("invalid signal: %s", s))
			}
			n = v
		}
		return syscall.Signal(base + n), nil
	}
	return 0, errdefs.InvalidParameter(fmt.Errorf("invalid signal: %s", s))
}
