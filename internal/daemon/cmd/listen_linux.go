package cmd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// listenAll opens a listener per host: unix://path (mode 0660, owned by
// root and group) or tcp://host:port.
func listenAll(hosts []string, group string, groupSet bool, tlsCfg *tls.Config, log *slog.Logger) ([]net.Listener, error) {
	var ls []net.Listener
	closeAll := func() {
		for _, l := range ls {
			l.Close()
		}
	}
	for _, h := range hosts {
		proto, addr, ok := strings.Cut(h, "://")
		if !ok {
			closeAll()
			return nil, fmt.Errorf("invalid host %q: want unix://path or tcp://host:port", h)
		}
		switch proto {
		case "unix":
			l, err := listenUnix(addr, group, groupSet, log)
			if err != nil {
				closeAll()
				return nil, err
			}
			ls = append(ls, l)
		case "tcp":
			if addr == "" {
				addr = "127.0.0.1:2375"
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				closeAll()
				return nil, fmt.Errorf("listen on %s: %w", h, err)
			}
			switch {
			case tlsCfg == nil:
				log.Warn("the API on a TCP socket without TLS gives root to anyone who can reach it", "addr", addr)
			case tlsCfg.ClientAuth != tls.RequireAndVerifyClientCert:
				log.Warn("the API on TLS without --tlsverify gives root to anyone who can reach it", "addr", addr)
			}
			if tlsCfg != nil {
				l = tls.NewListener(l, tlsCfg)
			}
			ls = append(ls, l)
		default:
			closeAll()
			return nil, fmt.Errorf("invalid host %q: unsupported protocol %q", h, proto)
		}
	}
	return ls, nil
}

// listenUnix binds the socket in a fresh directory only root can enter,
// sets its owner and mode there, and renames it into place: nothing is
// ever changed through path, so a symlink or file another user put there
// (or swaps in while we start) is replaced, never followed. The process
// umask is left alone.
func listenUnix(path, group string, groupSet bool, log *slog.Logger) (net.Listener, error) {
	if path == "" {
		return nil, errors.New("empty unix socket path")
	}
	gid, err := socketGroup(group, groupSet, log)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create socket dir: %w", err)
	}
	private, err := os.MkdirTemp(dir, ".s")
	if err != nil {
		return nil, fmt.Errorf("create socket dir: %w", err)
	}
	defer os.RemoveAll(private)
	tmp := filepath.Join(private, "s")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on unix://%s: %w", path, err)
	}
	ul.SetUnlinkOnClose(false)
	if err := os.Lchown(tmp, 0, gid); err != nil {
		ul.Close()
		return nil, fmt.Errorf("chown %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o660); err != nil { // tmp is a socket in a root-only dir
		ul.Close()
		return nil, fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ul.Close()
		return nil, fmt.Errorf("place socket %s: %w", path, err)
	}
	l := &unixListener{UnixListener: ul, path: path}
	return l, nil
}

// unixListener removes its socket file when closed (the socket was bound
// under another name, so the net package's own unlink does not apply).
type unixListener struct {
	*net.UnixListener
	path string
}

// Addr is the socket's final path, not the one it was bound under.
func (l *unixListener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

func (l *unixListener) Close() error {
	err := l.UnixListener.Close()
	if rerr := os.Remove(l.path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
		err = rerr
	}
	return err
}

// socketGroup returns the gid owning the API socket: group by name or
// number; a missing default group leaves the socket root-only.
func socketGroup(group string, groupSet bool, log *slog.Logger) (int, error) {
	if group == "" {
		return 0, nil
	}
	if g, err := user.LookupGroup(group); err == nil {
		return strconv.Atoi(g.Gid)
	}
	if n, err := strconv.Atoi(group); err == nil {
		return n, nil
	}
	if groupSet {
		return 0, fmt.Errorf("group %q for the API socket not found", group)
	}
	log.Debug("socket group not found; the socket stays root-only", "group", group)
	return 0, nil
}

// writePidfile refuses to start when the pid file names a live process.
func writePidfile(path string) error {
	if data, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil && pid != os.Getpid() {
				return fmt.Errorf("pid file found, ensure berth is not running or delete %s", path)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create pid file dir: %w", err)
	}
	return os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}
