package streams

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/moby/term"
)

// TerminalFd returns the file descriptor of v if it is a terminal.
func TerminalFd(v any) (uintptr, bool) {
	if v == nil {
		return 0, false
	}
	if _, ok := v.(*os.File); !ok {
		return 0, false
	}
	return term.GetFdInfo(v)
}

// DefaultDetachKeys is the sequence that detaches when --detach-keys is not given.
const DefaultDetachKeys = "ctrl-p,ctrl-q"

// ErrDetached reports that the user typed the detach key sequence.
var ErrDetached = errors.New("detached")

// Options says how to copy between the local streams and a hijacked
// attach or exec connection.
type Options struct {
	TTY        bool
	Stdin      io.Reader // nil when stdin is not attached
	Stdout     io.Writer
	Stderr     io.Writer
	DetachKeys string
}

// SetRaw puts the local terminal in raw mode (input, and output when it is a
// terminal) and returns a function that restores it.
func SetRaw(in io.Reader, out io.Writer, withInput bool) func() {
	var restores []func()
	if withInput {
		if fd, ok := TerminalFd(in); ok {
			if st, err := term.SetRawTerminal(fd); err == nil {
				restores = append(restores, func() { term.RestoreTerminal(fd, st) })
			}
		}
	}
	if fd, ok := TerminalFd(out); ok {
		if st, err := term.SetRawTerminalOutput(fd); err == nil {
			restores = append(restores, func() { term.RestoreTerminal(fd, st) })
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			for _, r := range restores {
				r()
			}
		})
	}
}

// Pump copies stdin to the connection and the connection to stdout
// and stderr (demultiplexed unless tty) until the output ends. It returns
// ErrDetached when the user typed the detach keys.
func Pump(ctx context.Context, resp *client.HijackedResponse, o Options) error {
	outDone := make(chan error, 1)
	go func() {
		var err error
		if o.TTY {
			_, err = io.Copy(o.Stdout, resp.Reader)
		} else {
			_, err = stdcopy.StdCopy(o.Stdout, o.Stderr, resp.Reader)
		}
		outDone <- err
	}()
	inDone := make(chan error, 1)
	if o.Stdin != nil {
		go func() {
			in := o.Stdin
			if o.TTY {
				keys, err := term.ToBytes(o.DetachKeys)
				if err != nil || o.DetachKeys == "" {
					keys, _ = term.ToBytes(DefaultDetachKeys)
				}
				in = term.NewEscapeProxy(in, keys)
			}
			_, err := io.Copy(resp.Conn, in)
			var esc term.EscapeError
			if errors.As(err, &esc) {
				inDone <- ErrDetached
				return
			}
			resp.CloseWrite()
			inDone <- nil
		}()
	}
	select {
	case err := <-outDone:
		return err
	case err := <-inDone:
		if errors.Is(err, ErrDetached) {
			return ErrDetached
		}
		// stdin ended; keep reading output until the container closes it.
		select {
		case err := <-outDone:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// MonitorResize sends the local terminal size now and on every SIGWINCH.
func MonitorResize(ctx context.Context, out io.Writer, resize func(h, w uint) error) func() {
	fd, ok := TerminalFd(out)
	if !ok {
		return func() {}
	}
	send := func() {
		if ws, err := term.GetWinsize(fd); err == nil && ws.Height > 0 {
			resize(uint(ws.Height), uint(ws.Width))
		}
	}
	send()
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				send()
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// ConsoleSize returns the local terminal size as [height, width].
func ConsoleSize(out io.Writer) ([2]uint, bool) {
	fd, ok := TerminalFd(out)
	if !ok {
		return [2]uint{}, false
	}
	ws, err := term.GetWinsize(fd)
	if err != nil || ws.Height == 0 {
		return [2]uint{}, false
	}
	return [2]uint{uint(ws.Height), uint(ws.Width)}, true
}
