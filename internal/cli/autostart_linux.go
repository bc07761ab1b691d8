package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/client"
)

// autoStart starts "berth daemon -H host" detached (new session, stdio to
// <data-root>/berth.log) and waits up to 10 s for it to answer /_ping. Only
// root starts a daemon. A lock file next to the socket keeps two CLIs from
// starting two daemons.
func autoStart(ctx context.Context, api client.APIClient, host, dataRoot string) error {
	if os.Geteuid() != 0 {
		return errNotRoot
	}
	sock := strings.TrimPrefix(host, "unix://")
	if err := rootOnlyDir(filepath.Dir(sock)); err != nil {
		return fmt.Errorf("refusing to start a daemon for %s: %w; a daemon runs as root and keeps its lock, log and data next to its socket, where another user could swap in a symlink (start one yourself with berth daemon -H %s)", host, err, host)
	}
	if err := os.MkdirAll(filepath.Dir(sock), 0o711); err != nil {
		return fmt.Errorf("create socket directory for %s: %w", sock, err)
	}
	lock, err := os.OpenFile(sock+".autostart.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("open autostart lock for %s: %w", sock, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock autostart for %s: %w", sock, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	// Someone else may have started it while we waited for the lock.
	if _, err := api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true, ForceNegotiate: true}); err == nil {
		return nil
	}

	root := dataRoot
	if root == "" {
		root = DefaultDataRoot
	}
	if err := os.MkdirAll(root, 0o710); err != nil { // the daemon's mode for it (daemon.DataRootMode)
		return fmt.Errorf("create data root %s: %w", root, err)
	}
	logPath := filepath.Join(root, "berth.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open daemon log %s: %w", logPath, err)
	}
	defer logf.Close()
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find berth binary: %w", err)
	}
	args := []string{"daemon", "-H", host}
	if dataRoot != "" {
		args = append(args, "--data-root", dataRoot)
	}
	if host != DefaultHost {
		// A second daemon must not share the default exec root (pid file,
		// runtime state) with one already serving the default socket.
		args = append(args, "--exec-root", sock+".exec")
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start daemon %s: %w", exe, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := waitPing(ctx, api, exited, 10*time.Second); err != nil {
		return fmt.Errorf("start daemon on %s (see %s): %w", host, logPath, err)
	}
	return nil
}

// rootOnlyDir checks that no user but root can change dir or what leads to
// it: every existing directory from dir up to /, as written and with
// symlinks resolved, is owned by root and writable by others only when
// sticky (as /tmp).
func rootOnlyDir(dir string) error {
	dir = filepath.Clean(dir)
	existing := dir
	for existing != "/" && existing != "." {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		existing = filepath.Dir(existing)
	}
	chains := []string{dir}
	if real, err := filepath.EvalSymlinks(existing); err == nil && real != existing {
		chains = append(chains, real)
	}
	for _, p := range chains {
		for ; ; p = filepath.Dir(p) {
			fi, err := os.Lstat(p)
			if err == nil {
				st := fi.Sys().(*syscall.Stat_t)
				perm, sticky := fi.Mode().Perm(), fi.Mode()&os.ModeSticky != 0
				switch {
				case st.Uid != 0:
					return fmt.Errorf("%s is owned by uid %d, not root", p, st.Uid)
				case !sticky && fi.IsDir() && (perm&0o002 != 0 || perm&0o020 != 0 && st.Gid != 0):
					return fmt.Errorf("%s is writable by users other than root", p)
				}
			}
			if p == "/" || p == "." {
				break
			}
		}
	}
	return nil
}
