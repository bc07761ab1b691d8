// Package signame parses the signals people and Docker clients write,
// once for the whole engine: "SIGTERM", "TERM", "term", "15",
// "SIGRTMIN+3". The daemon uses it for kill, stop and stop signals, the
// runtime's command line for `berth runtime kill`; Forward relays the
// signals a process receives (`berth runtime run/exec`, the CLI's
// sig-proxy). A leaf: it imports errdefs and golang.org/x/sys/unix only.
package signame

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/errdefs"
)

// Parse accepts a signal number (1 to 64) or a name, with or without SIG,
// in any case; real-time signals as RTMIN, RTMIN+n, RTMAX, RTMAX-n. Errors
// are errdefs.InvalidParameter.
func Parse(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, invalid(s)
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
				return 0, invalid(s)
			}
			n = v
		}
		return syscall.Signal(base + n), nil
	}
	return 0, invalid(s)
}

func invalid(s string) error {
	return errdefs.InvalidParameter(fmt.Errorf("invalid signal: %s", s))
}
