// Package runtime is berth's own OCI runtime: it creates, starts, signals,
// pauses, updates and deletes containers described by an OCI bundle, the
// way runc does, and runs the init stages inside them. It owns the
// lifecycle operations, the validation of config.json, the rootfs
// set-up (mounts, devices, masked and read-only paths, sysctls, pivot_root)
// and the spawn of init stages. The command-line front end is package
// ocicli; one job each lives in the subpackages: cgroups, seccomp and caps
// (applied as their names say), execproc (the last step into the container
// process), hooks (OCI lifecycle hooks), console (the pty and console
// socket), selfexe (the sealed handle on the binary the init stages run
// from), spec (the default config.json), state (a container's record and
// status), and the small cgo package nsenter,
// which joins the namespaces that need a single-threaded process (user,
// mount, time) before the Go runtime starts.
//
// How a container comes to life:
//
//   - create validates the whole config (ValidateSpec) before it creates
//     anything, makes the state directory and exec.fifo, and re-executes
//     the binary as the container's init (stage.start, which exec shares),
//     from a detached read-only bind mount of itself (sealed memfd copy as
//     a fallback: CVE-2019-5736).
//     New namespaces come from clone flags; per-thread ones joined by path
//     (pid, network, ipc, uts, cgroup) are entered by the forking thread
//     first, so a new user namespace can sit on top of them; user, mount
//     and time paths are joined by the nsenter constructor.
//   - the runtime moves the init into its cgroup, then sends it the config
//     over a socket pair. The init unshares its cgroup (and time)
//     namespace, mounts, stops for prestart/createRuntime hooks (run by the
//     runtime), runs createContainer hooks, pivot_roots, applies sysctls,
//     masked and read-only paths, console, hostname, reports "ready" and
//     blocks opening exec.fifo.
//   - start opens the fifo, reads the init's byte (or sees it die through
//     a pidfd), removes the fifo, waits for the init's execve and runs
//     poststart hooks. The init meanwhile runs startContainer hooks, enters
//     the cwd (refusing one outside the root, CVE-2024-21626), closes stray
//     fds, loads seccomp (before dropping capabilities unless
//     no_new_privs), sets user, capabilities, no_new_privs, rlimits and
//     execs with raw syscalls.
//   - exec re-executes the binary the same way into the running
//     container's namespaces and cgroup.
//
// A container's state directory (state.json, exec.fifo) and its derived
// status belong to package state.
package runtime
