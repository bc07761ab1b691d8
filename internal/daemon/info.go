package daemon

import (
	"context"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/sys/atomicwriter"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/container"
)

// SystemInfo returns GET /info.
func (d *Daemon) SystemInfo(ctx context.Context) (*system.Info, error) {
	panicPoint("info-panic")
	cfg := d.config()
	info := &system.Info{
		ID: d.daemonID(), Driver: d.storageDriver, DriverStatus: [][2]string{},
		SystemTime: time.Now().Format(time.RFC3339Nano), LoggingDriver: d.defaultLogDriver(), CgroupDriver: "cgroupfs",
		CgroupVersion: "1", KernelVersion: kernelVersion(), OperatingSystem: osName(), OSType: "linux",
		Architecture: runtime.GOARCH, NCPU: runtime.NumCPU(), MemTotal: memTotal(), DockerRootDir: d.root,
		NGoroutines: runtime.NumGoroutine(), Debug: cfg.Debug, ServerVersion: d.SystemVersion(ctx).Version,
		DefaultRuntime: cfg.DefaultRuntime, Runtimes: map[string]system.RuntimeWithStatus{},
		LiveRestoreEnabled: cfg.LiveRestore, Isolation: "", InitBinary: d.init.Name(), Name: hostname(),
		IndexServerAddress: "https://index.docker.io/v1/", SecurityOptions: []string{"name=seccomp,profile=builtin"},
		Labels: append([]string{}, cfg.Labels...), Warnings: []string{}, MemoryLimit: true, CPUShares: true, PidsLimit: true,
		Swarm: swarm.Info{LocalNodeState: swarm.LocalNodeStateInactive}, // no swarm mode
	}
	if d.cgroupV2 {
		info.CgroupVersion = "2"
	}
	if d.storageDriver == "vfs" {
		info.DriverStatus = append(info.DriverStatus, [2]string{"Note", "overlay is not usable on this data root; using the copy driver"})
		info.Warnings = append(info.Warnings, "WARNING: the vfs (copy) storage driver is in use: overlay is not usable on "+d.root)
	}
	info.Runtimes[BuiltinRuntime] = system.RuntimeWithStatus{Runtime: system.Runtime{Path: d.binary, Args: []string{"runtime"}}}
	for name, rt := range cfg.Runtimes {
		info.Runtimes[name] = system.RuntimeWithStatus{Runtime: system.Runtime{Path: rt.Path, Args: rt.Args}}
	}
	for _, c := range d.containers.List() {
		c.Lock()
		if !c.Incomplete {
			info.Containers++
			switch c.State.Status {
			case container.StatusRunning, container.StatusRestarting:
				info.ContainersRunning++
			case container.StatusPaused:
				info.ContainersPaused++
			default:
				info.ContainersStopped++
			}
		}
		c.Unlock()
	}
	info.Images = d.imageCount(ctx)
	info.RegistryConfig = cfg.Registry.ServiceConfig()
	return info, nil
}

func (d *Daemon) daemonID() string {
	p := d.root + "/engine-id"
	if data, err := os.ReadFile(p); err == nil {
		return strings.TrimSpace(string(data))
	}
	id := container.GenerateID()
	_ = atomicwriter.WriteFile(p, []byte(id+"\n"), 0o600)
	return id
}

func osName() string {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return "Linux"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "Linux"
}

func memTotal() int64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

func (d *Daemon) imageCount(ctx context.Context) int {
	l, err := d.images.List(ctx)
	if err != nil {
		return 0
	}
	return len(l)
}
