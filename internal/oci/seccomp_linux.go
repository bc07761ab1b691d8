package oci

import (
	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultSeccomp is Docker's default seccomp profile for the spec's
// capabilities, as an OCI LinuxSeccomp.
func DefaultSeccomp(s *specs.Spec) (*specs.LinuxSeccomp, error) {
	return seccomp.GetDefaultProfile(s)
}

// LoadSeccomp turns a Docker seccomp profile (JSON) into an OCI
// LinuxSeccomp for the spec's capabilities and architecture.
func LoadSeccomp(profile string, s *specs.Spec) (*specs.LinuxSeccomp, error) {
	return seccomp.LoadProfile(profile, s)
}
