// Package distribution moves images between berth and registries: pull
// (parallel, verified, resumable downloads unpacked as they stream), push
// (with cross-repository blob mounts) and login. The registry protocol is
// github.com/google/go-containerregistry; where layers go is the caller's
// (the image store, through the narrow LayerStore interface), so this
// package knows nothing of images or snapshots.
//
// On disk, under the root given to New:
//
//	partial/<hex>   compressed blobs being downloaded, named by digest; kept
//	                when a pull fails so the next pull resumes with an HTTP
//	                Range request, removed once the layer is unpacked
//	blobs.json      diff ID → compressed blobs seen in registries (digest,
//	                media type, size, registry, repository), used by push to
//	                skip or mount blobs the registry already has
package distribution
