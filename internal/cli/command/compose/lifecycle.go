package compose

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/berth/berth/internal/cli/command"
	cmdcontainer "github.com/berth/berth/internal/cli/command/container"
	engine "github.com/berth/berth/internal/compose"
)

// forContainers is the body of the commands that act on the containers
// of some services (all when none is named).
func forContainers(c command.Cli, g *globals, fn func(ctx context.Context, e *engine.Engine, cs []container.Summary) error) func(*cobra.Command, client.APIClient, []string) error {
	return func(cmd *cobra.Command, api client.APIClient, args []string) error {
		_, name, err := g.projectName(cmd.Context(), c)
		if err != nil {
			return err
		}
		e := newEngine(c, api)
		cs, err := e.Containers(cmd.Context(), name, false, args...)
		if err != nil {
			return err
		}
		return fn(cmd.Context(), e, cs)
	}
}

// newTimeoutCommand makes a command that acts on the services' containers
// with -t/--timeout, passed to act only when given.
func newTimeoutCommand(c command.Cli, g *globals, use, short string, act func(e *engine.Engine, ctx context.Context, cs []container.Summary, timeout *int) error) *cobra.Command {
	var t int
	var cmd *cobra.Command
	cmd = command.NewAPI(c, use, short, nil,
		forContainers(c, g, func(ctx context.Context, e *engine.Engine, cs []container.Summary) error {
			var timeout *int
			if cmd.Flags().Changed("timeout") {
				timeout = &t
			}
			return act(e, ctx, cs, timeout)
		}))
	cmd.Flags().IntVarP(&t, "timeout", "t", 10, "Seconds to wait for the containers to stop")
	return cmd
}

func newStartCommand(c command.Cli, g *globals) *cobra.Command {
	return command.NewAPI(c, "start [SERVICE...]", "Start the services' existing containers", nil,
		forContainers(c, g, func(ctx context.Context, e *engine.Engine, cs []container.Summary) error {
			return e.Start(ctx, cs)
		}))
}

func newStopCommand(c command.Cli, g *globals) *cobra.Command {
	return newTimeoutCommand(c, g, "stop [SERVICE...]", "Stop the services' containers", (*engine.Engine).Stop)
}

func newRestartCommand(c command.Cli, g *globals) *cobra.Command {
	return newTimeoutCommand(c, g, "restart [SERVICE...]", "Restart the services' containers", (*engine.Engine).Restart)
}

func newKillCommand(c command.Cli, g *globals) *cobra.Command {
	var signal string
	cmd := command.NewAPI(c, "kill [OPTIONS] [SERVICE...]", "Send a signal to the services' containers", nil,
		forContainers(c, g, func(ctx context.Context, e *engine.Engine, cs []container.Summary) error {
			return e.Kill(ctx, cs, signal)
		}))
	cmd.Flags().StringVarP(&signal, "signal", "s", "SIGKILL", "Signal to send")
	return cmd
}

func newRmCommand(c command.Cli, g *globals) *cobra.Command {
	var stop, volumes bool
	cmd := command.NewAPI(c, "rm [OPTIONS] [SERVICE...]", "Remove the services' stopped containers", nil,
		forContainers(c, g, func(ctx context.Context, e *engine.Engine, cs []container.Summary) error {
			if stop {
				if err := e.Stop(ctx, cs, nil); err != nil {
					return err
				}
			}
			var gone []container.Summary
			for _, ct := range cs {
				if stop || ct.State != container.StateRunning {
					gone = append(gone, ct)
				}
			}
			return e.Remove(ctx, gone)
		}))
	f := cmd.Flags()
	f.BoolVarP(&stop, "stop", "s", false, "Stop the containers first")
	f.BoolP("force", "f", false, "Do not ask for confirmation (berth never asks)")
	f.BoolVarP(&volumes, "volumes", "v", false, "Remove anonymous volumes (always done)")
	return cmd
}

// newServiceCommand makes a command that acts on one running container
// of the service args[0], chosen by --index: fn gets its name and the
// arguments after the service.
func newServiceCommand(c command.Cli, g *globals, use, short string, args cobra.PositionalArgs, fn func(ctx context.Context, name string, args []string) error) *cobra.Command {
	var index int
	cmd := command.NewAPI(c, use, short, args,
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			name, err := serviceContainer(cmd.Context(), c, g, api, args[0], index)
			if err != nil {
				return err
			}
			return fn(cmd.Context(), name, args[1:])
		})
	cmd.Flags().IntVar(&index, "index", 1, "Which container of the service")
	return cmd
}

// serviceContainer is the name of a service's container number index.
func serviceContainer(ctx context.Context, c command.Cli, g *globals, api client.APIClient, service string, index int) (string, error) {
	_, name, err := g.projectName(ctx, c)
	if err != nil {
		return "", err
	}
	cs, err := newEngine(c, api).Containers(ctx, name, false, service)
	if err != nil {
		return "", err
	}
	for _, ct := range cs {
		if ct.Labels[engine.LabelNumber] == strconv.Itoa(index) && ct.State == container.StateRunning {
			return engine.Name(ct), nil
		}
	}
	return "", fmt.Errorf("service %q is not running", service)
}

// delegate runs another berth command (exec, start, top, port) with args.
func delegate(ctx context.Context, cmd *cobra.Command, args []string) error {
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(ctx)
}

func newExecCommand(c command.Cli, g *globals) *cobra.Command {
	var detach, noTTY, privileged bool
	var user, workdir string
	var env []string
	cmd := newServiceCommand(c, g, "exec [OPTIONS] SERVICE COMMAND [ARGS...]", "Run a command in a service's running container", command.MinArgs(2),
		func(ctx context.Context, name string, args []string) error {
			var a []string
			if !detach {
				a = append(a, "-i")
				if !noTTY && isTerminal() {
					a = append(a, "-t")
				}
			} else {
				a = append(a, "-d")
			}
			if privileged {
				a = append(a, "--privileged")
			}
			if user != "" {
				a = append(a, "-u", user)
			}
			if workdir != "" {
				a = append(a, "-w", workdir)
			}
			for _, e := range env {
				a = append(a, "-e", e)
			}
			a = append(append(a, name), args...)
			return delegate(ctx, cmdcontainer.NewExecCommand(c), a)
		})
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.BoolVarP(&detach, "detach", "d", false, "Run the command in the background")
	f.BoolVarP(&noTTY, "no-TTY", "T", false, "Do not allocate a terminal")
	f.BoolVar(&privileged, "privileged", false, "Give the command all capabilities")
	f.StringVarP(&user, "user", "u", "", "User to run as")
	f.StringVarP(&workdir, "workdir", "w", "", "Directory to run in")
	f.StringArrayVarP(&env, "env", "e", nil, "Environment variable KEY=VALUE")
	return cmd
}

func isTerminal() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func newTopCommand(c command.Cli, g *globals) *cobra.Command {
	return command.NewAPI(c, "top [SERVICE...]", "Show the processes of the services' containers", nil,
		forContainers(c, g, func(ctx context.Context, e *engine.Engine, cs []container.Summary) error {
			for _, ct := range cs {
				if ct.State != container.StateRunning {
					continue
				}
				fmt.Fprintln(c.Out(), engine.Name(ct))
				if err := delegate(ctx, cmdcontainer.NewTopCommand(c), []string{ct.ID}); err != nil {
					return err
				}
				fmt.Fprintln(c.Out())
			}
			return nil
		}))
}

func newPortCommand(c command.Cli, g *globals) *cobra.Command {
	var protocol string
	cmd := newServiceCommand(c, g, "port [OPTIONS] SERVICE PRIVATE_PORT", "Show the host address a service's port is published on", command.ExactArgs(2),
		func(ctx context.Context, name string, args []string) error {
			return delegate(ctx, cmdcontainer.NewPortCommand(c), []string{name, args[0] + "/" + protocol})
		})
	cmd.Flags().StringVar(&protocol, "protocol", "tcp", "tcp or udp")
	return cmd
}
