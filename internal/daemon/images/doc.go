// Package images holds the image use cases of the engine: pull, push,
// search, login and distribution inspect against registries, load, save,
// import, tag, delete, list, inspect, history, prune, the image part of
// system df, and the pulls a build's FROM makes. *Service is the Backend
// of the image and registry routers.
//
// It opens and owns the image side's state under the data root:
//
//	<data-root>/snapshots/     layer snapshots and containers' writable layers (internal/snapshot)
//	<data-root>/content/       blobs by digest (internal/content)
//	<data-root>/image/         image records, tags and repo digests (internal/image)
//	<data-root>/distribution/  partial downloads and blob metadata of the registry client (internal/distribution)
//
// The container use cases reach the image and snapshot stores through
// Store and Snapshotter. Containers are known only through the
// Containers interface (how many containers use each image), which rmi,
// image prune and system df consult.
package images
