package volume

import (
	"fmt"
	"strings"

	"github.com/berth/berth/internal/mount"
)

// Mount makes the volume ready for user ref (a container ID) and returns
// the host path to bind into the container. A volume with a type option is
// mounted on its _data directory for its first user. Every user is
// counted, so that Remove refuses a volume in use.
func (s *Store) Mount(name, ref string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.vols[name]
	if !ok {
		return "", fmt.Errorf("get %s: no such volume", name)
	}
	dir := s.dataDir(name)
	if r.Options["type"] != "" && len(s.refs[name]) == 0 && !mount.IsMountPoint(dir) {
		var opts []string
		if o := r.Options["o"]; o != "" {
			opts = strings.Split(o, ",")
		}
		dev := r.Options["device"]
		if dev == "" {
			dev = r.Options["type"]
		}
		m := mount.Mount{Type: r.Options["type"], Source: dev, Options: opts}
		if err := m.Mount(dir); err != nil {
			return "", fmt.Errorf("mount volume %s: %w", name, err)
		}
	}
	if s.refs[name] == nil {
		s.refs[name] = map[string]bool{}
	}
	s.refs[name][ref] = true
	return dir, nil
}

// Unmount drops user ref of the volume and reports whether ref held it;
// the last user unmounts a volume with a type option.
func (s *Store) Unmount(name, ref string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.vols[name]
	if !ok || !s.refs[name][ref] {
		return false, nil
	}
	delete(s.refs[name], ref)
	if len(s.refs[name]) > 0 {
		return true, nil
	}
	delete(s.refs, name)
	if r.Options["type"] == "" {
		return true, nil
	}
	return true, unmountData(s.dataDir(name))
}

func unmountData(dir string) error {
	if !mount.IsMountPoint(dir) {
		return nil
	}
	return mount.UnmountAll(dir)
}
