// Package nsenter joins existing namespaces before the Go runtime starts.
//
// Importing it (for side effects) links a C constructor into the binary. The
// constructor does nothing unless the environment variable named by EnvVar
// is set; then it holds a comma-separated list of namespace files
// (/proc/PID/ns/TYPE or bind-mounted paths). It opens them all, joins the
// user namespace first and the mount namespace last, marks the process
// non-dumpable, and lets the Go runtime continue inside the namespaces. On
// failure it prints one line to stderr and exits with status 1. Joining a
// pid namespace is not done here: the caller enters it on a locked thread
// before it forks, so that the child is born inside.
//
// The constructor also records the soft RLIMIT_NOFILE the process started
// with (OrigNofile), which the Go runtime raises before main.
package nsenter

// EnvVar is the environment variable read by the C constructor.
const EnvVar = "_BERTH_NSENTER"
