package container

import (
	"context"
	"strconv"
	"syscall"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/streams"
	"github.com/berth/berth/internal/signame"
	"github.com/moby/moby/client"
)

// localStreams connects an attach or exec to the local streams: stdin
// when withStdin, stderr merged into stdout with a tty.
func localStreams(c command.Cli, tty, withStdin bool, detachKeys string) streams.Options {
	so := streams.Options{TTY: tty, Stdout: c.Out(), Stderr: c.Err(), DetachKeys: detachKeys}
	if tty {
		so.Stderr = c.Out()
	}
	if withStdin {
		so.Stdin = c.In()
	}
	return so
}

// attachStreams attaches to the output of container id, and to its input
// with stdin, and returns the connection with the local streams to pump
// it to ("start -a" and "attach").
func attachStreams(ctx context.Context, c command.Cli, api client.APIClient, id string, tty, stdin bool, detachKeys string) (client.ContainerAttachResult, streams.Options, error) {
	resp, err := api.ContainerAttach(ctx, id, client.ContainerAttachOptions{
		Stream: true, Stdin: stdin, Stdout: true, Stderr: true, DetachKeys: detachKeys,
	})
	return resp, localStreams(c, tty, stdin, detachKeys), err
}

// resizeContainer keeps the container's tty the size of the local terminal.
func resizeContainer(ctx context.Context, c command.Cli, api client.APIClient, id string) func() {
	return streams.MonitorResize(ctx, c.Out(), func(h, w uint) error {
		_, err := api.ContainerResize(ctx, id, client.ContainerResizeOptions{Height: h, Width: w})
		return err
	})
}

// proxySignals forwards the signals the CLI receives to the container.
func proxySignals(ctx context.Context, api client.APIClient, id string) func() {
	return signame.Forward(func(sig syscall.Signal) {
		// by number: the daemon parses names and numbers alike
		api.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: strconv.Itoa(int(sig))})
	})
}
