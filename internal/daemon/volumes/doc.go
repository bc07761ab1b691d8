// Package volumes holds the volumes and a container's mounts. It owns
//
//   - the volume use cases of the API (list, create, inspect, remove,
//     prune) and their events, and the volume part of system df:
//     *Service is the volume router's Backend;
//   - the planning of a container's mount points at create (Plan: binds,
//     --mount, --tmpfs, --volumes-from, anonymous volumes) and the making
//     of its volumes (Attach);
//   - the spec mounts of a container's volumes at start (SpecMounts):
//     mounting them, copying the image's content into empty ones
//     (copy-up), and staging volume subpaths by descriptor so that a
//     symlink swapped in by another container cannot redirect them
//     (CVE-2021-30465), then their unstaging (UnstageSubpaths,
//     RemoveBundle);
//   - a container's hold on its volumes (Release, Hold), the removal of
//     its anonymous volumes (RemoveAnonymous), and its binds as host
//     paths for docker cp (Binds);
//   - the ordering of "is this volume used?" before a removal against
//     creates that start using a volume (one mutex).
//
// It opens the volume store (internal/volume) under <data-root>/volumes
// and knows containers only as records (internal/container) found and
// saved through its small Containers interface; the daemon gives it
// where events go.
package volumes
