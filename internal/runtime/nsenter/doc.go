// Package nsenter joins existing namespaces before the Go runtime starts.
//
// Importing it (for side effects) links a C constructor into the binary. The
// constructor does nothing unless the environment variable named by EnvVar
// is set; then it holds a comma-separated list of TYPE=PATH entries (TYPE
// an OCI namespace type, PATH /proc/PID/ns/… or a bind-mounted namespace
// file). It opens them all, joins the
// user namespace first and the mount namespace last, marks the process
// non-dumpable, and lets the Go runtime continue inside the namespaces. On
// failure it reports one line (an error message on the runtime's sync
// socket, or else on stderr) and exits with status 1. The runtime passes
// only user, mount and time namespaces here: the per-thread ones (pid,
// network, ipc, uts, cgroup) it enters on a locked thread before it forks,
// so that the child is born inside.
//
// The constructor also records the soft RLIMIT_NOFILE the process started
// with (OrigNofile), which the Go runtime raises before main.
package nsenter

// EnvVar is the environment variable read by the C constructor.
const EnvVar = "_BERTH_NSENTER"
