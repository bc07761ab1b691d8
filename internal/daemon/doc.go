// Package daemon holds berth's use cases: one file per use case (create.go,
// start.go, stop.go, image_load.go, ...). It is the only package that combines
// the domain packages, and *Daemon implements the Backend interface of every
// API router.
//
// On-disk layout:
//
//	<data-root>/containers.db            container records (internal/store)
//	<data-root>/containers/<id>/         hostname, hosts, resolv.conf, <id>-json.log
//	<data-root>/snapshots, content, image  the image side's stores
//	<exec-root>/b/<id>/                  OCI bundle: config.json, rootfs (mounted while running)
//	<exec-root>/s/<short id>/            the shim's state dir (socket, exit.json)
//	<exec-root>/runtime/                 berth's own runtime's --root
//	<exec-root>/runtimes/<name>/         the --root of each other registered runtime
//
// Crash safety: create writes the record first, marked Incomplete, then the
// dir, files and snapshot; remove marks the record "removing" before it
// deletes anything. Startup (restore.go) removes incomplete and removing
// records with what they own, orphan bundles and container snapshots,
// reconnects to the shims of running containers (live restore) and records
// the exits that happened while no daemon ran. BERTH_TEST_CRASH_AT names a
// point where the daemon SIGKILLs itself, for tests (crash.go).
package daemon
