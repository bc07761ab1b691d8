// Package execproc is the last step of a runtime init stage: it turns the
// calling process, already inside the container's namespaces and root,
// into the container process. Prepare checks what can fail about the
// process (cwd inside the root, the executable on the process's own PATH,
// rlimits that would need CAP_SYS_RESOURCE, the seccomp profile); the
// function it returns sets the personality, closes stray fds, loads
// seccomp, sets rlimits, groups, gid and uid, capabilities and
// no_new_privs in runc's order, and execs with raw syscalls.
package execproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/berth/berth/internal/rlimit"
	"github.com/berth/berth/internal/runtime/caps"
	"github.com/berth/berth/internal/runtime/nsenter"
	"github.com/berth/berth/internal/runtime/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Prepare checks everything that can fail about the process (cwd,
// executable, rlimits) and returns the function that applies credentials,
// capabilities, no_new_privs and seccomp, closes every fd above stdio and
// the preserve fds after it, and execs. It runs on a locked OS thread.
func Prepare(p *specs.Process, spec *specs.Spec, preserve int) (func() error, error) {
	// Rlimits are applied at the very end (a small RLIMIT_AS would starve
	// the Go runtime of this init); refuse now what cannot succeed then.
	for _, r := range p.Rlimits {
		if err := checkRlimit(r); err != nil {
			return nil, err
		}
	}
	grant := caps.Available(p.Capabilities)
	// Entered here for an early error, and entered again in the final step,
	// once no host directory fd is open any more.
	if err := enterCwd(p.Cwd); err != nil {
		return nil, err
	}
	env := dedupEnv(p.Env)
	if !hasEnv(env, "HOME") {
		env = append(env, "HOME="+homeOf(p.User.UID))
	}
	argv0, err := lookPath(p.Args[0], env)
	if err != nil {
		return nil, err
	}
	var filter []unix.SockFilter
	var flags []specs.LinuxSeccompFlag
	if spec.Linux != nil && spec.Linux.Seccomp != nil {
		filter, err = seccomp.Compile(spec.Linux.Seccomp)
		if err != nil {
			return nil, fmt.Errorf("compile seccomp profile: %w", err)
		}
		flags = spec.Linux.Seccomp.Flags
	}
	argv0p, err := syscall.BytePtrFromString(argv0)
	if err != nil {
		return nil, fmt.Errorf("exec %q: %w", argv0, err)
	}
	argvp, err := syscall.SlicePtrFromStrings(p.Args)
	if err != nil {
		return nil, fmt.Errorf("process.args: %w", err)
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return nil, fmt.Errorf("process.env: %w", err)
	}
	limits := finalRlimits(p.Rlimits)
	return func() error {
		if spec.Linux != nil && spec.Linux.Personality != nil {
			if err := setPersonality(spec.Linux.Personality); err != nil {
				return err
			}
		}
		if err := enterCwd(p.Cwd); err != nil {
			return err
		}
		// No fd above the preserved ones may reach the container process.
		if err := closeExtraFds(3 + preserve); err != nil {
			return err
		}
		// Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load
		// it while we still have it, as runc does.
		if filter != nil && !p.NoNewPrivileges {
			if err := seccomp.Load(filter, flags); err != nil {
				return fmt.Errorf("load seccomp filter: %w", err)
			}
		}
		// Raising a hard limit needs CAP_SYS_RESOURCE: do it while we have
		// it. Every limit is (re)applied last, right before execve.
		for _, r := range p.Rlimits {
			if err := raiseRlimit(r); err != nil {
				return err
			}
		}
		if err := setUser(p); err != nil {
			return err
		}
		// no capabilities in the config means none, as with runc.
		if err := caps.Apply(grant); err != nil {
			return fmt.Errorf("apply capabilities: %w", err)
		}
		if p.NoNewPrivileges {
			if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
				return fmt.Errorf("set no_new_privs: %w", err)
			}
		}
		if filter != nil && p.NoNewPrivileges {
			if err := seccomp.Load(filter, flags); err != nil {
				return fmt.Errorf("load seccomp filter: %w", err)
			}
		}
		// Nothing below allocates: a small RLIMIT_AS would starve the Go
		// runtime (persistentalloc) before execve.
		for i := range limits {
			if _, _, e := unix.RawSyscall6(unix.SYS_PRLIMIT64, 0, uintptr(limits[i].res), uintptr(unsafe.Pointer(&limits[i].lim)), 0, 0, 0); e != 0 {
				return fmt.Errorf("set %s: %w", limits[i].name, e)
			}
		}
		_, _, e := unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(argv0p)), uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])))
		return fmt.Errorf("exec %s: %w", p.Args[0], e)
	}, nil
}

// checkRlimit fails, naming the limit, when r raises a hard limit above
// the current one without CAP_SYS_RESOURCE (which these machines lack).
func checkRlimit(r specs.POSIXRlimit) error {
	cur, err := currentRlimit(r)
	if err != nil || r.Hard <= cur.Max {
		return err
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err == nil && data[0].Effective&(1<<unix.CAP_SYS_RESOURCE) != 0 {
		return nil
	}
	return fmt.Errorf("set %s: raising the hard limit from %d to %d needs CAP_SYS_RESOURCE, which berth runtime does not have", r.Type, cur.Max, r.Hard)
}

// currentRlimit returns the limit of r's resource as it is now.
func currentRlimit(r specs.POSIXRlimit) (syscall.Rlimit, error) {
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(resource(r.Type), &cur); err != nil {
		return cur, fmt.Errorf("get %s: %w", r.Type, err)
	}
	return cur, nil
}

func setRlimit(r specs.POSIXRlimit) error {
	cur, err := currentRlimit(r)
	if err != nil {
		return err
	}
	want := syscall.Rlimit{Cur: r.Soft, Max: r.Hard}
	if err := syscall.Setrlimit(resource(r.Type), &want); err != nil {
		if r.Hard > cur.Max {
			return fmt.Errorf("set %s: raising the hard limit from %d to %d is not permitted: %w", r.Type, cur.Max, r.Hard, err)
		}
		return fmt.Errorf("set %s to soft %d hard %d: %w", r.Type, r.Soft, r.Hard, err)
	}
	return nil
}

// setUser switches groups, gid and uid on this thread only (the thread
// that execs), keeping capabilities so that they can be set afterwards.
func setUser(p *specs.Process) error {
	u := p.User
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set keepcaps: %w", err)
	}
	groups := make([]uint32, 0, len(u.AdditionalGids))
	groups = append(groups, u.AdditionalGids...)
	var gp uintptr
	if len(groups) > 0 {
		gp = uintptr(unsafe.Pointer(&groups[0]))
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), gp, 0); e != 0 && !(e == unix.EPERM && len(groups) == 0) {
		return fmt.Errorf("set additional gids %v: %w", u.AdditionalGids, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("set gid %d: %w", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("set uid %d: %w", u.UID, e)
	}
	if u.Umask != nil {
		unix.Umask(int(*u.Umask))
	} else {
		unix.Umask(0o022) // as runc, whatever the caller's umask
	}
	return nil
}

func hasEnv(env []string, k string) bool {
	for _, e := range env {
		if strings.HasPrefix(e, k+"=") {
			return true
		}
	}
	return false
}

func homeOf(uid uint32) string {
	data, err := os.ReadFile("/etc/passwd")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Split(line, ":")
			if len(f) >= 6 && f[2] == strconv.Itoa(int(uid)) {
				return f[5]
			}
		}
	}
	return "/"
}

// lookPath finds the executable inside the container with the process's
// own PATH.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := checkExec(name); err != nil {
			return "", fmt.Errorf("exec %q: %w", name, err)
		}
		return name, nil
	}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			path = e[5:]
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if checkExec(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
}

func checkExec(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return errors.New("is a directory")
	}
	if fi.Mode()&0o111 == 0 {
		return os.ErrPermission
	}
	return nil
}

// closeExtraFds marks every fd from first on close-on-exec.
func closeExtraFds(first int) error {
	err := unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	ents, rerr := os.ReadDir("/proc/self/fd")
	if rerr != nil {
		return fmt.Errorf("mark fds close-on-exec: %w", err)
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd >= first {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}

// dedupEnv keeps the last value of each variable, in first-seen order (a
// later --env overrides the config's, as with runc).
func dedupEnv(env []string) []string {
	idx := map[string]int{}
	out := make([]string, 0, len(env))
	for _, e := range env {
		k, _, _ := strings.Cut(e, "=")
		if i, ok := idx[k]; ok {
			out[i] = e
			continue
		}
		idx[k] = len(out)
		out = append(out, e)
	}
	return out
}

// setPersonality applies linux.personality (LINUX or LINUX32).
func setPersonality(p *specs.LinuxPersonality) error {
	var domain uintptr
	switch p.Domain {
	case specs.PerLinux:
		domain = 0x0000
	case specs.PerLinux32:
		domain = 0x0008
	default:
		return fmt.Errorf("linux.personality.domain: unknown domain %q", p.Domain)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_PERSONALITY, domain, 0, 0); e != 0 {
		return fmt.Errorf("set personality %s: %w", p.Domain, e)
	}
	return nil
}

// resource is the resource number of a validated rlimit name.
func resource(name string) int {
	r, _ := rlimit.Resource(name)
	return r
}

type rlimitSet struct {
	name string
	res  int
	lim  unix.Rlimit
}

// finalRlimits lists the limits to set right before execve: the process's
// own, plus the soft RLIMIT_NOFILE this process started with when the
// config does not set one (the Go runtime raised it; syscall.Exec would
// have put it back).
func finalRlimits(rs []specs.POSIXRlimit) []rlimitSet {
	out := make([]rlimitSet, 0, len(rs)+1)
	nofile := false
	for _, r := range rs {
		out = append(out, rlimitSet{r.Type, resource(r.Type), unix.Rlimit{Cur: r.Soft, Max: r.Hard}})
		if r.Type == "RLIMIT_NOFILE" {
			nofile = true
		}
	}
	if !nofile {
		var cur unix.Rlimit
		if orig, ok := nsenter.OrigNofile(); ok && unix.Getrlimit(unix.RLIMIT_NOFILE, &cur) == nil && orig < cur.Cur {
			out = append(out, rlimitSet{"RLIMIT_NOFILE", unix.RLIMIT_NOFILE, unix.Rlimit{Cur: orig, Max: cur.Max}})
		}
	}
	return out
}

// raiseRlimit applies r now if it raises the hard limit (which needs
// CAP_SYS_RESOURCE, about to be dropped).
func raiseRlimit(r specs.POSIXRlimit) error {
	cur, err := currentRlimit(r)
	if err != nil || r.Hard <= cur.Max {
		return err
	}
	return setRlimit(r)
}

// enterCwd changes to cwd, resolved inside the container's root (after
// pivot_root), and refuses a directory outside that root: a cwd reached
// through a leaked host fd (/proc/self/fd/N, CVE-2024-21626) has no path
// from the root, and getcwd says so.
func enterCwd(cwd string) error {
	if err := unix.Chdir(cwd); err != nil {
		return fmt.Errorf("chdir to cwd %q set in config.json: %w", cwd, err)
	}
	wd, err := unix.Getwd()
	if err != nil || !strings.HasPrefix(wd, "/") {
		return fmt.Errorf("cwd %q is outside the container root", cwd)
	}
	return nil
}
