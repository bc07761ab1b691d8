// Package files gives access to a container's files: docker cp (stat a
// path, copy out of the container as a tar, extract a tar into it),
// export of its whole root filesystem, and the changes of its writable
// layer (diff), with the runtime's mount points left out. *Service serves
// these methods of the container router's Backend.
//
// Every path of a copy or an export is resolved, and every file opened,
// by a thread chrooted into the container's root (mount.InRoot), so a
// container that swaps a directory for a symlink while the copy runs only
// leads it back into itself (CVE-2018-15664). The container's volumes and
// binds are mounted in that thread's own mount namespace, so cp reads and
// writes them as Docker's does (a read-only one refuses writes). The name
// files the engine bind-mounts (/etc/hostname, hosts, resolv.conf) are read
// from the container's directory.
//
// It knows containers only as Container values found through its
// Containers interface, and reads writable layers through the
// snapshotter.
package files
