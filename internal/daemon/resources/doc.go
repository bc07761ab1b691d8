// Package resources is what the daemon does with a container's resources.
// It owns
//
//   - the resource use cases of the API: stats (one sample or a stream,
//     read from the cgroups of the container's init), top (the host's ps
//     kept to the init's pid namespace), and update of the limits (checked
//     merged with the old ones, applied through the runtime's update verb);
//     *Service serves them for the daemon;
//   - the translation a create and a start need: the checks of limits and
//     security options with dockerd's messages (Validate, ValidateSecurity),
//     the limits this host's cgroups cannot enforce dropped with dockerd's
//     warnings and the default swap limit (Adapt, DefaultSwap), the device
//     nodes of --device and --privileged (Devices), the --ulimit hard limits
//     lowered to the daemon's own (ClampRlimits), with the one table of
//     rlimit names of the package;
//   - the host's facts a spec needs: its cgroup mode (CgroupV2) and the
//     daemon's bounding set of capabilities (HostCapabilities);
//   - the host's CPUs shared among starts: the gate that lets one start per
//     CPU set up at a time (StartGate).
//
// It knows containers only as records (internal/container) found and saved
// through its small Containers interface; the daemon gives it the runtime's
// argv and where events go.
package resources
