package oci

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Device is a host device node to create in the container, with the
// cgroup permissions it gets ("rwm").
type Device struct {
	Spec        specs.LinuxDevice
	Permissions string
}

// addDevices puts devices in the spec and allows them in the device
// cgroup (privileged containers already allow everything).
func addDevices(s *specs.Spec, devs []Device, privileged bool) {
	for _, d := range devs {
		s.Linux.Devices = append(s.Linux.Devices, d.Spec)
		if privileged {
			continue
		}
		major, minor := d.Spec.Major, d.Spec.Minor
		perms := d.Permissions
		if perms == "" {
			perms = "rwm"
		}
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, specs.LinuxDeviceCgroup{
			Allow: true, Type: d.Spec.Type, Major: &major, Minor: &minor, Access: perms,
		})
	}
}
