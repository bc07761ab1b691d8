// Package console gives a container process a terminal: it creates a pty
// inside the container, sends the master to the caller's console socket
// (runc's --console-socket protocol) and makes the slave the process's
// controlling terminal and stdio.
package console

import (
	"fmt"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Setup creates a pty inside the container, sends its master over the
// console socket open at sockFd (and closes that), and makes the slave the
// process's controlling terminal and stdio. It runs after pivot_root (or
// inside the container's mount namespace for an exec); for the container
// init (isInit) the pty also becomes /dev/console.
func Setup(sockFd int, p *specs.Process, isInit bool) error {
	defer unix.Close(sockFd)
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev/ptmx: %w", err)
	}
	defer unix.Close(master)
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(master, unix.TIOCGPTN)
	if err != nil {
		return fmt.Errorf("get pty number: %w", err)
	}
	slavePath := "/dev/pts/" + strconv.Itoa(n)
	slave, err := unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", slavePath, err)
	}
	if p.ConsoleSize != nil {
		ws := &unix.Winsize{Row: uint16(p.ConsoleSize.Height), Col: uint16(p.ConsoleSize.Width)}
		if err := unix.IoctlSetWinsize(slave, unix.TIOCSWINSZ, ws); err != nil {
			return fmt.Errorf("set console size: %w", err)
		}
	}
	// the container's /dev/console is its init's pty (best effort: /dev may
	// be read-only); an exec leaves it alone.
	if isInit {
		if f, err := os.OpenFile("/dev/console", os.O_CREATE|os.O_RDONLY, 0o600); err == nil {
			f.Close()
			_ = unix.Mount(slavePath, "/dev/console", "", unix.MS_BIND, "")
		}
	}
	rights := unix.UnixRights(master)
	if err := unix.Sendmsg(sockFd, []byte("/dev/ptmx"), rights, nil, 0); err != nil {
		return fmt.Errorf("send console master: %w", err)
	}
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	if err := unix.IoctlSetInt(slave, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("set controlling terminal: %w", err)
	}
	for i := 0; i < 3; i++ {
		if err := unix.Dup3(slave, i, 0); err != nil {
			return fmt.Errorf("dup console to fd %d: %w", i, err)
		}
	}
	if slave > 2 {
		unix.Close(slave)
	}
	return nil
}
