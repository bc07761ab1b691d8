package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/runtime/cgroups"
	"github.com/berth/berth/internal/runtime/hooks"
	"github.com/berth/berth/internal/runtime/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Warn receives warnings: failed poststart and poststop hooks, which the
// specification says must not fail the operation, and settings this host
// cannot honour. ocicli sends them to the log.
var Warn = func(msg string) {}

// Start releases the init of a created container so that it execs the
// container process, then runs the poststart hooks.
func Start(root, id string) error {
	st, err := state.Load(root, id)
	if err != nil {
		return err
	}
	switch s := st.Status(); s {
	case state.Created:
	case state.Stopped:
		return errdefs.Conflict(fmt.Errorf("cannot start a container that has stopped"))
	default:
		return errdefs.Conflict(fmt.Errorf("cannot start an already %s container", s))
	}
	fifoPath := filepath.Join(st.Dir(), state.FifoName)
	pidfd, err := unix.PidfdOpen(st.Pid, 0)
	if err != nil {
		return fmt.Errorf("open container init %d: %w", st.Pid, err)
	}
	defer unix.Close(pidfd)
	fifo, err := unix.Open(fifoPath, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer unix.Close(fifo)
	// Wait for the init's "0", or for the init to die.
	for {
		fds := []unix.PollFd{{Fd: int32(fifo), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("wait for container init: %w", err)
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			var b [1]byte
			n, err := unix.Read(fifo, b[:])
			if err == nil && n == 1 {
				break
			}
			if errors.Is(err, unix.EAGAIN) {
				continue
			}
		}
		if fds[1].Revents != 0 || fds[0].Revents&unix.POLLHUP != 0 {
			return fmt.Errorf("container init exited before start")
		}
	}
	if err := os.Remove(fifoPath); err != nil {
		return fmt.Errorf("remove exec fifo: %w", err)
	}
	// The init holds the fifo open until its execve: once it closes,
	// the container process runs (or the init died), and the poststart
	// hooks may run.
	for {
		fds := []unix.PollFd{{Fd: int32(fifo), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("wait for the container process: %w", err)
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			break
		}
		var b [16]byte
		if n, err := unix.Read(fifo, b[:]); n == 0 && err == nil {
			break
		}
	}
	if h := st.Config.Hooks; h != nil && len(h.Poststart) > 0 {
		oci := st.OCI()
		oci.Status = specs.StateRunning
		hooks.RunEach("poststart", h.Poststart, oci, Warn)
	}
	return nil
}

// Kill signals the container's init, or every process of it with all.
func Kill(root, id string, sig unix.Signal, all bool) error {
	st, err := state.Load(root, id)
	if err != nil {
		return err
	}
	if all && len(st.Cgroups) > 0 {
		if st.Status() == state.Stopped {
			return errdefs.Conflict(fmt.Errorf("signal container %s: container not running", id))
		}
		m, err := cgroups.Load(st.Cgroups)
		if err != nil {
			return fmt.Errorf("open cgroup of %s: %w", id, err)
		}
		if sig == unix.SIGKILL {
			_ = m.Thaw()
		}
		if err := m.Kill(sig); err != nil {
			return fmt.Errorf("signal processes of %s: %w", id, err)
		}
		return nil
	}
	return st.Signal(sig)
}

// Delete removes a stopped (or, with force, any) container: it kills what
// is left, runs poststop hooks, removes the cgroup and the state.
func Delete(root, id string, force bool) error {
	st, err := state.Load(root, id)
	if err != nil {
		if errdefs.IsNotFound(err) && force {
			// a create that died half-way may leave a directory without state.
			if state.ValidateID(id) == nil {
				_ = os.RemoveAll(state.Dir(root, id))
			}
			return nil
		}
		return err
	}
	status := st.Status()
	switch status {
	case state.Stopped:
	case state.Created:
		// a created container never ran: kill it, as runc does.
		force = true
	default:
		if !force {
			return errdefs.Conflict(fmt.Errorf("cannot delete container %s that is not stopped: %s", id, status))
		}
	}
	var m cgroups.Manager
	if len(st.Cgroups) > 0 {
		m, _ = cgroups.Load(st.Cgroups)
	}
	if status != state.Stopped {
		if m != nil {
			_ = m.Thaw()
			_ = m.Kill(unix.SIGKILL)
		}
		_ = st.Signal(unix.SIGKILL)
		waitGone(st)
	}
	if m != nil {
		// processes left behind by a stopped init (no pid namespace, or
		// daemons) go with the container, as with runc.
		if pids, err := m.Pids(); err == nil && len(pids) > 0 {
			_ = m.Thaw()
			_ = m.Kill(unix.SIGKILL)
			for i := 0; i < 100; i++ {
				if pids, err := m.Pids(); err != nil || len(pids) == 0 {
					break
				}
				time.Sleep(10 * time.Millisecond) // rare path: leftovers dying
			}
		}
		if err := m.Destroy(); err != nil {
			return fmt.Errorf("remove cgroup of %s: %w", id, err)
		}
	}
	if !hasNamespace(st.Config, specs.MountNamespace) && st.Rootfs != "" {
		// without a mount namespace the container's mounts live in ours.
		unmountUnder(st.Rootfs)
	}
	if h := st.Config.Hooks; h != nil && len(h.Poststop) > 0 {
		oci := st.OCI()
		oci.Status = specs.StateStopped
		hooks.RunEach("poststop", h.Poststop, oci, Warn)
	}
	if err := os.RemoveAll(st.Dir()); err != nil {
		return fmt.Errorf("remove state of %s: %w", id, err)
	}
	return nil
}

// waitGone waits (bounded) for the init process to disappear.
func waitGone(st *state.State) {
	fd, err := unix.PidfdOpen(st.Pid, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	if !st.Alive() {
		return
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	_, _ = unix.Poll(fds, 10000)
	// a zombie child of ours would count as alive in /proc; others reap it.
	deadline := time.Now().Add(2 * time.Second)
	for st.Alive() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

func hasNamespace(spec *specs.Spec, t specs.LinuxNamespaceType) bool {
	if spec == nil || spec.Linux == nil {
		return false
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}

// unmountUnder detaches every mount strictly below dir, deepest first.
func unmountUnder(dir string) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var mps []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMountinfo(f[4])
		if strings.HasPrefix(mp, dir+"/") {
			mps = append(mps, mp)
		}
	}
	for i := len(mps) - 1; i >= 0; i-- {
		_ = unix.Unmount(mps[i], unix.MNT_DETACH)
	}
}
