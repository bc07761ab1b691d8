package container

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/streams"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// NewStartCommand makes "berth start".
func NewStartCommand(c command.Cli) *cobra.Command {
	var attach, interactive bool
	var detachKeys string
	cmd := command.NewAPI(c, "start [OPTIONS] CONTAINER [CONTAINER...]", "Start stopped containers again", command.MinArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			if !attach && !interactive {
				return startAll(c, cmd.Context(), api, args)
			}
			if len(args) > 1 {
				return errors.New("you cannot start and attach multiple containers at once")
			}
			return startAttached(c, cmd.Context(), api, args[0], interactive, detachKeys)
		})
	f := cmd.Flags()
	f.BoolVarP(&attach, "attach", "a", false, "Stream the output and pass signals on")
	f.BoolVarP(&interactive, "interactive", "i", false, "Connect the terminal's input to the container")
	f.StringVar(&detachKeys, "detach-keys", "", `Key sequence that detaches (e.g. "ctrl-p,ctrl-q")`)
	return cmd
}

// startAll is "start" without -a or -i: start each container in turn and
// print its name.
func startAll(c command.Cli, ctx context.Context, api client.APIClient, names []string) error {
	var fs command.Failures
	for _, n := range names {
		if _, err := api.ContainerStart(ctx, n, client.ContainerStartOptions{}); fs.OK(c, err) {
			fmt.Fprintln(c.Out(), n)
		}
	}
	if err := fs.Err(); err != nil {
		return fmt.Errorf("%w\nError: failed to start containers: %s", err, strings.Join(names, ", "))
	}
	return nil
}

// startAttached is "start -a [-i]": attach, start, stream until the
// container ends, exit with its status.
func startAttached(c command.Cli, ctx context.Context, api client.APIClient, name string, stdin bool, detachKeys string) error {
	info, err := api.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	ctr := info.Container
	cfg := ctr.Config
	stdin = stdin && cfg.OpenStdin
	resp, so, err := attachStreams(ctx, c, api, ctr.ID, cfg.Tty, stdin, detachKeys)
	if err != nil {
		return err
	}
	defer resp.Close()
	var restore func()
	if cfg.Tty {
		restore = streams.SetRaw(c.In(), c.Out(), stdin)
		defer restore()
	} else {
		stop := proxySignals(ctx, api, ctr.ID)
		defer stop()
	}
	wait := api.ContainerWait(ctx, ctr.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	streamErr := make(chan error, 1)
	hr := resp.HijackedResponse
	go func() { streamErr <- streams.Pump(ctx, &hr, so) }()
	if _, err := api.ContainerStart(ctx, ctr.ID, client.ContainerStartOptions{}); err != nil {
		return err
	}
	if cfg.Tty {
		stop := resizeContainer(ctx, c, api, ctr.ID)
		defer stop()
	}
	if err := <-streamErr; err != nil {
		if errors.Is(err, streams.ErrDetached) {
			return nil
		}
		return err
	}
	if restore != nil {
		restore()
	}
	select {
	case r := <-wait.Result:
		if r.StatusCode != 0 {
			return command.StatusError{Code: int(r.StatusCode)}
		}
		return nil
	case err := <-wait.Error:
		return err
	}
}

// NewAttachCommand makes "berth attach".
func NewAttachCommand(c command.Cli) *cobra.Command {
	var noStdin, sigProxy bool
	var detachKeys string
	cmd := command.NewAPI(c, "attach [OPTIONS] CONTAINER", "Connect this terminal's input and output to a running container", command.ExactArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			ctx := cmd.Context()
			info, err := api.ContainerInspect(ctx, args[0], client.ContainerInspectOptions{})
			if err != nil {
				return err
			}
			ctr := info.Container
			if ctr.State == nil || !ctr.State.Running {
				return errors.New("You cannot attach to a stopped container, start it first")
			}
			if ctr.State.Paused {
				return errors.New("You cannot attach to a paused container, unpause it first")
			}
			if ctr.State.Restarting {
				return errors.New("You cannot attach to a restarting container, wait until it is running")
			}
			cfg := ctr.Config
			stdin := !noStdin && cfg.OpenStdin
			resp, so, err := attachStreams(ctx, c, api, ctr.ID, cfg.Tty, stdin, detachKeys)
			if err != nil {
				return err
			}
			defer resp.Close()
			if cfg.Tty {
				restore := streams.SetRaw(c.In(), c.Out(), stdin)
				defer restore()
				stop := resizeContainer(ctx, c, api, ctr.ID)
				defer stop()
			} else if sigProxy {
				stop := proxySignals(ctx, api, ctr.ID)
				defer stop()
			}
			hr := resp.HijackedResponse
			if err := streams.Pump(ctx, &hr, so); err != nil {
				if errors.Is(err, streams.ErrDetached) {
					return nil
				}
				return err
			}
			after, err := api.ContainerInspect(ctx, ctr.ID, client.ContainerInspectOptions{})
			if err == nil && after.Container.State != nil && !after.Container.State.Running && after.Container.State.ExitCode != 0 {
				return command.StatusError{Code: after.Container.State.ExitCode}
			}
			return nil
		})
	f := cmd.Flags()
	f.BoolVar(&noStdin, "no-stdin", false, "Leave the standard input unconnected")
	f.BoolVar(&sigProxy, "sig-proxy", true, "Pass the signals berth receives to the container")
	f.StringVar(&detachKeys, "detach-keys", "", `Key sequence that detaches (e.g. "ctrl-p,ctrl-q")`)
	return cmd
}
