package shim

import (
	"encoding/json"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// warmRuntime is berth's own runtime started ahead of need by the monitor
// (`berth runtime warm`, fd 3 a unix socket): the next runtime verb of any
// container (create or run, start, kill, delete, exec…) is handed to it
// instead of starting a process, so no start of a Go program lies on the
// way to a running container, a stop or a removal; the monitor then
// starts the next one. Only berth's own runtime has the warm verb; any
// other runtime, a verb that finds none ready (another took it), or any
// failure here starts a process as usual.
type warmRuntime struct {
	exe  string   // the berth binary it runs
	sock *os.File // the shim's end of the socket
	pid  int
}

// spawnWarmRuntime starts `<exe> runtime warm` as a child of the shim.
func spawnWarmRuntime(exe string) (*warmRuntime, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	parent := os.NewFile(uintptr(fds[0]), "warm-runtime")
	child := os.NewFile(uintptr(fds[1]), "warm-runtime-child")
	defer child.Close()
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		parent.Close()
		return nil, err
	}
	defer devnull.Close()
	pid, err := syscall.ForkExec(exe, []string{exe, "runtime", "warm"}, &syscall.ProcAttr{
		Dir:   "/",
		Env:   os.Environ(),
		Files: []uintptr{devnull.Fd(), devnull.Fd(), devnull.Fd(), child.Fd()},
	})
	if err != nil {
		parent.Close()
		return nil, fmt.Errorf("start warm runtime: %w", err)
	}
	return &warmRuntime{exe: exe, sock: parent, pid: pid}, nil
}

// matches tells whether argv (a runtime's argv prefix) is berth's own
// runtime from the same binary.
func (w *warmRuntime) matches(argv []string) bool {
	return len(argv) >= 2 && argv[0] == w.exe && argv[1] == "runtime"
}

// start hands the warm runtime the arguments that follow `berth runtime`,
// its working directory and its stdio, and returns its pid.
func (w *warmRuntime) start(args []string, dir string, stdio [3]*os.File) (int, error) {
	defer w.close()
	b, err := json.Marshal(struct {
		Args []string `json:"args"`
		Dir  string   `json:"dir"`
	}{args, dir})
	if err != nil {
		return 0, err
	}
	rights := unix.UnixRights(int(stdio[0].Fd()), int(stdio[1].Fd()), int(stdio[2].Fd()))
	if err := unix.Sendmsg(int(w.sock.Fd()), b, rights, nil, 0); err != nil {
		return 0, fmt.Errorf("hand over to warm runtime: %w", err)
	}
	return w.pid, nil
}

// close ends a warm runtime that was not used (it reads end-of-file).
func (w *warmRuntime) close() { w.sock.Close() }
