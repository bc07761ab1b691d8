package compose

import (
	"context"
	"errors"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/berth/berth/internal/cli/command"
	cmdcontainer "github.com/berth/berth/internal/cli/command/container"
	engine "github.com/berth/berth/internal/compose"
)

func newRunCommand(c command.Cli, g *globals) *cobra.Command {
	var o engine.RunOptions
	var rm, detach, noTTY bool
	var entrypoint string
	cmd := command.NewAPI(c, "run [OPTIONS] SERVICE [COMMAND] [ARGS...]", "Run a one-off command in a new container of a service", command.MinArgs(1),
		forProject(c, g, func(ctx context.Context, e *engine.Engine, p *types.Project, args []string) error {
			if len(args) > 1 {
				o.Command = args[1:]
			}
			if entrypoint != "" {
				o.Entrypoint = []string{entrypoint}
			}
			o.Interactive = !detach
			o.TTY = !detach && !noTTY && isTerminal()
			id, err := e.CreateOneoff(ctx, p, args[0], o)
			if err != nil {
				return err
			}
			if detach {
				_, err := e.API.ContainerStart(ctx, id, client.ContainerStartOptions{})
				return command.PrintMade(c, id, err)
			}
			a := []string{"-a"}
			if o.Interactive {
				a = append(a, "-i")
			}
			runErr := delegate(ctx, cmdcontainer.NewStartCommand(c), append(a, id))
			if rm {
				_, err := e.API.ContainerRemove(context.WithoutCancel(ctx), id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
				runErr = errors.Join(runErr, err)
			}
			return runErr
		}))
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.BoolVar(&rm, "rm", false, "Remove the container when it exits")
	f.BoolVarP(&detach, "detach", "d", false, "Run the container in the background, print its ID")
	f.BoolVarP(&noTTY, "no-TTY", "T", false, "Do not allocate a terminal")
	f.BoolVar(&o.NoDeps, "no-deps", false, "Do not start the service's dependencies")
	f.BoolVarP(&o.ServicePorts, "service-ports", "P", false, "Publish the service's ports")
	f.StringArrayVarP(&o.Env, "env", "e", nil, "Environment variable KEY=VALUE")
	f.StringVar(&o.Name, "name", "", "Name of the container")
	f.StringVarP(&o.User, "user", "u", "", "User to run as")
	f.StringVarP(&o.Workdir, "workdir", "w", "", "Directory to run in")
	f.StringVar(&entrypoint, "entrypoint", "", "Entrypoint to run instead of the image's")
	return cmd
}
