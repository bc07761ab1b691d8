package daemon

import (
	"context"
	"runtime"

	"github.com/moby/moby/api/types/system"
	"golang.org/x/sys/unix"
)

// SystemVersion returns GET /version.
func (d *Daemon) SystemVersion(ctx context.Context) system.VersionResponse {
	kernel := kernelVersion()
	v := d.cfg.Version
	if v == "" {
		v = "dev"
	}
	return system.VersionResponse{
		Platform: system.PlatformInfo{Name: "berth"},
		Version:  v, APIVersion: d.cfg.APIVersion, MinAPIVersion: d.cfg.MinAPIVersion,
		Os: runtime.GOOS, Arch: runtime.GOARCH, GoVersion: runtime.Version(), KernelVersion: kernel,
		Components: []system.ComponentVersion{{Name: "Engine", Version: v, Details: map[string]string{
			"ApiVersion": d.cfg.APIVersion, "MinAPIVersion": d.cfg.MinAPIVersion, "Os": runtime.GOOS, "Arch": runtime.GOARCH,
			"KernelVersion": kernel, "GoVersion": runtime.Version(),
		}}},
	}
}

func kernelVersion() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}
