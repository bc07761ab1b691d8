// Package runtime is berth's own OCI runtime: it creates, starts, signals,
// pauses and deletes containers described by an OCI bundle, the way runc
// does. The command-line front end lives in package ocicli; cgroups,
// seccomp and capabilities are applied through the subpackages of the same
// names, and namespaces are joined before the Go runtime starts by the small
// cgo package nsenter.
//
// Layout of a container's state directory <root>/<id>:
//
//	state.json  the persisted State (written atomically)
//	exec.fifo   present while the container is "created"; start opens it
//	            to release the init process blocked on it
package runtime
