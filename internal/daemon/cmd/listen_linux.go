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
	"syscall"
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

func listenUnix(path, group string, groupSet bool, log *slog.Logger) (net.Listener, error) {
	if path == "" {
		return nil, errors.New("empty unix socket path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create socket dir: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	old := syscall.Umask(0o777)
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on unix://%s: %w", path, err)
	}
	gid := 0
	if group != "" {
		g, err := user.LookupGroup(group)
		if err == nil {
			gid, _ = strconv.Atoi(g.Gid)
		} else if n, nerr := strconv.Atoi(group); nerr == nil {
			gid = n
		} else if groupSet {
			l.Close()
			return nil, fmt.Errorf("group %q for the API socket not found", group)
		} else {
			log.Debug("socket group not found; the socket stays root-only", "group", group)
		}
	}
	if err := os.Chown(path, 0, gid); err != nil {
		l.Close()
		return nil, fmt.Errorf("chown %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		l.Close()
		return nil, fmt.Errorf("chmod %s: %w", path, err)
	}
	return l, nil
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
