package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth/berth/internal/container"
)

// writeFileAtomic writes data to path through a temp file and a rename.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeEtcFiles writes the hostname, hosts and resolv.conf files that are
// bind-mounted into the container.
func (d *Daemon) writeEtcFiles(c *container.Container) error {
	dir := d.containerDir(c.ID)
	host := c.Config.Hostname
	hosts := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"
	if c.HostConfig.NetworkMode.IsHost() {
		if data, err := os.ReadFile("/etc/hosts"); err == nil {
			hosts = string(data)
		}
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	} else {
		hosts += "127.0.1.1\t" + host + "\n"
	}
	for _, eh := range c.HostConfig.ExtraHosts {
		name, ip, ok := strings.Cut(eh, ":")
		if !ok {
			name, ip, ok = strings.Cut(eh, "=")
		}
		if ok {
			hosts += ip + "\t" + name + "\n"
		}
	}
	files := map[string]string{
		"hostname":    host + "\n",
		"hosts":       hosts,
		"resolv.conf": resolvConf(c),
	}
	for name, content := range files {
		if err := writeFileAtomic(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s of container %s: %w", name, c.ID, err)
		}
	}
	return nil
}

// resolvConf returns the host's resolv.conf without loopback name servers
// (unreachable from a private network namespace), falling back to public
// resolvers as Docker does, with the container's --dns options applied.
func resolvConf(c *container.Container) string {
	data, _ := os.ReadFile("/etc/resolv.conf")
	if c.HostConfig.NetworkMode.IsHost() && len(c.HostConfig.DNS) == 0 {
		return string(data)
	}
	var ns, other []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			if strings.HasPrefix(f[1], "127.") || f[1] == "::1" {
				continue
			}
			ns = append(ns, f[1])
			continue
		}
		if len(f) > 0 && (f[0] == "search" || f[0] == "options") {
			other = append(other, line)
		}
	}
	if len(c.HostConfig.DNS) > 0 {
		ns = nil
		for _, a := range c.HostConfig.DNS {
			ns = append(ns, a.String())
		}
	}
	if len(ns) == 0 {
		ns = []string{"8.8.8.8", "8.8.4.4"}
	}
	var b strings.Builder
	for _, n := range ns {
		b.WriteString("nameserver " + n + "\n")
	}
	if len(c.HostConfig.DNSSearch) > 0 {
		b.WriteString("search " + strings.Join(c.HostConfig.DNSSearch, " ") + "\n")
	} else {
		for _, o := range other {
			if strings.HasPrefix(strings.TrimSpace(o), "search") {
				b.WriteString(o + "\n")
			}
		}
	}
	if len(c.HostConfig.DNSOptions) > 0 {
		b.WriteString("options " + strings.Join(c.HostConfig.DNSOptions, " ") + "\n")
	}
	return b.String()
}
