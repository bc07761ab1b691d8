package signame

import (
	"os"
	"os/signal"
	"syscall"
)

// Forward relays the signals this process receives to send until the
// returned stop is called: all of them but those about the process itself
// (SIGCHLD, SIGWINCH, SIGURG, which the Go runtime uses, and SIGPIPE). Both
// `berth runtime run/exec` (to the container's process) and the CLI's
// attached run (to the container, through the API) proxy this way.
func Forward(send func(syscall.Signal)) (stop func()) {
	ch := make(chan os.Signal, 32)
	signal.Notify(ch)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-ch:
				sig, ok := s.(syscall.Signal)
				if !ok || sig == syscall.SIGCHLD || sig == syscall.SIGWINCH || sig == syscall.SIGURG || sig == syscall.SIGPIPE {
					continue
				}
				send(sig)
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}
