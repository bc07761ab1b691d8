// Package daemon holds berth's container use cases, one file per use case
// named after it, and wires the engine's services and domain packages
// together; *Daemon implements the Backend interfaces of the API routers
// but six: the image and registry routers are served by its image service
// (internal/daemon/images, opened in images.go), the network router by its
// networking glue (internal/daemon/netglue), the exec router by its
// process service (internal/daemon/procs, opened in procs.go), the volume
// router by its volumes service (internal/daemon/volumes), the build router
// by its build service (internal/daemon/build, build.go); cp, export and
// diff of the container router come from its files service
// (internal/daemon/files, files.go).
//
// On-disk layout (data root, default /var/lib/berth, mode 0710; exec root,
// default /run/berth). Every path berth writes is here (after the first
// item of a line, the others are relative to its top directory):
//
//	<data-root>/containers.db                     container and volume records (internal/store)
//	<data-root>/containers/<id>/                   hostname, hosts, resolv.conf, <id>-json.log[.<n>[.gz]],
//	                                               local-logs/container.log[.<n>[.gz]] (the local log driver's)
//	<data-root>/volumes/<name>/_data               a volume's files (volumes/ is 0700)
//	<data-root>/network.db                         network records (internal/network)
//	<data-root>/image/meta.db, tmp/                image records (internal/image)
//	<data-root>/content/blobs/sha256/, ingest/     layer and config blobs (internal/content)
//	<data-root>/snapshots/metadata.db, snapshots/<n>/fs, snapshots/<n>/work  layers, writable layers and image mounts' views (internal/snapshot)
//	<data-root>/distribution/partial/              resumable downloads of a pull
//	<data-root>/builder/cache.db, contexts/, tmp/  build cache and mirrored build contexts
//	<data-root>/cni/results/, cni/ipam/            the CRI's pods: CNI results (libcni's cache), addresses of berth's default CNI network
//	<exec-root>/berth.pid                          the daemon's pid file
//	<exec-root>/endpoints.db                       endpoints of running containers
//	<exec-root>/cri.sock                           the Kubernetes CRI's socket (internal/cri), unless moved or off
//	<exec-root>/netns/<id>                         containers' network namespaces
//	<exec-root>/init/docker-init                   the sealed copy of the --init binary
//	<exec-root>/b/<id>/                            OCI bundle: config.json, rootfs (mounted while running),
//	                                               subpaths/<n> (volume subpaths staged during a start, internal/daemon/volumes),
//	                                               shm (the /dev/shm of a shareable IPC namespace, mounted while running),
//	                                               image-<n> (the view snapshot of image mount n, mounted while running)
//	<exec-root>/monitor/                           the containers' monitor (`berth shim monitor`): monitor.sock, monitor.lock, monitor.log
//	<exec-root>/s/<short id>/                      a container's state in the monitor: config, socket, pid, exit status
//	<exec-root>/runtime/                           berth's own runtime's --root
//	<exec-root>/runtimes/<name>/                   the --root of each other registered runtime
//
// Crash safety: create writes the record first, marked Incomplete, then the
// dir, files and snapshot; remove marks the record "removing" before it
// deletes anything; update records new limits, marked pending, before it
// writes them to the cgroup. Startup (restore.go) removes incomplete and
// removing records with what they own, the step containers of builds
// (labelled build.StepLabel), orphan bundles and container snapshots,
// reconnects to the monitor's sockets of running
// containers (live restore), writes
// their pending limits and resumes one a dead commit had paused, releases
// the network of a start it cleans up, and records the exits that happened
// while no daemon ran. BERTH_TEST_CRASH_AT names a point where the daemon
// SIGKILLs itself, for tests (package crashpoint lists them).
package daemon
