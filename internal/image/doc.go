// Package image is the image store: references → image IDs (config digests),
// configs and layers in the content store, unpacked layers in the
// snapshotter, and the import, load, save and export formats.
//
// Use:
//
//	st, err := image.NewStore(root, contentStore, snapshotter)
//	img, err := st.Get(ctx, refOrID)   // name, name:tag, name@digest, full or short (prefix) ID; errdefs.NotFound
//	img.ID, img.Config (dockerspec.DockerOCIImage), img.ChainID() (the snapshot parent for a container)
//	id, err := st.Commit(ctx, snapshotKey, parentID, CommitOptions{...}) // new image from a container's writable layer
//
// The rest serves the image use cases (pull, push, load, save, import,
// tag, delete, prune, disk usage) and builds:
//
//	st.Import(ctx, tarStream, ImportOptions{Ref, Message, Changes})   // docker import
//	st.Load(ctx, archive, progress) / st.Save(ctx, names, w)          // docker load / save
//	st.List, st.Tag, st.Untag, st.Delete, st.Children, st.DiskUsage, st.LayerSizes
//	ExportRootfs(ctx, mounts, w)                                      // docker export
//	ApplyChanges(cfg, changes)                                        // --change
//	st.GC, st.Hold, st.Resolve, st.HasLayer, st.OpenLayer             // GC (Hold keeps it off a pull), lookups
//
// A puller stores each layer with ApplyLayer(ctx, parentChainID,
// expectedDiffID, uncompressedTar) (it unpacks and ingests in one pass and
// reuses layers already present), then Create(ctx, configJSON, "") and
// Tag/SetRepoDigest.
//
// Layout: blobs (configs, uncompressed layer tars named by diff ID) in the
// content store; the metadata schema in meta.go; layers unpacked once per
// chain ID in the snapshotter and shared by every image that has them.
// Crash safety: every object is complete before the record that refers to
// it; NewStore removes scratch files, and GC drops layers and snapshots
// that no image refers to.
package image
