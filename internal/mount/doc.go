// Package mount describes filesystem mounts as data and performs them.
// Snapshotters return []Mount; the daemon turns them into OCI spec mounts or
// mounts them itself for cp, diff and export.
package mount
