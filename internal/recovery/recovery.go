package recovery

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// Error logs v, a value just returned by recover(), with the panicking
// goroutine's stack, and returns it as an error. what names the work (for
// the log and the error). A nil log logs to slog.Default().
func Error(log *slog.Logger, what string, v any) error {
	if log == nil {
		log = slog.Default()
	}
	log.Error("panic recovered", "in", what, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	return fmt.Errorf("internal error in %s: panic: %v", what, v)
}

// Go runs fn in a new goroutine that a panic in fn does not turn into the
// end of the process: the panic is logged (see Error) and, when onPanic is
// not nil, its error is passed to onPanic, which fails whatever waits on
// fn (closes its pipe with the error, sends it on its channel) so that the
// request does not hang either. onPanic must not block or panic.
//
// Use it for every goroutine a request starts: stream copies, workers,
// producers of pipes.
func Go(log *slog.Logger, what string, fn func(), onPanic func(error)) {
	go func() {
		defer func() {
			if v := recover(); v != nil {
				err := Error(log, what, v)
				if onPanic != nil {
					onPanic(err)
				}
			}
		}()
		fn()
	}()
}
