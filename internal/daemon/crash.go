package daemon

import (
	"os"
	"syscall"
)

// CrashEnv names a test-only crash point: when BERTH_TEST_CRASH_AT equals
// the point's name, the daemon SIGKILLs itself there, so tests can check
// that startup reconciles half-made objects.
const CrashEnv = "BERTH_TEST_CRASH_AT"

// crashPoint kills the daemon when the test asked for it at name. Points:
// create-after-record, create-after-snapshot, start-after-shim,
// start-after-start, rm-after-mark, rm-after-snapshot, commit-after-layer,
// autoremove-after-remove.
func crashPoint(name string) {
	if os.Getenv(CrashEnv) == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// crashHold blocks forever when the crash point name is armed, so that a
// concurrent step stays undone until crashPoint(name) kills the daemon.
func crashHold(name string) {
	if os.Getenv(CrashEnv) == name {
		select {}
	}
}

// panicPoint panics when the test asked for it at name, so tests can check
// that a panic in a request's handler or in a goroutine it started is
// recovered and the daemon goes on serving. Points: info-panic (GET /info,
// in the handler), archive-panic (GET /containers/{id}/archive, in the
// goroutine that writes the tar).
func panicPoint(name string) {
	if os.Getenv(CrashEnv) == name {
		panic("test panic at " + name)
	}
}
