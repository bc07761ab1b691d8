// Package snapshot manages the layer snapshots of images and the writable
// layers of containers, as directories on disk, and returns mounts as data
// (containerd's snapshotter model).
//
// Use:
//
//	sn, driver, err := snapshot.New(root)       // overlay when the kernel and the backing fs allow it, else "vfs" (copy)
//	mounts, err := sn.Prepare(ctx, key, parent) // writable snapshot on top of committed parent ("" = empty)
//	err = sn.Commit(ctx, name, key)             // make an active snapshot a committed, read-only one
//	mounts, err := sn.View(ctx, key, parent)    // read-only view of parent
//	mounts, err := sn.Mounts(ctx, key)
//	err = sn.Remove(ctx, key)
//	changes, err := sn.Changes(ctx, key)        // what the active snapshot changed vs its parent (docker diff)
//	rc, err := sn.Diff(ctx, key)                // the same as a tar layer stream with whiteouts (docker commit)
//
// Also: Apply (unpack a layer tar into an active snapshot), Usage, Exists,
// Stat, Walk, Close; NewDriver(root, "overlay"|"vfs"|"") to force a
// driver; OverlaySupported(root) says why overlay cannot be used, and
// BackingFS and DriverStatus describe the driver (for info).
//
// Image layers are committed under their chain ID; each distinct layer is
// unpacked once and shared. Metadata is one bbolt file (root/metadata.db);
// layer directories are root/snapshots/<n>. Opening removes scratch
// snapshots (keys starting with TempPrefix) and directories without a
// record, which is what a crash mid-extraction leaves.
//
// A container's active snapshot must be unmounted by its user before
// Remove.
package snapshot
