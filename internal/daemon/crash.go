package daemon

import "github.com/berth/berth/internal/crashpoint"

// crashPoint kills the daemon when the test asked for it at name (the
// points are listed in package crashpoint).
func crashPoint(name string) { crashpoint.At(name) }

// crashHold blocks forever when the crash point name is armed, so that a
// concurrent step stays undone until crashPoint(name) kills the daemon.
func crashHold(name string) {
	if crashpoint.Armed(name) {
		select {}
	}
}

// panicPoint panics when the test asked for it at name, so tests can check
// that a panic in a request's handler or in a goroutine it started is
// recovered and the daemon goes on serving. Points: info-panic (GET /info,
// in the handler), archive-panic (GET /containers/{id}/archive, in the
// goroutine that writes the tar).
func panicPoint(name string) {
	if crashpoint.Armed(name) {
		panic("test panic at " + name)
	}
}
