// Package image is the image store: references → image IDs (config digests),
// manifests, configs and layers in the content store, and the import, load,
// save and export formats.
//
// CONTRACT (shared by the image and daemon owners; keep signatures stable):
//
//	st, err := image.NewStore(root, contentStore, snapshotter)
//	img, err := st.Get(ctx, refOrID)   // name, name:tag, name@digest, full or short (prefix) ID; errdefs.NotFound
//	img.ID, img.Config (dockerspec.DockerOCIImage), img.ChainID() (the snapshot parent for a container)
//	id, err := st.Commit(ctx, snapshotKey, parentID, CommitOptions{...}) // new image from a container's writable layer
//
// Everything else (tag, untag, delete, list, history, import, load, save,
// prune) is used only by the image use cases in internal/daemon.
package image
