package daemon

import (
	"fmt"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/oci"
)

// joinNamespaces points the IPC, UTS and PID namespaces of c's spec at
// those of another running container when its IpcMode, UTSMode or PidMode
// is "container:NAME" (a pod's containers join its infra container's).
func (d *Daemon) joinNamespaces(spec *specs.Spec, c *container.Container) error {
	modes := map[specs.LinuxNamespaceType]string{
		specs.IPCNamespace: string(c.HostConfig.IpcMode),
		specs.UTSNamespace: string(c.HostConfig.UTSMode),
		specs.PIDNamespace: string(c.HostConfig.PidMode),
	}
	for typ, mode := range modes {
		if ref, ok := strings.CutPrefix(mode, "container:"); ok {
			pid, err := d.runningPid(ref)
			if err != nil {
				return err
			}
			oci.JoinNamespaces(spec, pid, typ)
		}
	}
	return nil
}

// shmPath mounts, when c's IPC namespace is shareable, the tmpfs that is
// its /dev/shm at <bundle>/shm (unmounted with its rootfs), and returns the
// host directory to bind at c's /dev/shm: its own, or that of the
// shareable container whose namespace it joins, as under dockerd. It is
// "" for a /dev/shm the runtime makes (private, or joining a private one).
func (d *Daemon) shmPath(c *container.Container) (string, error) {
	mode := c.HostConfig.IpcMode
	switch {
	case mode.IsShareable():
		p := d.bundleDir(c.ID) + "/shm"
		size := fmt.Sprintf("size=%d", c.HostConfig.ShmSize)
		return p, mount.Once(mount.Mount{Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", size}}, p)
	case mode.IsContainer():
		other, err := d.containers.Get(mode.Container())
		if err != nil {
			return "", err
		}
		if p := d.bundleDir(other.ID) + "/shm"; mount.IsMountPoint(p) {
			return p, nil
		}
	}
	return "", nil
}

// runningPid is the pid of the running container ref.
func (d *Daemon) runningPid(ref string) (int, error) {
	other, err := d.containers.Get(ref)
	if err != nil {
		return 0, err
	}
	other.Lock()
	defer other.Unlock()
	if !other.State.Running() {
		return 0, errdefs.Conflict(fmt.Errorf("cannot join the namespaces of a non running container: %s", other.ID))
	}
	return other.State.Pid, nil
}

// sharedPID reports whether a container's processes share a PID namespace
// they do not own (the host's, or another container's): its init's death
// does not end the others, so a stop or a removal signals them all.
func sharedPID(mode containertypes.PidMode) bool { return mode.IsHost() || mode.IsContainer() }
