package shim

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// consoleSocket receives the pty master a runtime sends with
// --console-socket (SCM_RIGHTS over a unix socket).
type consoleSocket struct {
	path string
	l    *net.UnixListener
	got  chan consoleResult
}

type consoleResult struct {
	f   *os.File
	err error
}

// listenConsole listens on listen and starts accepting one connection; dial
// is the path the runtime is given (see server.sockName).
func listenConsole(listen, dial string) (*consoleSocket, error) {
	_ = os.Remove(listen)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: listen, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on console socket %s: %w", listen, err)
	}
	l.SetUnlinkOnClose(true)
	c := &consoleSocket{path: dial, l: l, got: make(chan consoleResult, 1)}
	go func() {
		f, err := c.accept()
		c.got <- consoleResult{f, err}
	}()
	return c, nil
}

func (c *consoleSocket) accept() (*os.File, error) {
	conn, err := c.l.AcceptUnix()
	if err != nil {
		return nil, fmt.Errorf("accept console: %w", err)
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, fmt.Errorf("receive console: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("parse console message: %w", err)
	}
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil || len(fds) == 0 {
			continue
		}
		for _, fd := range fds[1:] {
			unix.Close(fd)
		}
		unix.CloseOnExec(fds[0])
		// Non-blocking so that reads go through the poller and can be
		// interrupted by deadlines and Close.
		if err := unix.SetNonblock(fds[0], true); err != nil {
			unix.Close(fds[0])
			return nil, fmt.Errorf("set console non-blocking: %w", err)
		}
		return os.NewFile(uintptr(fds[0]), "console"), nil
	}
	return nil, errors.New("receive console: no file descriptor in message")
}

// wait returns the received console. The runtime sends it before its
// create or exec returns, so it is there or about to be.
func (c *consoleSocket) wait() (*os.File, error) {
	select {
	case r := <-c.got:
		return r.f, r.err
	case <-time.After(5 * time.Second):
		c.close()
		return nil, errors.New("the runtime sent no console on the console socket")
	}
}

// close stops listening; a pending accept fails.
func (c *consoleSocket) close() { c.l.Close() }
