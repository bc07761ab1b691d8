package runtime

import (
	"github.com/berth/berth/internal/runtime/caps"
	"github.com/berth/berth/internal/runtime/cgroups"
	"github.com/berth/berth/internal/runtime/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func newCgroup(path, id string) (cgroupManager, error) { return cgroups.New(path, id) }

func loadCgroup(paths map[string]string) (cgroupManager, error) { return cgroups.Load(paths) }

func validateResources(r *specs.LinuxResources) error { return cgroups.Validate(r) }

func compileSeccomp(c *specs.LinuxSeccomp) ([]unix.SockFilter, error) { return seccomp.Compile(c) }

func loadSeccomp(f []unix.SockFilter, flags []specs.LinuxSeccompFlag) error {
	return seccomp.Load(f, flags)
}

func validateCaps(c *specs.LinuxCapabilities) error { return caps.Validate(c) }

func applyCaps(c *specs.LinuxCapabilities) error { return caps.Apply(c) }
