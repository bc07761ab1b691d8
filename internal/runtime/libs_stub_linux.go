//go:build !berth_rtlibs

package runtime

// Temporary stand-ins until the rtlibs branch (cgroups, seccomp, caps) is
// merged; build with -tags berth_rtlibs to use the real packages.

import (
	"errors"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var errNoLibs = errors.New("not available in this build")

func newCgroup(path, id string) (cgroupManager, error) { return nil, errNoLibs }

func loadCgroup(paths map[string]string) (cgroupManager, error) { return nil, errNoLibs }

func validateResources(r *specs.LinuxResources) error { return nil }

func compileSeccomp(c *specs.LinuxSeccomp) ([]unix.SockFilter, error) { return nil, nil }

func loadSeccomp(f []unix.SockFilter, flags []specs.LinuxSeccompFlag) error { return nil }

func validateCaps(c *specs.LinuxCapabilities) error { return nil }

func applyCaps(c *specs.LinuxCapabilities) error { return nil }
