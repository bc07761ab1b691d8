package runtime

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"

	"github.com/berth/berth/internal/runtime/console"
	"github.com/berth/berth/internal/runtime/execproc"
	"github.com/berth/berth/internal/runtime/hooks"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Environment variables that make a re-executed berth binary an init stage.
const (
	envInit     = "_BERTH_INIT"       // "init" (container init) or "exec"
	envSyncFd   = "_BERTH_SYNC_FD"    // socket to the runtime
	envFifoFd   = "_BERTH_FIFO_FD"    // O_PATH fd of exec.fifo (init only)
	envConsole  = "_BERTH_CONSOLE_FD" // console socket, if any
	envPreserve = "_BERTH_PRESERVE"   // number of preserved fds after stdio
)

// initConfig is what the runtime sends to the init stage.
type initConfig struct {
	Spec    *specs.Spec    `json:"spec"`
	Process *specs.Process `json:"process"`
	Rootfs  string         `json:"rootfs"`
	State   specs.State    `json:"state"`
	Userns  bool           `json:"userns"`
	// Cgroupns asks the init to unshare a cgroup namespace itself.
	Cgroupns bool `json:"cgroupns"`
	// Timens asks the init to unshare a time namespace, which its
	// execve then enters.
	Timens bool `json:"timens"`
	// NoPivot moves the rootfs onto / and chroots instead of pivot_root
	// (for a rootfs on ramfs/initramfs, where pivot_root is refused).
	NoPivot bool `json:"noPivot"`
	// NoNewKeyring keeps the caller's session keyring (--no-new-keyring).
	NoNewKeyring bool `json:"noNewKeyring"`
	// Hooks tells the init to stop for prestart/createRuntime hooks.
	Hooks bool `json:"hooks"`
}

// syncMsg travels on the sync socket, one JSON object per line.
type syncMsg struct {
	Type string `json:"type"` // hooks, hooks-done, ready, error
	Msg  string `json:"msg,omitempty"`
}

// IsInit reports whether this process is a runtime init stage.
func IsInit() bool { return os.Getenv(envInit) != "" }

// InitMain runs the init stage (container init or exec) and never returns
// on success: it execs the container process.
func InitMain() int {
	goruntime.LockOSThread()
	// Nothing in the container may ptrace or inspect this process through
	// /proc before it execs (execve makes the container process dumpable
	// again).
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	mode := os.Getenv(envInit)
	syncFd, _ := strconv.Atoi(os.Getenv(envSyncFd))
	sync := os.NewFile(uintptr(syncFd), "sync")
	if sync == nil {
		fmt.Fprintln(os.Stderr, "berth init: no sync socket")
		return 1
	}
	unix.CloseOnExec(syncFd)
	enc := json.NewEncoder(sync)
	dec := json.NewDecoder(bufio.NewReader(sync))
	fail := func(err error) int {
		if enc.Encode(syncMsg{Type: "error", Msg: err.Error()}) != nil {
			// the runtime is gone (after start): stderr is all we have.
			fmt.Fprintln(os.Stderr, "berth init: "+err.Error())
		}
		return 127
	}
	var cfg initConfig
	if err := dec.Decode(&cfg); err != nil {
		return fail(fmt.Errorf("read init config: %w", err))
	}
	var err error
	if mode == "exec" {
		err = execStage(&cfg, enc)
	} else {
		err = initStage(&cfg, enc, dec)
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

func initStage(cfg *initConfig, enc *json.Encoder, dec *json.Decoder) error {
	spec := cfg.Spec
	for _, k := range []string{envInit, envSyncFd, envFifoFd, envConsole, envPreserve} {
		defer os.Unsetenv(k)
	}
	fifoFd, err := strconv.Atoi(os.Getenv(envFifoFd))
	if err != nil {
		return fmt.Errorf("init: no exec fifo")
	}
	unix.CloseOnExec(fifoFd)
	if cfg.Userns {
		if err := becomeRoot(); err != nil {
			return err
		}
	}
	if !cfg.NoNewKeyring {
		// a session keyring of its own, as runc does; kernels without keys
		// (or refusing them in a user namespace) are not an error.
		if _, err := unix.KeyctlJoinSessionKeyring("_ses." + cfg.State.ID); err != nil &&
			!errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EDQUOT) {
			return fmt.Errorf("create session keyring: %w", err)
		}
	}
	readSelfCgroups()
	if cfg.Cgroupns {
		// entered here, after the runtime moved us into our cgroup, so that
		// the namespace is rooted at the container's cgroup.
		if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
			return fmt.Errorf("create cgroup namespace: %w", err)
		}
	}
	mountns := hasNamespace(spec, specs.MountNamespace)
	if cfg.Timens {
		if err := unshareTime(spec.Linux.TimeOffsets); err != nil {
			return err
		}
	}
	if err := prepareRootfs(spec, cfg.Rootfs, cfg.Userns, mountns); err != nil {
		return err
	}
	if cfg.Hooks {
		if err := enc.Encode(syncMsg{Type: "hooks"}); err != nil {
			return fmt.Errorf("ask for hooks: %w", err)
		}
		var m syncMsg
		if err := dec.Decode(&m); err != nil || m.Type != "hooks-done" {
			return fmt.Errorf("wait for hooks: %v %s", err, m.Msg)
		}
	}
	if spec.Hooks != nil && len(spec.Hooks.CreateContainer) > 0 {
		st := cfg.State
		st.Pid = os.Getpid()
		if err := hooks.Run("createContainer", spec.Hooks.CreateContainer, st); err != nil {
			return err
		}
	}
	// Keep a handle on our own fd directory: after pivot_root the host's
	// /proc is gone and we must reopen the fifo through it.
	fdDir, err := unix.Open("/proc/self/fd", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /proc/self/fd: %w", err)
	}
	fin, err := enterContainer(cfg, mountns)
	if err == nil {
		if err = enc.Encode(syncMsg{Type: "ready"}); err != nil {
			err = fmt.Errorf("report ready: %w", err)
		}
	}
	if err != nil {
		unix.Close(fdDir)
		return err
	}
	// Block until `start` opens the fifo for reading.
	fifo, err := unix.Openat(fdDir, strconv.Itoa(fifoFd), unix.O_WRONLY|unix.O_CLOEXEC, 0)
	unix.Close(fdDir)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	if _, err := unix.Write(fifo, []byte("0")); err != nil {
		return fmt.Errorf("write exec fifo: %w", err)
	}
	// fifo stays open (close-on-exec): start waits for it to close, at
	// execve, before it runs the poststart hooks.
	_ = fifo
	unix.Close(fifoFd)
	if spec.Hooks != nil && len(spec.Hooks.StartContainer) > 0 {
		st := cfg.State
		st.Pid = os.Getpid()
		st.Status = specs.StateRunning
		if err := hooks.Run("startContainer", spec.Hooks.StartContainer, st); err != nil {
			return err
		}
	}
	return fin()
}

// enterContainer makes the rootfs the root and finishes the container
// inside it (sysctls, read-only and masked paths, console, hostname and
// domain name), then readies the container process.
func enterContainer(cfg *initConfig, mountns bool) (func() error, error) {
	spec := cfg.Spec
	if err := enterRoot(cfg.Rootfs, mountns, cfg.NoPivot); err != nil {
		return nil, err
	}
	// sysctls before readonlyPaths, which usually hold /proc/sys.
	if err := writeSysctls(spec.Linux.Sysctl); err != nil {
		return nil, err
	}
	if err := finishRootfs(spec, mountns); err != nil {
		return nil, err
	}
	if cfg.Process.Terminal {
		if err := setupConsole(cfg.Process, true); err != nil {
			return nil, err
		}
	}
	if spec.Hostname != "" {
		if err := unix.Sethostname([]byte(spec.Hostname)); err != nil {
			return nil, fmt.Errorf("set hostname: %w", err)
		}
	}
	if spec.Domainname != "" {
		if err := unix.Setdomainname([]byte(spec.Domainname)); err != nil {
			return nil, fmt.Errorf("set domainname: %w", err)
		}
	}
	return prepareExec(cfg.Process, spec)
}

// execStage runs in a process that already joined the container's
// namespaces (see package nsenter).
func execStage(cfg *initConfig, enc *json.Encoder) error {
	for _, k := range []string{envInit, envSyncFd, envConsole, envPreserve} {
		defer os.Unsetenv(k)
	}
	if cfg.Userns {
		if err := becomeRoot(); err != nil {
			return err
		}
	}
	if cfg.Process.Terminal {
		if err := setupConsole(cfg.Process, false); err != nil {
			return err
		}
	}
	fin, err := prepareExec(cfg.Process, cfg.Spec)
	if err != nil {
		return err
	}
	return fin()
}

// prepareExec readies the container process (package execproc), keeping
// the fds the runtime was asked to preserve.
func prepareExec(p *specs.Process, spec *specs.Spec) (func() error, error) {
	preserve, _ := strconv.Atoi(os.Getenv(envPreserve))
	return execproc.Prepare(p, spec, preserve)
}

// setupConsole gives the process a terminal (package console) through the
// console socket the runtime passed.
func setupConsole(p *specs.Process, isInit bool) error {
	sockFd, err := strconv.Atoi(os.Getenv(envConsole))
	if err != nil {
		return fmt.Errorf("process.terminal is set but no console socket was given")
	}
	return console.Setup(sockFd, p, isInit)
}

func becomeRoot() error {
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, 0, 0, 0); e != 0 {
		return fmt.Errorf("become root in user namespace: setresgid: %w", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, 0, 0, 0); e != 0 {
		return fmt.Errorf("become root in user namespace: setresuid: %w", e)
	}
	return nil
}

// unshareTime creates a time namespace for the container process (entered
// at execve) and sets its clock offsets.
func unshareTime(offsets map[string]specs.LinuxTimeOffset) error {
	if err := unix.Unshare(unix.CLONE_NEWTIME); err != nil {
		return fmt.Errorf("create time namespace: %w", err)
	}
	var b strings.Builder
	for clock, o := range offsets {
		fmt.Fprintf(&b, "%s %d %d\n", clock, o.Secs, o.Nanosecs)
	}
	if b.Len() == 0 {
		return nil
	}
	if err := os.WriteFile("/proc/self/timens_offsets", []byte(b.String()), 0); err != nil {
		return fmt.Errorf("set linux.timeOffsets: %w", err)
	}
	return nil
}
