// Package crashpoint is the test-only fault injection of the daemon: named
// points in multi-step operations where a test can have the daemon kill
// itself (SIGKILL), so that it can check what a restart finds.
package crashpoint

import (
	"os"
	"syscall"
)

// Env names the armed point: when BERTH_TEST_CRASH_AT equals a point's
// name, the daemon SIGKILLs itself there.
const Env = "BERTH_TEST_CRASH_AT"

// At kills the process when the test armed name. Points (package: step):
//
//	daemon: create-after-record, create-after-snapshot, start-after-shim,
//	  start-after-start, rm-after-mark, rm-after-snapshot,
//	  commit-after-layer, autoremove-after-remove, rename-after-record,
//	  prune-after-one
//	image: layer-mid-store (a pulled or loaded layer unpacked, its blob
//	  half-written, nothing committed)
//	distribution: pull-between-layers, push-after-blob
//	daemon/build: build-mid-run (a RUN step's container running),
//	  build-step-commit (a step's layer stored, its image not recorded)
//	daemon/resources: update-after-record (limits recorded, not yet applied)
//	volume: volume-create-after-dir, volume-remove-after-rename
//	network: network-create-after-record, network-create-after-bridge,
//	  network-remove-after-bridge, network-connect-after-veth
func At(name string) {
	if Armed(name) {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// Armed reports whether the test armed name.
func Armed(name string) bool { return os.Getenv(Env) == name }
