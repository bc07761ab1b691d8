package container

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/moby/term"
)

const defaultDetachKeys = "ctrl-p,ctrl-q"

// errDetached reports that the user typed the detach key sequence.
var errDetached = errors.New("detached")

// streamOptions says how to copy between the local streams and a hijacked
// attach or exec connection.
type streamOptions struct {
	tty        bool
	stdin      io.Reader // nil when stdin is not attached
	stdout     io.Writer
	stderr     io.Writer
	detachKeys string
}

// localStreams connects an attach or exec to the local streams: stdin
// when withStdin, stderr merged into stdout with a tty.
func localStreams(c command.Cli, tty, withStdin bool, detachKeys string) streamOptions {
	so := streamOptions{tty: tty, stdout: c.Out(), stderr: c.Err(), detachKeys: detachKeys}
	if tty {
		so.stderr = c.Out()
	}
	if withStdin {
		so.stdin = c.In()
	}
	return so
}

// setRaw puts the local terminal in raw mode (input, and output when it is a
// terminal) and returns a function that restores it.
func setRaw(c command.Cli, withInput bool) func() {
	var restores []func()
	if withInput {
		if fd, ok := command.TerminalFd(c.In()); ok {
			if st, err := term.SetRawTerminal(fd); err == nil {
				restores = append(restores, func() { term.RestoreTerminal(fd, st) })
			}
		}
	}
	if fd, ok := command.TerminalFd(c.Out()); ok {
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

// pumpStreams copies stdin to the connection and the connection to stdout
// and stderr (demultiplexed unless tty) until the output ends. It returns
// errDetached when the user typed the detach keys.
func pumpStreams(ctx context.Context, resp *client.HijackedResponse, o streamOptions) error {
	outDone := make(chan error, 1)
	go func() {
		var err error
		if o.tty {
			_, err = io.Copy(o.stdout, resp.Reader)
		} else {
			_, err = stdcopy.StdCopy(o.stdout, o.stderr, resp.Reader)
		}
		outDone <- err
	}()
	inDone := make(chan error, 1)
	if o.stdin != nil {
		go func() {
			in := o.stdin
			if o.tty {
				keys, err := term.ToBytes(o.detachKeys)
				if err != nil || o.detachKeys == "" {
					keys, _ = term.ToBytes(defaultDetachKeys)
				}
				in = term.NewEscapeProxy(in, keys)
			}
			_, err := io.Copy(resp.Conn, in)
			var esc term.EscapeError
			if errors.As(err, &esc) {
				inDone <- errDetached
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
		if errors.Is(err, errDetached) {
			return errDetached
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

// monitorResize sends the local terminal size now and on every SIGWINCH.
func monitorResize(ctx context.Context, c command.Cli, resize func(h, w uint) error) func() {
	fd, ok := command.TerminalFd(c.Out())
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

// resizeContainer keeps the container's tty the size of the local terminal.
func resizeContainer(ctx context.Context, c command.Cli, api client.APIClient, id string) func() {
	return monitorResize(ctx, c, func(h, w uint) error {
		_, err := api.ContainerResize(ctx, id, client.ContainerResizeOptions{Height: h, Width: w})
		return err
	})
}

// consoleSize returns the local terminal size as [height, width].
func consoleSize(c command.Cli) ([2]uint, bool) {
	fd, ok := command.TerminalFd(c.Out())
	if !ok {
		return [2]uint{}, false
	}
	ws, err := term.GetWinsize(fd)
	if err != nil || ws.Height == 0 {
		return [2]uint{}, false
	}
	return [2]uint{uint(ws.Height), uint(ws.Width)}, true
}

// proxySignals forwards the signals the CLI receives to the container.
func proxySignals(ctx context.Context, api client.APIClient, id string) func() {
	ch := make(chan os.Signal, 32)
	signal.Notify(ch)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-ch:
				sig, ok := s.(syscall.Signal)
				if !ok || sig == syscall.SIGCHLD || sig == syscall.SIGPIPE || sig == syscall.SIGURG || sig == syscall.SIGWINCH {
					continue
				}
				// by number: the daemon parses names and numbers alike
				api.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: strconv.Itoa(int(sig))})
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}
